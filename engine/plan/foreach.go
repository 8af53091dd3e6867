package plan

import (
	"fmt"

	"github.com/batonhq/baton/engine/lang"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/zclconf/go-cty/cty"
)

// planForEach plans a for_each step. When its items are known at plan time
// (from inputs, locals or refreshed checks) each instance is planned as a
// step of its own, named as the run will name it; otherwise the step is
// planned once: it may run, one instance per item of the list.
func (b *builder) planForEach(t *runbook.Step) []*Step {
	tps := b.planStep(t)
	if tps.Action == WillNotRun {
		return []*Step{tps}
	}
	over := b.rb.ExprText(t.ForEach)
	facts := b.factsOf(t.ForEach, map[string]bool{})
	b.decide(t.Name, facts...)
	v, diags := lang.EvalIn(b.stepCtx(t, cty.NilVal), t.ForEach, cty.DynamicPseudoType)
	if diags.HasErrors() || !v.IsWhollyKnown() {
		// The instances may run, one per item; for its dependents the step
		// itself runs as its dependencies and condition say (with no items
		// it succeeds at once).
		b.diags = append(b.diags, diags...)
		tps.ForEach, tps.Action = &ForEach{Over: over}, MayRun
		tps.Reason = joinReason(tps.Reason, "one per item of "+over+describeFacts(facts))
		tps.DecidedBy = uniq(append(tps.DecidedBy, facts...))
		return []*Step{tps}
	}
	items, err := runbook.Items(v)
	if err != nil {
		b.diags = append(b.diags, errorAt(t.ForEach.Range(), "Invalid for_each",
			fmt.Sprintf("Step %s cannot run: %s.", t.Name, err.Error())))
		return []*Step{tps}
	}
	if len(items) == 0 {
		tps.ForEach = &ForEach{Over: over}
		tps.Reason = joinReason(tps.Reason, "for_each has no items"+givenFacts(b, facts)+": nothing to do")
		if tps.Action == WillRun {
			st := b.st[t.Name]
			st.output, st.status = runbook.Aggregate(t, nil), lang.StatusSucceeded
		}
		return []*Step{tps}
	}
	var out []*Step
	inst := runbook.Instances(t, items)
	for _, in := range inst {
		ps := b.planStep(in)
		ps.ForEach = &ForEach{Over: over, Of: t.Name, Key: in.Each.Key}
		if len(facts) > 0 { // the items came from what the checks observed
			ps.DecidedBy = uniq(append(ps.DecidedBy, facts...))
		}
		out = append(out, ps)
	}
	b.aggregate(t, inst)
	return out
}

// aggregate is what the template's dependents see once its instances are
// planned, as the run will settle it: failed when an instance failed at
// plan time, will not run when none will, may run when none surely will.
func (b *builder) aggregate(t *runbook.Step, inst []*runbook.Step) {
	st := &stepState{action: WillNotRun, status: lang.StatusSucceeded}
	outs := map[string]cty.Value{}
	for _, in := range inst {
		is := b.st[in.Name]
		switch {
		case is.failed:
			st.failed = true
		case is.action == WillRun:
			st.action = WillRun
		case is.action == MayRun && st.action != WillRun:
			st.action = MayRun
		}
		st.facts = append(st.facts, is.facts...)
		if is.status != lang.StatusSucceeded {
			st.status = ""
		}
		outs[in.Each.Key] = is.output
	}
	st.facts = uniq(st.facts)
	switch {
	case st.failed:
		st.status = lang.StatusFailed
	case st.action == WillNotRun:
		st.status = lang.StatusSkipped
	}
	st.output = t.UnknownOutput()
	if st.status == lang.StatusSucceeded {
		st.output = runbook.Aggregate(t, outs)
	}
	b.st[t.Name] = st
}
