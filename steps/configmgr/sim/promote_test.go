package sim_test

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/steps/configmgr"
	"github.com/batonhq/baton/steps/configmgr/sim"
)

func TestPlannedPromotionStageByStage(t *testing.T) {
	r := newRig(t, "healthy")
	r.to(5 * m)
	r.must(r.s.Promote(r.ctx, cm02))
	const s0 = 5 * m
	type row struct {
		at                   time.Duration
		m1Mode, m2Mode, m2St string
		siteStatus           int
		serverName           string
		m1Available          bool
	}
	for _, c := range []row{
		{s0, "active", "passive", "Promoting", 2, cm01, true},
		{s0 + 2*m, "active", "passive", "Promoting", 2, cm01, false}, // PRP-01 M1 services stopped
		{s0 + 3*m, "active", "passive", "Promoting", 2, cm01, false}, // PRP-02
		{s0 + 6*m, "passive", "passive", "Promoting", 2, cm01, true}, // PRP-03 M1 passive
		{s0 + 7*m, "passive", "passive", "Promoting", 2, cm01, true}, // PRP-04
		{s0 + 10*m, "passive", "active", "Promoting", 2, cm02, true}, // PRP-05 database switched
		{s0 + 12*m, "passive", "active", "Promoting", 2, cm02, true}, // PRP-06
		{s0 + 14*m, "passive", "active", "OK", 1, cm02, true},        // PRP-07
	} {
		r.to(c.at)
		m1, m2, si := r.server(cm01), r.server(cm02), r.site()
		if m1.Mode != c.m1Mode || m2.Mode != c.m2Mode || m2.Status != c.m2St || si.Status != c.siteStatus || si.ServerName != c.serverName {
			t.Fatalf("at %v: M1 %s/%s, M2 %s/%s, site status %d server %s; want M1 %s, M2 %s/%s, site %d %s\n%s",
				c.at, m1.Mode, m1.Status, m2.Mode, m2.Status, si.Status, si.ServerName, c.m1Mode, c.m2Mode, c.m2St, c.siteStatus, c.serverName, r.dump())
		}
		if got := componentAvailable(t, r, cm01, "SMS_SITE_COMPONENT_MANAGER"); got != c.m1Available {
			t.Fatalf("at %v: cm01 SMS_SITE_COMPONENT_MANAGER available = %v", c.at, got)
		}
	}
	for i, at := range []time.Duration{2, 3, 6, 7, 10, 12, 14} {
		id := "PRP-0" + string(rune('1'+i))
		e := r.eventAt(id, s0+at*m)
		if !strings.Contains(e.Message, "("+id+")") {
			t.Errorf("event %s does not name its id: %s", id, e.Message)
		}
	}
	if m1 := r.server(cm01); m1.Status != "OK" {
		t.Errorf("M1 status %s", m1.Status)
	}
	// Other roles stayed where they were.
	st := r.s.Snapshot()
	if len(st.Operations) != 0 {
		t.Errorf("operations left: %v", st.Operations)
	}
	if !st.PostPromotion.PromotedAt.Equal(t0.Add(s0 + 14*m)) {
		t.Errorf("PromotedAt = %v", st.PostPromotion.PromotedAt)
	}
	// Promote back: planned again.
	r.must(r.s.Promote(r.ctx, cm01))
	r.checks([]check{{s0 + 28*m, cm01, "active", "OK", ""}, {s0 + 28*m, cm02, "passive", "OK", ""}})
}

func componentAvailable(t *testing.T, r *rig, server, name string) bool {
	t.Helper()
	cs, err := r.s.Components(r.ctx)
	r.must(err)
	for _, c := range cs {
		if c.Server == server && c.Name == name {
			return c.Available
		}
	}
	t.Fatalf("no component %s on %s", name, server)
	return false
}

