package executor

import (
	"context"
	"fmt"

	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/zclconf/go-cty/cty"
)

// Apply runs a saved plan: it refuses a plan that is stale or whose
// deciding facts changed since it was made (Plan.Recheck, observing the
// site with popts), then starts the run bound to the plan, which never
// starts a step the plan said will not run, nor one it does not name.
func Apply(ctx context.Context, rb *runbook.Runbook, vars map[string]cty.Value, saved *plan.Plan, popts plan.Options, opts Options, meta Meta) (Result, error) {
	if _, err := saved.Recheck(ctx, rb, popts); err != nil {
		return Result{}, err
	}
	if opts.Log != nil {
		opts.Log.Info("the saved plan is current; applying it", "plan", saved.PlanDigest)
	}
	meta.Plan, meta.PlanDigest = saved, saved.PlanDigest
	return Start(ctx, rb, vars, opts, meta)
}

// plannedActions is what a plan says of each step it names.
func plannedActions(p *plan.Plan) map[string]string {
	out := map[string]string{}
	for _, ss := range [][]*plan.Step{p.Steps, p.Post, p.Backout.Steps} {
		for _, s := range ss {
			out[s.Name] = s.Action
			if fe := s.ForEach; fe != nil && fe.Of != "" {
				out[fe.Of] = plan.WillRun // planned as its instances
			}
		}
	}
	return out
}

// offPlan says why s must not start in a run bound to a saved plan, or ""
// when the plan allows it (or the run has no plan). What decided the plan
// has changed since the board saw it: the run stops rather than do what
// nobody approved.
func (r *run) offPlan(s *runbook.Step) string {
	planned := r.record.Planned
	if planned == nil {
		return ""
	}
	action, ok := planned[s.Name]
	if !ok && s.Template != "" && planned[s.Template] == plan.MayRun {
		return "" // planned once, for every item
	}
	fix := fmt.Sprintf("what decided the plan changed since it was made; cancel this run (baton cancel %s --by NAME) and have a new plan reviewed", r.id)
	switch {
	case !ok:
		return fmt.Sprintf("step %s is not in the saved plan %s, and would run now: %s", s.Name, short(r.record.PlanDigest), fix)
	case action == plan.WillNotRun:
		return fmt.Sprintf("the saved plan %s says step %s will not run, and it would run now: %s", short(r.record.PlanDigest), s.Name, fix)
	}
	return ""
}
