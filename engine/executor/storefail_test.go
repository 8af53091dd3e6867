package executor

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/batonhq/baton/state"
	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

var errDiskFull = errors.New("disk full")

// brokenStore is a state store whose owner writes start failing at the
// first transition whose journal entry is failAt (type:step).
type brokenStore struct {
	state.Backend
	failAt string
}

func (b brokenStore) CreateRun(run state.Run, steps []state.StepRecord, entry state.JournalEntry, opts state.CreateOptions) (state.Lease, error) {
	l, err := b.Backend.CreateRun(run, steps, entry, opts)
	return &brokenLease{Lease: l, failAt: b.failAt}, err
}

type brokenLease struct {
	state.Lease
	failAt string
	broken bool
}

func (l *brokenLease) PutSteps(recs []state.StepRecord, entries []state.JournalEntry) error {
	for _, e := range entries {
		if e.Type+":"+e.Step == l.failAt {
			l.broken = true
		}
	}
	if l.broken {
		return errDiskFull
	}
	return l.Lease.PutSteps(recs, entries)
}

// TestStoreFailureStopsTheRun: when the store cannot record an action's
// intent, the action never acts, the run returns the store's error (never
// a panic) after every started step has ended, and a resume once the
// store is writable runs what had not run, once.
func TestStoreFailureStopsTheRun(t *testing.T) {
	src := header + `
action "a" {
  uses = "change"
  key  = "a"
}
action "b" {
  uses = "change"
  key  = "b"
  depends_on = [step.a]
}
check "side" {
  uses = "probe"
  key  = "side"
  depends_on = [step.a]
}
action "c" {
  uses = "change"
  key  = "c"
  depends_on = [step.b]
}`
	tests := []struct {
		failAt     string
		ranBefore  map[string]int
		resumed    state.RunStatus
		ranInTotal map[string]int
	}{
		// b's intent is not recorded: b never acted, and runs on resume.
		{"step.intent:b", map[string]int{"a": 1, "b": 0, "c": 0}, state.RunSucceeded, map[string]int{"a": 1, "b": 1, "c": 1}},
		// a acted but its success is not recorded: on resume a is in doubt
		// (no verify, not idempotent), and nothing after it runs.
		{"step.succeeded:a", map[string]int{"a": 1, "b": 0, "c": 0}, state.RunPaused, map[string]int{"a": 1, "b": 0, "c": 0}},
	}
	for _, tt := range tests {
		t.Run(tt.failAt, func(t *testing.T) {
			f := newFixture(t)
			rb := f.load(src)
			o := f.opts()
			o.Store = brokenStore{Backend: f.store, failAt: tt.failAt}
			res, err := Start(t.Context(), rb, f.vars(rb), o, Meta{})
			if !errors.Is(err, errDiskFull) || res.Status != state.RunPaused || !strings.Contains(err.Error(), "can be resumed") {
				t.Fatalf("run with a failing store: %s, %v; want paused with the store's error", res.Status, err)
			}
			for key, want := range tt.ranBefore {
				if n := f.calls.get(key); n != want {
					t.Errorf("before the resume %s ran %d times, want %d", key, n, want)
				}
			}
			res, err = Resume(t.Context(), rb, f.vars(rb), res.RunID, f.opts(), ResumeOptions{})
			if err != nil || res.Status != tt.resumed {
				t.Fatalf("resume once writable: %s (%s) %v, want %s", res.Status, res.Reason, err, tt.resumed)
			}
			for key, want := range tt.ranInTotal {
				if n := f.calls.get(key); n != want {
					t.Errorf("%s ran %d times, want %d", key, n, want)
				}
			}
		})
	}
}

// panickyTarget is a target type whose Open has a bug.
type panickyTarget struct{}

func (panickyTarget) Name() string      { return "panicky_site" }
func (panickyTarget) Doc() string       { return "a target type whose Open panics" }
func (panickyTarget) Spec() hcldec.Spec { return hcldec.ObjectSpec{} }
func (panickyTarget) Describe(cty.Value) steps.Description {
	return steps.Description{Summary: "panicky"}
}
func (panickyTarget) Open(context.Context, cty.Value, hclog.Logger) (steps.Target, error) {
	var m map[string]int
	m["open"]++ // the bug
	return nil, nil
}

// siteKind acts through a panicky_site target.
type siteKind struct{ testKind }

func (siteKind) TargetType() string { return "panicky_site" }

// TestTargetPanicIsAStepFailure: a panic while opening a step's target is
// the step's failure (an action's: in doubt), never a crash of the run.
func TestTargetPanicIsAStepFailure(t *testing.T) {
	f := newFixture(t)
	f.reg.RegisterTarget(panickyTarget{})
	f.reg.Register(&siteKind{testKind{name: "site_change", effect: steps.Mutating, calls: f.calls}})
	rb := f.load(header + `
target "site" {
  type = "panicky_site"
}
action "a" {
  uses   = "site_change"
  target = target.site
}`)
	res, err := Start(t.Context(), rb, f.vars(rb), f.opts(), Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.statuses(res.RunID)["a"]; got != state.StepInDoubt || res.Status != state.RunPaused {
		t.Errorf("a: %s, run %s (%s); want a in doubt and the run paused", got, res.Status, res.Reason)
	}
	if f.calls.get("site_change") != 0 {
		t.Error("the step type ran although its target never opened")
	}
}