func TestPromoteRefusals(t *testing.T) {
	for _, tc := range []struct {
		scenario, server string
		target           error
		want             string
	}{
		{"healthy", cm01, sim.ErrRefused, "already the active"},
		{"healthy", "mp01.contoso.com", sim.ErrRefused, "not a site server"},
		{"healthy", "nope", sim.ErrRefused, "not a site server"},
		{"no-passive-yet", cm02, sim.ErrRefused, "not a site server"},
		{"sql-down", cm02, sim.ErrDatabaseUnavailable, "cannot connect to the site database"},
		{"provider-only-on-active", cm02, sim.ErrNoProvider, "R07"},
	} {
		t.Run(tc.scenario+"/"+tc.server, func(t *testing.T) {
			r := newRig(t, tc.scenario)
			refusedWith(t, r.s.Promote(r.ctx, tc.server), tc.target, tc.want)
		})
	}
	// A passive still installing cannot be promoted (R08).
	r := newRig(t, "no-passive-yet")
	r.must(r.s.AddPassiveSiteServer(r.ctx, network))
	r.to(10 * m)
	refusedWith(t, r.s.Promote(r.ctx, cm02), sim.ErrRefused, "Installing", "R08")
	// A second request while promoting is a no-op; other actions wait.
	r = newRig(t, "healthy")
	r.must(r.s.Promote(r.ctx, cm02))
	r.to(1 * m)
	r.must(r.s.Promote(r.ctx, cm02))
	refusedWith(t, r.s.RemoveRole(r.ctx, "dp01.contoso.com", "dp"), sim.ErrRefused, "promotion of cm02.contoso.com is in progress")
	r.checks([]check{{14 * m, cm02, "active", "OK", ""}})
}

func TestPromotionFailsMidway(t *testing.T) {
	r := newRig(t, "promotion-fails-midway")
	r.must(r.s.Promote(r.ctx, cm02))
	r.checks([]check{
		{10*m - time.Second, cm02, "passive", "Promoting", "PRP-05"},
		{10 * m, cm02, "passive", "Failed", "Promotion failed at PRP-05"},
		{10 * m, cm01, "passive", "OK", "PRP-03"},
	})
	if si := r.site(); si.Status != sim.SiteStatusFailed || si.ServerName != cm01 {
		t.Errorf("site after failure: status %d server %s", si.Status, si.ServerName)
	}
	r.eventAt("PRP-05", 10*m)
	if r.s.Snapshot().Operations != nil {
		t.Errorf("a failed promotion is still in flight: %v", r.s.Snapshot().Operations)
	}
	// No active: administration is impossible until promoted again.
	refusedWith(t, r.s.RemoveRole(r.ctx, "dp01.contoso.com", "dp"), sim.ErrNoActiveSiteServer)
	r.to(20 * m)
	r.must(r.s.Promote(r.ctx, cm02))
	r.checks([]check{{34 * m, cm02, "active", "OK", ""}, {34 * m, cm01, "passive", "OK", ""}})
}

