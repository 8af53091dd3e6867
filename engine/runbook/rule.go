package runbook

import (
	"slices"
	"time"

	"github.com/batonhq/baton/engine/lang"
	"github.com/zclconf/go-cty/cty"
)

// This file is the step-evaluation core the planner, the executor and the
// rehearsal share: the skip rule (DepsVerdict), the when rule (WhenSkips)
// and the scope of a step's expressions (Env.Scope). The planner applies
// them to what it predicts, the executor to what happened.

// DepState is what the skip rule needs to know of one dependency.
type DepState int

const (
	// DepSucceeded: it will run (plan) or it ran and succeeded (run).
	DepSucceeded DepState = iota + 1
	// DepMaybe: it may run (plans only).
	DepMaybe
	// DepSkipped: it will not run, or was skipped, for a reason other
	// than a failure (a branch not taken, a false condition).
	DepSkipped
	// DepFailed: it failed, was cancelled, or was skipped because a
	// dependency of its own failed.
	DepFailed
	// DepPending: it has not settled yet (runs only).
	DepPending
)

// SkipCause is why the skip rule skips a step.
type SkipCause int

const (
	// SkipNone: the rule does not skip the step.
	SkipNone SkipCause = iota
	// SkipDependencyFailed: a dependency failed (see Verdict.Failed).
	SkipDependencyFailed
	// SkipBranch: every dependency was skipped, none failed: the branch
	// the step is on is not taken.
	SkipBranch
)

// Verdict is what the skip rule decides for a step from its dependencies.
type Verdict struct {
	// Ready: the dependencies the rule waits for have settled. When it is
	// false nothing else is decided.
	Ready bool
	// Skip: the step will not run; Cause says why.
	Skip  bool
	Cause SkipCause
	// Failed are the dependencies that failed, in the step's order of
	// dependencies (SkipDependencyFailed).
	Failed []string
	// Skipped are the dependencies that will not run (SkipBranch).
	Skipped []string
	// Maybe: no dependency surely runs and MaybeDeps may (plans): the step
	// runs only if one of them does.
	Maybe     bool
	MaybeDeps []string
	// Always: the step runs once its dependencies have settled, whatever
	// their outcome (always = true, with dependencies).
	Always bool
}

// DepsVerdict is the skip rule. A step with always = true runs once every
// dependency has settled, whatever the outcome. Otherwise a step waits
// for its dependencies; it is skipped when one failed
// (SkipDependencyFailed) or when every one was skipped (SkipBranch); it
// may run when none surely runs but some may; it runs otherwise (one
// dependency that runs is enough: branches join).
//
// deps holds the state of s's dependencies; one missing from it (a
// back-out step, not on this path) is left out of the rule. The rule
// reads s.Deps in order and stops at the first dependency that has not
// settled unless one before it failed: the run skips a step as soon as it
// knows a dependency failed, and waits otherwise.
func DepsVerdict(s *Step, deps map[string]DepState) Verdict {
	if s.Always {
		if slices.ContainsFunc(s.Deps, func(d string) bool { return deps[d] == DepPending }) {
			return Verdict{}
		}
		return Verdict{Ready: true, Always: len(s.Deps) > 0}
	}
	var succeeded, known int
	var v Verdict
	for _, d := range s.Deps {
		st, ok := deps[d]
		if !ok {
			continue
		}
		known++
		switch st {
		case DepPending:
			if len(v.Failed) == 0 {
				return Verdict{}
			}
		case DepFailed:
			v.Failed = append(v.Failed, d)
		case DepSucceeded:
			succeeded++
		case DepMaybe:
			v.MaybeDeps = append(v.MaybeDeps, d)
		default:
			v.Skipped = append(v.Skipped, d)
		}
	}
	v.Ready = true
	switch {
	case len(v.Failed) > 0:
		v.Skip, v.Cause = true, SkipDependencyFailed
	case known > 0 && succeeded == 0 && len(v.MaybeDeps) == 0:
		v.Skip, v.Cause = true, SkipBranch
	case succeeded == 0 && len(v.MaybeDeps) > 0:
		v.Maybe = true
	}
	if v.Cause != SkipBranch {
		v.Skipped = nil
	}
	if !v.Maybe {
		v.MaybeDeps = nil
	}
	return v
}

// WhenSkips is the when rule for a condition's known value: a step whose
// condition is false or null is skipped ("condition is false"). An
// unknown condition decides nothing yet: known is false (plans: the step
// may run). The value may be marked sensitive.
func WhenSkips(v cty.Value) (skip, known bool) {
	v, _ = v.Unmark()
	if !v.IsKnown() {
		return false, false
	}
	return v.IsNull() || v.False(), true
}

// Env is what the expressions of a runbook's steps see besides each
// other's definitions: the inputs, the locals, the steps' results and the
// clock.
type Env struct {
	Vars   map[string]cty.Value // var.<name>
	Locals map[string]cty.Value // local.<name>
	// Step is step.<name>: its output and its status (see
	// lang.StepValue; a status unknown at plan time is an unknown
	// string); ok is false for a name that is not a step.
	Step func(name string) (v cty.Value, ok bool)
	// Steps names every step, for a scope that is no step's (the lock,
	// target declarations); nil: the runbook's steps.
	Steps func() []string
	// Targets is target.<name>; nil: TargetValues(rb), made anew.
	Targets map[string]cty.Value
	// Now is the clock behind now(); nil makes now() unknown (plans).
	Now func() time.Time
}

// Scope is the scope of step s's expressions: inputs, locals, targets,
// the steps s depends on (only those, which keeps evaluation linear in
// big runbooks), self when it is not cty.NilVal, and each: the
// instance's in an instance of a for_each step, UnknownEach in a for_each
// step not expanded. With s nil it is the runbook's scope: every step is
// in it.
func (e *Env) Scope(rb *Runbook, s *Step, self cty.Value) *lang.Scope {
	var names []string
	switch {
	case s != nil:
		names = s.Deps
	case e.Steps != nil:
		names = e.Steps()
	default:
		names = rb.stepNames()
	}
	vals := make(map[string]cty.Value, len(names))
	for _, n := range names {
		if v, ok := e.Step(n); ok {
			vals[n] = v
		}
	}
	targets := e.Targets
	if targets == nil {
		targets = TargetValues(rb)
	}
	sc := &lang.Scope{Vars: e.Vars, Locals: e.Locals, Steps: vals, Targets: targets, Self: self, Now: e.Now}
	switch {
	case s == nil:
	case s.Each != nil:
		sc.Each = s.Each.Object()
	case s.IsTemplate():
		sc.Each = UnknownEach
	}
	return sc
}
