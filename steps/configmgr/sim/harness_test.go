package sim_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/engine/clock"
	"github.com/batonhq/baton/fixtures"
	"github.com/batonhq/baton/steps/configmgr"
	"github.com/batonhq/baton/steps/configmgr/sim"
)

var t0 = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

var (
	contosoOnce sync.Once
	contoso     *sim.Fixture
	contosoErr  error
)

func contosoFixture(t testing.TB) *sim.Fixture {
	t.Helper()
	contosoOnce.Do(func() { contoso, contosoErr = sim.Load(fixtures.FS, "contoso") })
	if contosoErr != nil {
		t.Fatalf("load contoso: %v", contosoErr)
	}
	return contoso
}

// rig is a simulated site on a virtual clock, driven by offsets from the
// rehearsal start.
type rig struct {
	t   *testing.T
	v   *clock.Virtual
	s   *sim.Site
	ctx context.Context
}

func newRig(t *testing.T, scenario string) *rig {
	t.Helper()
	return newRigFrom(t, contosoFixture(t), scenario)
}

func newRigFrom(t *testing.T, f *sim.Fixture, scenario string) *rig {
	t.Helper()
	v := clock.NewVirtual(t0)
	s, err := sim.New(f, scenario, v)
	if err != nil {
		t.Fatalf("New(%s): %v", scenario, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return &rig{t: t, v: v, s: s, ctx: context.Background()}
}

// to moves the clock to offset d after the start.
func (r *rig) to(d time.Duration) {
	r.t.Helper()
	delta := t0.Add(d).Sub(r.v.Now())
	if delta < 0 {
		r.t.Fatalf("clock is already at %v, cannot go back to %v", r.v.Now().Sub(t0), d)
	}
	r.v.Advance(delta)
}

func (r *rig) server(name string) configmgr.SiteServer {
	r.t.Helper()
	ss, err := r.s.SiteServers(r.ctx)
	if err != nil {
		r.t.Fatalf("SiteServers: %v", err)
	}
	for _, x := range ss {
		if x.Name == name {
			return x
		}
	}
	return configmgr.SiteServer{}
}

func (r *rig) site() configmgr.SiteInfo {
	r.t.Helper()
	si, err := r.s.Site(r.ctx)
	if err != nil {
		r.t.Fatalf("Site: %v", err)
	}
	return si
}

func (r *rig) must(err error) {
	r.t.Helper()
	if err != nil {
		r.t.Fatal(err)
	}
}

// refusedWith asserts err wraps target and mentions every fragment.
func refusedWith(t *testing.T, err, target error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want an error (%v), got nil", target)
	}
	if target != nil && !errors.Is(err, target) {
		t.Fatalf("error %q does not wrap %v", err, target)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Fatalf("error %q does not mention %q", err, f)
		}
	}
}

// eventAt asserts an event with step happened at offset d.
func (r *rig) eventAt(step string, d time.Duration) sim.Event {
	r.t.Helper()
	for _, e := range r.s.Events() {
		if e.Step == step {
			if e.Offset != d {
				r.t.Fatalf("event %s at %v, want %v: %s", step, e.Offset, d, e.Message)
			}
			return e
		}
	}
	r.t.Fatalf("no event %s; events:\n%s", step, r.dump())
	return sim.Event{}
}

func (r *rig) hasEvent(fragment string) bool {
	for _, e := range r.s.Events() {
		if strings.Contains(e.Message, fragment) {
			return true
		}
	}
	return false
}

func (r *rig) dump() string {
	var b strings.Builder
	for _, e := range r.s.Events() {
		b.WriteString(e.String())
		b.WriteString("\n")
	}
	return b.String()
}

// check is one expected server row at an offset.
type check struct {
	at     time.Duration
	server string
	mode   string
	status string
	detail string // substring
}

func (r *rig) checks(cs []check) {
	r.t.Helper()
	for _, c := range cs {
		r.to(c.at)
		got := r.server(c.server)
		if got.Mode != c.mode || got.Status != c.status || !strings.Contains(got.Detail, c.detail) {
			r.t.Fatalf("at %v %s = %s/%s %q, want %s/%s containing %q\nevents:\n%s",
				c.at, c.server, got.Mode, got.Status, got.Detail, c.mode, c.status, c.detail, r.dump())
		}
	}
}

const (
	cm01 = "cm01.contoso.com"
	cm02 = "cm02.contoso.com"
	cm03 = "cm03.contoso.com"
	m    = time.Minute
)

var network = configmgr.AddPassive{
	Server: cm02, InstallDirectory: `C:\Program Files\Configuration Manager`,
	SourceOption: "network", SourcePath: `\\cm01.contoso.com\SMS_PS1\CD.Latest`,
}
