package runbook

import (
	"fmt"
	"slices"

	"github.com/batonhq/baton/engine/graph"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// analyze (phase 5) builds the step graph, finds cycles, propagates
// sensitivity through step outputs, evaluates conditions and finds steps
// that can never run.
func (l *loader) analyze() {
	l.checkLock()
	l.collectDeps()
	order := l.buildGraph()
	anySensitive := l.markSensitiveOutputs(order)
	l.findNeverRun(order, anySensitive)
	l.checkSecretFlows()
	l.checkSelfConditions(order)
}

// collectDeps sets each step's Deps (sorted, without undoes) and DepRange
// (where each dependency is first named) from its references, rejecting
// dependencies across procedures.
func (l *loader) collectDeps() {
	rb := l.rb
	l.forEachParallel(len(rb.Steps), func(w *loader, i int) {
		s := rb.Steps[i]
		src := l.stepSrc[s]
		s.DepRange = make(map[string]hcl.Range, len(src.refs))
		for _, r := range src.refs {
			if _, seen := s.DepRange[r.name]; !seen {
				s.DepRange[r.name] = r.rng
				s.Deps = append(s.Deps, r.name)
				w.checkDependency(s, r)
			}
		}
		slices.Sort(s.Deps)
	})
}

// buildGraph sets the runbook's step graph and returns the steps in its
// order; on a dependency cycle it reports the cycle, leaves Graph nil and
// returns the steps in declaration order.
func (l *loader) buildGraph() []string {
	rb := l.rb
	g, err := rb.StepGraph()
	if err == nil {
		rb.Graph = g
		return g.Order()
	}
	if ce, ok := err.(*graph.CycleError); ok {
		rng := rb.stepIndex[ce.Path[0]].DepRange[ce.Path[1]]
		l.refError(rng, "Dependency cycle", "These steps depend on each other in a cycle, so none of them can run: %s.", cycleText(ce.Path, "step."))
	}
	return rb.stepNames()
}

// markSensitiveOutputs sets SensitiveOutput on every step whose arguments
// use a sensitive value, directly or through an earlier step's output,
// and reports whether any step has one.
func (l *loader) markSensitiveOutputs(order []string) bool {
	anySensitive := false
	for _, name := range order {
		s := l.rb.stepIndex[name]
		src := l.stepSrc[s]
		sens := src.argsSensitive || slices.ContainsFunc(src.refs, func(r stepRef) bool {
			d := l.rb.stepIndex[r.name]
			return r.inArgs && d != nil && d.SensitiveOutput
		})
		s.SensitiveOutput = sens
		anySensitive = anySensitive || sens
	}
	return anySensitive
}

// findNeverRun evaluates, in graph order, decision conditions (whose
// constant results enter the scope as the decisions' outputs) and when
// conditions, and reports steps that can never run: a when that is
// always false, or dependencies that all never run. The scope's step
// object is rebuilt when it changes (initially, when a step output is
// sensitive; after a step, when its decision is constant) and is final
// when it returns.
func (l *loader) findNeverRun(order []string, anySensitive bool) {
	rb := l.rb
	known := map[string]cty.Value{}
	refresh := func() {
		// In place: the diagnostics reported so far hold this context.
		l.ctx.Variables["step"] = l.scope(known).Variables["step"]
	}
	if anySensitive {
		refresh()
	}
	whens := l.constantScopeWhens(order)
	never := map[string]bool{}
	for i, name := range order {
		s := rb.stepIndex[name]
		decided := false
		if s.Class == ClassDecision && s.Condition != nil {
			v := l.eval(l.ctx, s.Condition, cty.Bool)
			if l.notSensitive(v, s.Condition, "A decision's condition") && v.IsKnown() && !v.IsNull() {
				known[s.Name] = stepPlaceholder(s, v)
				decided = true
			}
		}
		if s.When != nil {
			var v cty.Value
			if whens != nil {
				v = whens[i]
			} else {
				v = l.eval(l.ctx, s.When, cty.Bool)
			}
			if l.notSensitive(v, s.When, "A when condition") && v.IsKnown() && !v.IsNull() && v.False() {
				never[s.Name] = true
				l.errorf(s.When.Range(), "Step can never run",
					"The when condition of step %q is always false, so the step would always be skipped.%s", s.Name, l.decisionHint(s.When))
			}
		}
		if !never[s.Name] && len(s.Deps) > 0 && !s.Always {
			l.checkSkippedDeps(s, never)
		}
		if decided {
			refresh()
		}
	}
}

// constantScopeWhens evaluates every step's when condition up front, in
// parallel, when the runbook has no decision with a condition, so the
// scope cannot change during findNeverRun; it returns nil otherwise.
// The values are in order's order (cty.NilVal for no when).
func (l *loader) constantScopeWhens(order []string) []cty.Value {
	rb := l.rb
	if slices.ContainsFunc(rb.Steps, func(s *Step) bool { return s.Class == ClassDecision && s.Condition != nil }) {
		return nil
	}
	whens := make([]cty.Value, len(order))
	l.forEachParallel(len(order), func(w *loader, i int) {
		if s := rb.stepIndex[order[i]]; s.When != nil {
			whens[i] = w.eval(w.ctx, s.When, cty.Bool)
		}
	})
	return whens
}

// checkSkippedDeps applies the skip rule: a step all of whose
// dependencies never run never runs either (its branch is not taken). It
// records and reports such a step.
func (l *loader) checkSkippedDeps(s *Step, never map[string]bool) {
	if slices.ContainsFunc(s.Deps, func(d string) bool { return !never[d] }) {
		return
	}
	d := s.Deps[0]
	never[s.Name] = true
	l.errorf(s.DepRange[d], "Step can never run",
		"Step %q depends only on steps that can never run (step.%s...), so it would always be skipped too.", s.Name, d)
}

// checkSelfConditions type-checks the conditions evaluated against the
// step's own output (asserts, until, fail_if, fail_message, verify's
// condition) and reports sensitive values in their messages. They may
// reference only their own dependencies, whose values in the scope are
// final by now, so they are checked in parallel.
func (l *loader) checkSelfConditions(order []string) {
	rb := l.rb
	l.forEachParallel(len(order), func(l *loader, i int) {
		s := rb.stepIndex[order[i]]
		var ctx *hcl.EvalContext
		if len(s.Asserts) > 0 || s.Until != nil || s.FailIf != nil || s.FailMessage != nil {
			ctx = l.selfCtx(s.UnknownOutput())
		}
		for _, a := range s.Asserts {
			l.eval(ctx, a.Condition, cty.Bool)
			l.notSensitive(l.eval(ctx, a.Message, cty.String), a.Message, "An assert message")
		}
		l.eval(ctx, s.Until, cty.Bool)
		l.eval(ctx, s.FailIf, cty.Bool)
		l.notSensitive(l.eval(ctx, s.FailMessage, cty.String), s.FailMessage, "A fail_message")
		if v := s.Verify; v != nil && v.Condition != nil {
			out := cty.DynamicVal
			if v.Kind != nil {
				out = cty.UnknownVal(v.Kind.OutputType())
			}
			l.eval(l.selfCtx(out), v.Condition, cty.Bool)
		}
	})
}

// checkDependency rejects dependencies across the main procedure, the
// back-out path and the post-tasks, which never run in the same pass: a
// back-out or post step may only be depended on by one of its class.
func (l *loader) checkDependency(s *Step, r stepRef) {
	d := l.rb.stepIndex[r.name]
	if d == nil || d.IsMain() || d.Class == s.Class {
		return
	}
	what := fmt.Sprintf("is a %s step", s.Class)
	if s.IsMain() {
		what = "belongs to the main procedure"
	}
	l.errorf(r.rng, "Step can never run", "Step %q %s but depends on step.%s, a %s step; %s",
		s.Name, what, d.Name, d.Class, classWhen(d.Class))
}

func classWhen(c Class) string {
	if c == ClassBackout {
		return "back-out steps run only when backing out, after the main procedure failed."
	}
	return "post-tasks run only after every main step succeeded."
}

// decisionHint explains a constant when that names a decision.
func (l *loader) decisionHint(expr hcl.Expression) string {
	for _, t := range expr.Variables() {
		if d := l.rb.stepIndex[refName(t)]; t.RootName() == "step" && d != nil && d.Class == ClassDecision {
			return fmt.Sprintf(" Decision step.%s has a condition that is always the same.", d.Name)
		}
	}
	return ""
}

// checkLock warns when a runbook that changes a system through a target
// (a site, a database) declares no lock: nothing would then stop two runs
// from acting on it at once. A notification alone changes no system.
func (l *loader) checkLock() {
	if l.rb.Lock != nil {
		return
	}
	for _, s := range l.rb.Steps {
		if s.Mutating() && s.Kind.TargetType() != "" {
			l.warnf(l.rb.DeclRange, "No lock for a runbook that changes things",
				"Step %s changes the site, but the runbook block declares no lock, so two runs of it (or of another runbook on the same site) can act at once. Add lock = \"configmgr-site/${var.site_code}\" (a key naming what the runbook changes) to the runbook block.", s.Name)
			return
		}
	}
}
