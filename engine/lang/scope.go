package lang

import (
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/dynblock"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// Scope is what an expression can see. The zero Scope is valid: every
// namespace is empty and now() is unknown.
type Scope struct {
	Vars    map[string]cty.Value // var.<name>
	Locals  map[string]cty.Value // local.<name>
	Steps   map[string]cty.Value // step.<name>: object({output = ..., status = string}), see StepValue
	Targets map[string]cty.Value // target.<name>: object({name = string, type = string})
	// Self is the current step's result, object({output = ...}), inside
	// assert, verify.condition, until and fail_if; cty.NilVal elsewhere.
	Self cty.Value
	// Each is each = object({key = string, value = any}) inside an
	// instance of a for_each step; cty.NilVal elsewhere.
	Each cty.Value
	// Now is the clock behind now(); nil makes now() unknown (plans).
	Now func() time.Time
}

// Step statuses as seen through step.<name>.status.
const (
	StatusPending   = "pending"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
	StatusSkipped   = "skipped"
)

// StepValue is the value of step.<name>: its output and its status.
func StepValue(output cty.Value, status string) cty.Value {
	if output == cty.NilVal {
		output = cty.NullVal(cty.DynamicPseudoType)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"output": output,
		"status": cty.StringVal(status),
	})
}

// TargetValue is the value of target.<name>.
func TargetValue(name, typ string) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"name": cty.StringVal(name),
		"type": cty.StringVal(typ),
	})
}

// EvalContext builds the hcl.EvalContext for the scope. Its Variables and
// Functions maps are never nil, so that a misspelt name gets "There is no
// variable named ..." with a suggestion.
func (s *Scope) EvalContext() *hcl.EvalContext {
	vars := map[string]cty.Value{
		"var":    objectOf(s.Vars),
		"local":  objectOf(s.Locals),
		"step":   objectOf(s.Steps),
		"target": objectOf(s.Targets),
	}
	if s.Self != cty.NilVal {
		vars["self"] = s.Self
	}
	if s.Each != cty.NilVal {
		vars["each"] = s.Each
	}
	fns := timelessFunctions()
	if s.Now != nil {
		fns = Functions(s.Now)
	}
	return &hcl.EvalContext{Variables: vars, Functions: fns}
}

func objectOf(m map[string]cty.Value) cty.Value {
	if len(m) == 0 {
		return cty.EmptyObjectVal
	}
	return cty.ObjectVal(m)
}

// Eval evaluates expr and converts the result to want
// (cty.DynamicPseudoType accepts any type). On failure it returns an
// unknown value of want and diagnostics whose Subject is the expression.
// Marks (steps.Sensitive) and unknown values are kept.
func (s *Scope) Eval(expr hcl.Expression, want cty.Type) (cty.Value, hcl.Diagnostics) {
	return EvalIn(s.EvalContext(), expr, want)
}

// EvalIn is Eval with a prepared context, for callers evaluating many
// expressions in one scope.
func EvalIn(ctx *hcl.EvalContext, expr hcl.Expression, want cty.Type) (cty.Value, hcl.Diagnostics) {
	if expr == nil {
		return cty.NullVal(want), nil
	}
	v, diags := expr.Value(ctx)
	if diags.HasErrors() {
		return cty.UnknownVal(want), diags
	}
	if want == cty.DynamicPseudoType {
		return v, diags
	}
	cv, err := convert.Convert(v, want)
	if err != nil {
		rng := expr.Range()
		return cty.UnknownVal(want), append(diags, &hcl.Diagnostic{
			Severity:    hcl.DiagError,
			Summary:     "Incorrect value type",
			Detail:      "Invalid expression value: " + err.Error() + ".",
			Subject:     &rng,
			Expression:  expr,
			EvalContext: ctx,
		})
	}
	return cv, diags
}

// DecodeBody decodes a step or target body with its type's spec
// (hcldec), after expanding dynamic blocks. Unknown and sensitive-marked
// values are kept as they are.
func (s *Scope) DecodeBody(body hcl.Body, spec hcldec.Spec) (cty.Value, hcl.Diagnostics) {
	return DecodeBodyIn(s.EvalContext(), body, spec)
}

// DecodeBodyIn is DecodeBody with a prepared context.
func DecodeBodyIn(ctx *hcl.EvalContext, body hcl.Body, spec hcldec.Spec) (cty.Value, hcl.Diagnostics) {
	if spec == nil {
		return cty.EmptyObjectVal, nil
	}
	if body == nil {
		body = hcl.EmptyBody()
	}
	if mayHaveDynamic(body) {
		body = dynblock.Expand(body, ctx)
	}
	return hcldec.Decode(body, spec, ctx)
}

// mayHaveDynamic reports whether body could hold a dynamic block; false
// only when it is native syntax without one at any depth, so expansion,
// which wraps every body and block, can be skipped.
func mayHaveDynamic(body hcl.Body) bool {
	sb, ok := body.(*hclsyntax.Body)
	if !ok {
		return true
	}
	for _, b := range sb.Blocks {
		if b.Type == "dynamic" || mayHaveDynamic(b.Body) {
			return true
		}
	}
	return false
}
