package rehearse

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/state"
	"github.com/batonhq/baton/steps"
	"github.com/batonhq/baton/steps/basic"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// A fake world: a "lab" target whose moves take virtual time, a step that
// reaches outside but has a stand-in, and one that has neither a stand-in
// nor a simulated target. The rehearse package sees them only through the
// capabilities and the injected Site.

type labSite struct {
	clk    steps.Clock
	mu     sync.Mutex
	events []fmt.Stringer
	moves  map[string]int
}

type labEvent struct {
	At      time.Duration `json:"at"`
	Message string        `json:"message"`
}

func (e labEvent) String() string { return e.At.String() + " " + e.Message }

func (s *labSite) Close() error       { return nil }
func (s *labSite) TargetType() string { return "lab" }
func (s *labSite) Events() []fmt.Stringer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]fmt.Stringer(nil), s.events...)
}
func (s *labSite) State() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return map[string]int{"moves": len(s.moves)}
}

func (s *labSite) move(step string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.moves[step]++
	s.events = append(s.events, labEvent{At: s.clk.Now().Sub(Epoch), Message: step + " moved"})
}

func labFactory(scenario string, clk steps.Clock) (Site, error) {
	if scenario != "calm" {
		return nil, fmt.Errorf("the lab has no scenario %q: use calm", scenario)
	}
	return &labSite{clk: clk, moves: map[string]int{}}, nil
}

type labTarget struct{}

func (labTarget) Name() string                         { return "lab" }
func (labTarget) Doc() string                          { return "a test lab" }
func (labTarget) Spec() hcldec.Spec                    { return hcldec.ObjectSpec{} }
func (labTarget) Describe(cty.Value) steps.Description { return steps.Description{Summary: "the lab"} }
func (labTarget) Open(context.Context, cty.Value, hclog.Logger) (steps.Target, error) {
	return nil, errors.New("the lab is only simulated")
}

// kind is a step type for the fake world (used as *kind: the executor
// compares kinds).
type kind struct {
	name, target string
	spec         hcldec.ObjectSpec
	run          func(ctx context.Context, req steps.Request) error
}

func (k *kind) Name() string                         { return k.name }
func (k *kind) Doc() string                          { return k.name }
func (k *kind) Effect() steps.Effect                 { return steps.Mutating }
func (k *kind) TargetType() string                   { return k.target }
func (k *kind) Spec() hcldec.Spec                    { return k.spec }
func (k *kind) OutputType() cty.Type                 { return cty.EmptyObject }
func (k *kind) Describe(cty.Value) steps.Description { return steps.Description{Summary: k.name} }
func (k *kind) Run(ctx context.Context, req steps.Request) (cty.Value, error) {
	return cty.EmptyObjectVal, k.run(ctx, req)
}

// shout reaches outside; its stand-in shows the message instead.
type shout struct{ *kind }

func (s shout) RehearsalStandIn() steps.Kind {
	k := *s.kind
	k.run = func(_ context.Context, req steps.Request) error {
		_, err := fmt.Fprintln(req.Output, "would shout: "+req.Args.GetAttr("message").AsString())
		return err
	}
	return &k
}

var (
	moveKind = &kind{name: "lab_move", target: "lab",
		spec: hcldec.ObjectSpec{"takes": &hcldec.AttrSpec{Name: "takes", Type: cty.String, Required: true}},
		run: func(ctx context.Context, req steps.Request) error {
			d, err := time.ParseDuration(req.Args.GetAttr("takes").AsString())
			if err != nil {
				return err
			}
			if err := req.Clock.Sleep(ctx, d); err != nil {
				return err
			}
			req.Target.(*labSite).move(req.Step)
			return nil
		}}
	shoutKind = &shout{&kind{name: "shout",
		spec: hcldec.ObjectSpec{"message": &hcldec.AttrSpec{Name: "message", Type: cty.String, Required: true}},
		run:  func(context.Context, steps.Request) error { return errors.New("shouted at the world in a rehearsal") }}}
	worldKind = &kind{name: "world", spec: hcldec.ObjectSpec{},
		run: func(context.Context, steps.Request) error { return errors.New("touched the world in a rehearsal") }}
)

