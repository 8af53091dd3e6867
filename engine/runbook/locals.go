package runbook

import (
	"time"

	"github.com/batonhq/baton/engine/lang"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// EvalLocals evaluates the runbook's locals with the given variable values
// (from ResolveInputs), in dependency order. now is the clock behind now();
// nil makes it unknown, as in plans. A cycle among locals is a diagnostic
// naming its path; locals on it, and locals that fail, are unknown
// (cty.DynamicVal) in the result.
func EvalLocals(rb *Runbook, vars map[string]cty.Value, now func() time.Time) (map[string]cty.Value, hcl.Diagnostics) {
	scope := &lang.Scope{Vars: vars, Targets: TargetValues(rb), Now: now}
	return evalLocals(rb.Locals, scope.EvalContext(), nil)
}

// TargetValues returns the values of target.<name> for every target.
func TargetValues(rb *Runbook) map[string]cty.Value {
	out := make(map[string]cty.Value, len(rb.Targets))
	for _, t := range rb.Targets {
		out[t.Name] = lang.TargetValue(t.Name, t.Type)
	}
	return out
}