func TestUnplannedPromotion(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		checks   []check
		events   map[string]time.Duration
		status   map[time.Duration]int // site status
	}{
		{
			scenario: "active-offline-back-in-10m",
			checks: []check{
				{0, cm02, "passive", "Promoting", "PRU-01"},
				{0, cm01, "active", "Unknown", "not responding"},
				{9 * m, cm02, "passive", "Promoting", "attempt 10"},
				{10 * m, cm02, "passive", "Promoting", "PRP-01"},
				{16 * m, cm01, "passive", "OK", "PRP-03"},
				{24 * m, cm02, "active", "OK", ""},
			},
			events: map[string]time.Duration{"PRU-01": 0, "PRP-01": 12 * m, "PRP-07": 24 * m},
			status: map[time.Duration]int{0: 3, 9 * m: 3, 10 * m: 2, 24 * m: 1},
		},
		{
			scenario: "active-offline-for-good",
			checks: []check{
				{30*m - time.Second, cm02, "passive", "Promoting", "PRU-01"},
				{30 * m, cm02, "passive", "Promoting", "PRU-03"},
				{34 * m, cm02, "active", "Promoting", "PRU-05"},
				{34 * m, cm01, "passive", "Unknown", "demotes itself"},
				{38 * m, cm02, "active", "OK", ""},
				{10 * time.Hour, cm01, "passive", "Unknown", ""},
			},
			events: map[string]time.Duration{"PRU-D1": 30 * m, "PRU-02": 30 * m, "PRU-03": 31 * m, "PRU-04": 34 * m, "PRU-05": 36 * m, "PP-08": 38 * m},
			status: map[time.Duration]int{0: 3, 29 * m: 3, 34 * m: 2, 38 * m: 1},
		},
		{
			scenario: "active-offline-returns-after-45m",
			checks: []check{
				{38 * m, cm02, "active", "OK", ""},
				{44 * m, cm01, "passive", "Unknown", ""},
				{45 * m, cm01, "passive", "Unknown", "PRU-M1"},
				{48 * m, cm01, "passive", "Unknown", "PRU-M1-4"},
				{49 * m, cm01, "passive", "OK", "PRU-M1-4"},
			},
			events: map[string]time.Duration{"PRU-02": 30 * m, "PRU-M1-1": 45 * m, "PRU-M1-2": 46 * m, "PRU-M1-3": 48 * m, "PRU-M1-4": 49 * m},
			status: map[time.Duration]int{45 * m: 1, 50 * m: 1},
		},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			r := newRig(t, tc.scenario)
			// The console reaches the surviving provider on cm02 (R07).
			ps, err := r.s.Providers(r.ctx)
			r.must(err)
			up := map[string]bool{}
			for _, p := range ps {
				up[p.Server] = p.Reachable
			}
			if up[cm01] || !up[cm02] {
				t.Fatalf("providers %+v", ps)
			}
			if rc, _ := r.s.Reachable(r.ctx, cm01); rc.Reachable {
				t.Fatalf("cm01 reachable: %+v", rc)
			}
			refusedWith(t, r.s.MoveContentLibrary(r.ctx, `\\fs01\x\y`), sim.ErrNoActiveSiteServer, "§6")
			r.must(r.s.Promote(r.ctx, cm02))
			// Probes in time order: server rows and site statuses.
			type probe struct {
				at time.Duration
				fn func()
			}
			var probes []probe
			for _, c := range tc.checks {
				probes = append(probes, probe{c.at, func() { r.checks([]check{c}) }})
			}
			for at, want := range tc.status {
				probes = append(probes, probe{at, func() {
					r.to(at)
					if got := r.site().Status; got != want {
						t.Fatalf("at %v site status %d, want %d\n%s", at, got, want, r.dump())
					}
				}})
			}
			sort.SliceStable(probes, func(i, j int) bool { return probes[i].at < probes[j].at })
			for _, p := range probes {
				p.fn()
			}
			for id, at := range tc.events {
				r.eventAt(id, at)
			}
		})
	}
}

func TestUnplannedThenRebuildHA(t *testing.T) {
	r := newRig(t, "active-offline-for-good")
	r.must(r.s.Promote(r.ctx, cm02))
	r.to(40 * m)
	refusedWith(t, r.s.RemoveSiteServerRole(r.ctx, cm02), sim.ErrRefused, "active site server")
	r.must(r.s.RemoveSiteServerRole(r.ctx, cm01))
	r.to(45 * m)
	if got := r.server(cm01); !strings.Contains(got.Detail, "removing") {
		t.Fatalf("cm01 during removal: %+v", got)
	}
	r.to(50 * m)
	if got := r.server(cm01); got.Name != "" {
		t.Fatalf("cm01 still a site server: %+v", got)
	}
	if !r.hasEvent("SMS Provider on cm01.contoso.com was NOT removed") {
		t.Errorf("§7.3 note missing:\n%s", r.dump())
	}
	r.must(r.s.AddPassiveSiteServer(r.ctx, configmgr.AddPassive{Server: cm03, SourceOption: "network", SourcePath: `\\cm02.contoso.com\SMS_PS1\CD.Latest`}))
	r.checks([]check{{88 * m, cm03, "passive", "OK", ""}, {88 * m, cm02, "active", "OK", ""}})
}

func TestUnplannedForcedThenOldServerReturnsDuringForce(t *testing.T) {
	f := loadInline(t, haFixture+`
scenario "x" {
  description = "x"
  event "down" {
    at     = "0m"
    kind   = "server_offline"
    server = "a.example.com"
  }
  event "up" {
    at     = "32m"
    kind   = "server_online"
    server = "a.example.com"
  }
}`)
	r := newRigFrom(t, f, "x")
	r.must(r.s.Promote(r.ctx, "b.example.com"))
	// Back at 32m: too late for PRU-01 (forced at 30m); it demotes itself
	// as soon as the database names b active (PRU-04 at 34m).
	r.checks([]check{
		{33 * m, "a.example.com", "active", "OK", ""},
		{34 * m, "b.example.com", "active", "Promoting", ""},
		{34 * m, "a.example.com", "passive", "Unknown", "PRU-M1"},
		{38 * m, "a.example.com", "passive", "OK", "PRU-M1-4"},
		{38 * m, "b.example.com", "active", "OK", ""},
	})
}