const labRunbook = `runbook "lab" {
  title = "t"
  lock  = "lab/1"
}
target "lab" {
  type = "lab"
}
check "ready" {
  uses      = "assert"
  condition = true
  message   = "never"
}
approval "cab" {
  approvers  = ["alice", "bob"]
  depends_on = [step.ready]
}
action "a" {
  uses       = "lab_move"
  takes      = "7m"
  idempotent = true
  depends_on = [step.cab]
}
action "b" {
  uses       = "lab_move"
  takes      = "3m"
  idempotent = true
  depends_on = [step.cab]
}
action "c" {
  uses       = "lab_move"
  takes      = "5m"
  idempotent = true
  depends_on = [step.cab]
}
check "soak" {
  uses       = "sleep"
  duration   = "4m"
  depends_on = [step.cab]
}
action "tell" {
  uses       = "shout"
  message    = "moved"
  idempotent = true
  depends_on = [step.a, step.b, step.c, step.soak]
}
action "world" {
  uses       = "world"
  idempotent = true
  depends_on = [step.tell]
}
`

func labRehearsal(t *testing.T) *Report {
	t.Helper()
	reg := steps.NewRegistry().Register(basic.Kinds()...).Register(moveKind, shoutKind, worldKind).RegisterTarget(labTarget{})
	rb, diags := runbook.Load(runbook.FromFS(fstest.MapFS{"lab.hcl": {Data: []byte(labRunbook)}}), "lab.hcl", reg)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	store, err := state.Open(filepath.Join(t.TempDir(), "state.db"), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	rep, err := Run(ctx, rb, nil, Options{
		Site: labFactory, FixtureName: "lab", Scenario: "calm", Store: store, Parallelism: 4,
		Answers: Answers{Steps: map[string][]Answer{"cab": {{By: "alice", Decision: "approved", After: 20 * time.Minute}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// rendered is the report as text and JSON.
func rendered(t *testing.T, rep *Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b.Write(js)
	return b.String()
}

// TestRehearsalCapabilities: steps act through the injected site, a
// stand-in runs in place of a step that reaches outside, and a step with
// neither is skipped, never run.
func TestRehearsalCapabilities(t *testing.T) {
	rep := labRehearsal(t)
	tests := []struct{ step, status string }{
		{"ready", "succeeded"}, {"cab", "succeeded"}, {"a", "succeeded"}, {"b", "succeeded"}, {"c", "succeeded"},
		{"soak", "succeeded"}, {"tell", "succeeded"}, {"world", "skipped"},
	}
	for _, tt := range tests {
		if got := rep.Steps[tt.step]; got != tt.status {
			t.Errorf("step %s: %s, want %s", tt.step, got, tt.status)
		}
	}
	if rep.Status != "succeeded" || rep.Duration != 27*time.Minute {
		t.Errorf("status %s after %s, want succeeded after 27m (answer at 20m, longest move 7m)", rep.Status, rep.Duration)
	}
	var events []string
	for _, e := range rep.SiteEvents {
		events = append(events, e.String())
	}
	if got, want := strings.Join(events, "; "), "23m0s b moved; 25m0s c moved; 27m0s a moved"; got != want {
		t.Errorf("site events %q, want %q", got, want)
	}
	if st, ok := rep.FinalSite.(map[string]int); !ok || st["moves"] != 3 {
		t.Errorf("final site %#v, want 3 moves", rep.FinalSite)
	}
	if len(rep.Notifications) != 1 || rep.Notifications[0].Step != "tell" || rep.Notifications[0].Message != "would shout: moved" {
		t.Errorf("notifications %+v, want tell's stand-in output", rep.Notifications)
	}
	if len(rep.Skipped) != 1 || !strings.Contains(rep.Skipped[0].Message, "step type world has no simulation") {
		t.Errorf("skipped %+v, want world as not simulated", rep.Skipped)
	}
}

// TestRehearsalDeterministic: the same runbook, site, scenario and answers
// give the same report byte for byte, run id and journal head included,
// run after run (the virtual clock's participants take turns in an order
// the run fixes, never the Go scheduler).
func TestRehearsalDeterministic(t *testing.T) {
	first := rendered(t, labRehearsal(t))
	for i := 2; i <= 3; i++ {
		if got := rendered(t, labRehearsal(t)); got != first {
			t.Fatalf("rehearsal %d differs from the first:\n--- first\n%s\n--- %d\n%s", i, first, i, got)
		}
	}
}

func TestRunNeedsSite(t *testing.T) {
	_, err := Run(t.Context(), &runbook.Runbook{}, nil, Options{})
	if err == nil || !strings.Contains(err.Error(), "no simulated site") {
		t.Errorf("err = %v, want no simulated site", err)
	}
}
