package executor

import (
	"context"
	"strings"
	"testing"

	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/state"
	"github.com/zclconf/go-cty/cty"
)

const branching = header + `
check "probe" {
  uses = "probe"
  key  = "probe"
}
decision "first" { condition = step.probe.output.n == 1 }
action "yes" {
  uses = "change"
  key  = "yes"
  when = step.first.output
}
action "no" {
  uses = "change"
  key  = "no"
  when = !step.first.output
}`

// planWith plans rb with its checks observing probe's n as given.
func planWith(t *testing.T, f *fixture, rb *runbook.Runbook, n int64) *plan.Plan {
	t.Helper()
	p, diags := plan.Build(t.Context(), rb, plan.Options{Vars: f.vars(rb), EngineVersion: "test", Target: "live", Refresh: observe(n)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return p
}

func observe(n int64) func(context.Context, *runbook.Step, cty.Value) (cty.Value, error) {
	return func(context.Context, *runbook.Step, cty.Value) (cty.Value, error) {
		return cty.ObjectVal(map[string]cty.Value{"n": cty.NumberIntVal(n), "key": cty.StringVal("probe")}), nil
	}
}

// TestRunKeepsToThePlan: a run started from a saved plan never starts a
// step the plan said will not run; when what decided the plan changed
// during the run, it stops there, and a resume keeps to the same plan.
func TestRunKeepsToThePlan(t *testing.T) {
	f := newFixture(t)
	rb := f.load(branching)
	saved := planWith(t, f, rb, 2) // the board saw n = 2: "no" runs, "yes" does not
	if s := saved.Step("yes"); s.Action != plan.WillNotRun {
		t.Fatalf("the plan says yes %s", s.Action)
	}
	// The probe now reads n = 1 (its first call): "yes" would run.
	res, err := Start(t.Context(), rb, f.vars(rb), f.opts(), Meta{Plan: saved})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != state.RunPaused || !strings.Contains(res.Reason, "says step yes will not run") {
		t.Fatalf("run %s (%s), want paused off the plan", res.Status, res.Reason)
	}
	if f.calls.get("yes") != 0 || f.calls.get("no") != 0 {
		t.Errorf("yes ran %d times, no %d; want neither", f.calls.get("yes"), f.calls.get("no"))
	}
	run, _ := f.store.Run(res.RunID)
	if run.PlanDigest != saved.PlanDigest || run.Planned["yes"] != plan.WillNotRun {
		t.Errorf("the run records plan %s and %v", run.PlanDigest, run.Planned)
	}
	res, err = Resume(t.Context(), rb, f.vars(rb), res.RunID, f.opts(), ResumeOptions{})
	if err != nil || res.Status != state.RunPaused || f.calls.get("yes") != 0 {
		t.Errorf("resume: %s (%s) %v, yes ran %d times; want paused again", res.Status, res.Reason, err, f.calls.get("yes"))
	}

	// The plan the run agrees with runs to the end.
	f2 := newFixture(t)
	rb2 := f2.load(branching)
	res, err = Start(t.Context(), rb2, f2.vars(rb2), f2.opts(), Meta{Plan: planWith(t, f2, rb2, 1)})
	if err != nil || res.Status != state.RunSucceeded || f2.calls.get("yes") != 1 {
		t.Errorf("the agreeing plan: %s (%s) %v, yes ran %d times", res.Status, res.Reason, err, f2.calls.get("yes"))
	}
}

// TestApplyRechecksThePlan: Apply refuses a plan whose deciding facts
// changed since it was made, before anything runs.
func TestApplyRechecksThePlan(t *testing.T) {
	f := newFixture(t)
	rb := f.load(branching)
	saved := planWith(t, f, rb, 2)
	popts := plan.Options{Vars: f.vars(rb), EngineVersion: "test", Target: "live", Refresh: observe(1)}
	_, err := Apply(t.Context(), rb, f.vars(rb), saved, popts, f.opts(), Meta{})
	if err == nil || !strings.Contains(err.Error(), "step.probe.output.n") {
		t.Fatalf("apply of a plan whose fact changed: %v", err)
	}
	if runs, _ := f.store.Runs(); len(runs) != 0 || f.calls.get("probe") != 0 {
		t.Errorf("runs %v, probe called %d times; want nothing started", runs, f.calls.get("probe"))
	}
	popts.Refresh = observe(2)
	res, err := Apply(t.Context(), rb, f.vars(rb), saved, popts, f.opts(), Meta{})
	if err != nil || res.Status != state.RunPaused {
		// The probe's first call in the run reads n = 1: the run keeps to the plan.
		t.Errorf("apply of a current plan: %s (%s) %v", res.Status, res.Reason, err)
	}
}

// TestApprovalOutput: an approval's output is who approved and their
// comments, as the language says (runbook.ApprovalOutputType), for the
// steps after it and after a resume.
func TestApprovalOutput(t *testing.T) {
	f := newFixture(t)
	rb := f.load(header + `
approval "cab" {
  approvers     = ["alice", "bob"]
  min_approvals = 2
}
check "after" {
  uses = "probe"
  key  = "after"
  assert {
    condition = join(",", step.cab.output.approved_by) == "alice,bob" && step.cab.output.comment == "CAB-1; ok"
    message   = "the approval's output is not who approved and their comments"
  }
}`)
	res, err := Start(t.Context(), rb, f.vars(rb), f.opts(), Meta{})
	if err != nil || res.Status != state.RunPaused {
		t.Fatalf("start: %s %v", res.Status, err)
	}
	for _, a := range []struct{ by, comment string }{{"alice", "CAB-1"}, {"bob", "ok"}} {
		if err := Answer(f.store, res.RunID, "cab", a.by, a.comment, "approved", f.clk.Now()); err != nil {
			t.Fatal(err)
		}
	}
	res, err = Resume(t.Context(), rb, f.vars(rb), res.RunID, f.opts(), ResumeOptions{})
	if err != nil || res.Status != state.RunSucceeded {
		t.Fatalf("resume: %s (%s) %v", res.Status, res.Reason, err)
	}
}
