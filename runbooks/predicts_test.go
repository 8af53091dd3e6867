package runbooks

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/engine/rehearse"
	"github.com/batonhq/baton/engine/rehearse/simsite"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/fixtures"
	"github.com/batonhq/baton/state"
	"github.com/batonhq/baton/steps/configmgr/sim"
)

// TestPlanPredictsRehearsal is the differential test of the plan against
// the run, over the whole matrix: every runbook planned against every
// scenario (what `plan --site` shows the board), then rehearsed with every
// approval answered. Every step the plan says will run ran, unless the
// run stopped before it; no step the plan says will not run ran; every
// step the plan says may run names the facts it waits on. A disagreement
// is a bug in the planner or the executor, never an expectation to update.
func TestPlanPredictsRehearsal(t *testing.T) {
	if testing.Short() {
		t.Skip("plans and rehearses every runbook against every scenario")
	}
	cells := 0
	for _, fname := range fixtures.Names() {
		fx, err := sim.Load(fixtures.FS, fname)
		if err != nil {
			t.Fatal(err)
		}
		for _, rb := range Names() {
			for _, sc := range fx.Scenarios() {
				c := cell{rb, fname, sc}
				cells++
				t.Run(c.name(), func(t *testing.T) {
					t.Parallel()
					for _, d := range predictionErrors(t, c, fx) {
						t.Error(d)
					}
				})
			}
		}
	}
	if cells < len(Names())*23 {
		t.Fatalf("only %d cells", cells)
	}
}

// predictionErrors plans and rehearses one cell and lists where the plan's
// prediction and the rehearsal disagree.
func predictionErrors(t *testing.T, c cell, fx *sim.Fixture) []string {
	rb, diags := load(t, c.runbook)
	if diags.HasErrors() {
		t.Fatalf("%s: %s", c.runbook, diags.Error())
	}
	p, vars := planOn(t, rb, fx, c.fixture, c.scenario)
	store, err := state.Open(filepath.Join(t.TempDir(), "state.db"), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	rep, err := rehearse.Run(ctx, rb, vars, rehearse.Options{Site: simsite.Factory(fx), FixtureName: fx.Name, Scenario: c.scenario,
		Store: store, Answers: rehearse.Answers{All: true}, RunbookPath: c.runbook})
	if err != nil {
		t.Fatalf("rehearse: %v", err)
	}
	recs, err := store.Steps(rep.RunID)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]state.StepRecord{}
	for _, rec := range recs {
		byName[rec.Name] = rec
	}
	var out []string
	planned := append(append([]*plan.Step{}, p.Steps...), p.Post...)
	for _, ps := range planned {
		if d := disagreement(ps, byName[ps.Name]); d != "" {
			out = append(out, fmt.Sprintf("step %s: %s (run %s: %s)", ps.Name, d, rep.Status, firstLine(rep.Reason)))
		}
	}
	for _, rec := range recs {
		if d := unplanned(rb, planned, p.Backout.Steps, rec); d != "" {
			out = append(out, fmt.Sprintf("step %s: %s", rec.Name, d))
		}
	}
	return out
}

// unplanned says how a step the run recorded is missing from the plan, or
// "": every step is planned by name, except a for_each step planned as its
// instances and the instances of one planned as a whole (which may run,
// one per item).
func unplanned(rb *runbook.Runbook, planned, backout []*plan.Step, rec state.StepRecord) string {
	for _, ps := range append(append([]*plan.Step{}, planned...), backout...) {
		switch {
		case ps.Name == rec.Name:
			return ""
		case ps.ForEach != nil && ps.ForEach.Of == rec.Name:
			return "" // the step itself, planned as its instances
		case ps.ForEach != nil && ps.ForEach.Of == "" && strings.HasPrefix(rec.Name, ps.Name+"["):
			if ps.Action != plan.MayRun {
				return fmt.Sprintf("an instance of %s, which the plan says %s, not may run one per item", ps.Name, ps.Action)
			}
			return ""
		}
	}
	if s := rb.Step(rec.Name); s != nil && s.Class == runbook.ClassBackout {
		return ""
	}
	return fmt.Sprintf("the run recorded it (%s) but the plan never names it", rec.Status)
}

// disagreement says how a step's record contradicts its prediction, or "".
func disagreement(ps *plan.Step, rec state.StepRecord) string {
	ran := rec.Status != state.StepSkipped && rec.Status != state.StepPending
	switch ps.Action {
	case plan.WillRun:
		// It may still not run when the run stopped before it: a failure
		// upstream, a stop, a step the simulation cannot run.
		stopped := rec.Status == state.StepPending || rec.Cause == state.SkipDependencyFailed ||
			rec.Cause == state.SkipRunStopped || rec.Cause == state.SkipNotSimulated
		if !ran && !stopped {
			return fmt.Sprintf("the plan says it will run (%s), the rehearsal skipped it (%s: %s)", ps.Reason, rec.Cause, rec.Reason)
		}
	case plan.WillNotRun:
		if ran {
			return fmt.Sprintf("the plan says it will not run (%s), the rehearsal ran it (%s)", ps.Reason, rec.Status)
		}
	case plan.MayRun:
		if len(ps.DecidedBy) == 0 {
			return fmt.Sprintf("the plan says it may run (%s) without naming the facts that decide", ps.Reason)
		}
	default:
		return fmt.Sprintf("the plan's action %q is not one of will run, may run, will not run", ps.Action)
	}
	return ""
}
