package runbook

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/batonhq/baton/engine/graph"
	"github.com/batonhq/baton/engine/lang"
	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// Reference roots an expression may use, as a bit set.
const (
	allowVar = 1 << iota
	allowLocal
	allowStep
	allowTarget
	allowSelf
	allowEach
)

var rootBits = map[string]int{"var": allowVar, "local": allowLocal, "step": allowStep, "target": allowTarget, "self": allowSelf, "each": allowEach}

func allowedList(allow int) string {
	var names []string
	for _, r := range []string{"var", "local", "step", "target", "self", "each"} {
		if allow&rootBits[r] != 0 {
			names = append(names, r)
		}
	}
	if len(names) == 0 {
		return "nothing: it must be a literal value"
	}
	return strings.Join(names, ", ")
}

// buildContext (phase 3) builds the validation scope: variables unknown of
// their declared types (marked when sensitive), targets known, steps
// unknown of their output types, locals evaluated as far as they can be.
func (l *loader) buildContext() {
	l.vars = make(map[string]cty.Value, len(l.rb.Variables))
	for _, v := range l.rb.Variables {
		l.vars[v.Name] = unknownOf(v.Type, v.Sensitive)
	}
	l.ctx = l.scope(nil)
	for _, loc := range l.rb.Locals {
		l.checkRefs(loc.Expr.Variables(), allowVar|allowLocal|allowTarget, "A local")
	}
	locals, diags := evalLocals(l.rb.Locals, l.ctx)
	l.diags = append(l.diags, diags...)
	l.localVals = locals
	l.sensitiveLocs = map[string]bool{}
	for name, v := range locals {
		l.sensitiveLocs[name] = hasSensitive(v)
	}
}

// scope is the validation scope, Env.Scope of the whole runbook with the
// locals evaluated so far, each unknown (only steps with for_each may use
// it, see checkNoEach) and env() unknown: whether a runbook is valid never
// depends on the clock or the environment of the machine that loads it.
// known overrides steps' placeholders.
func (l *loader) scope(known map[string]cty.Value) *hcl.EvalContext {
	env := &Env{Vars: l.vars, Locals: l.localVals, Step: l.placeholders(known)}
	sc := env.Scope(l.rb, nil, cty.NilVal)
	sc.Each = UnknownEach
	ctx := sc.EvalContext()
	ctx.Functions = maps.Clone(ctx.Functions) // shared by scopes without a clock
	ctx.Functions["env"] = unknownEnv
	return ctx
}

var unknownEnv = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "name", Type: cty.String}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func([]cty.Value, cty.Type) (cty.Value, error) {
		return cty.UnknownVal(cty.String).RefineNotNull(), nil
	},
})

// unknownOf is a value of type t not known yet, marked when sensitive.
func unknownOf(t cty.Type, sensitive bool) cty.Value {
	v := cty.UnknownVal(t) // cty.DynamicVal for cty.DynamicPseudoType
	if sensitive {
		v = v.Mark(steps.Sensitive)
	}
	return v
}

// stepPlaceholder is step.<name> before the step has run.
func stepPlaceholder(s *Step, output cty.Value) cty.Value {
	if output == cty.NilVal {
		output = s.UnknownOutput()
	}
	return cty.ObjectVal(map[string]cty.Value{
		"output": output,
		"status": cty.UnknownVal(cty.String).RefineNotNull(),
	})
}

// placeholders is Env.Step of the validation scope: known's value, else
// the step's placeholder. Placeholders depend only on a step's class, type
// and sensitivity, and cty values are immutable, so steps alike share one.
func (l *loader) placeholders(known map[string]cty.Value) func(string) (cty.Value, bool) {
	type shape struct {
		class     Class
		uses      string
		sensitive bool
	}
	shared := map[shape]cty.Value{}
	return func(name string) (cty.Value, bool) {
		if v, ok := known[name]; ok {
			return v, true
		}
		s := l.rb.stepIndex[name]
		if s == nil {
			return cty.NilVal, false
		}
		k := shape{s.Class, s.Uses, s.SensitiveOutput}
		v, ok := shared[k]
		if !ok {
			v = stepPlaceholder(s, cty.NilVal)
			shared[k] = v
		}
		return v, true
	}
}

func (l *loader) selfCtx(output cty.Value) *hcl.EvalContext {
	c := l.ctx.NewChild()
	c.Variables = map[string]cty.Value{"self": cty.ObjectVal(map[string]cty.Value{"output": output})}
	return c
}

// hasSensitive reports whether v or anything in it is marked sensitive;
// cty.NilVal (nothing decoded) is not.
func hasSensitive(v cty.Value) bool {
	return v != cty.NilVal && lang.Sensitive(v)
}

// sensitiveTraversal reports whether t names a sensitive variable, a local
// derived from one, or a step whose output is sensitive.
func (l *loader) sensitiveTraversal(t hcl.Traversal) bool {
	name := refName(t)
	switch t.RootName() {
	case "var":
		v := l.varIndex[name]
		return v != nil && v.Sensitive
	case "local":
		return l.sensitiveLocs[name]
	case "step":
		s := l.rb.stepIndex[name]
		return s != nil && s.SensitiveOutput
	}
	return false
}

// refName is the name of a reference root.<name>..., "" when t names none
// (step.0, a bare var).
func refName(t hcl.Traversal) string {
	if len(t) < 2 {
		return ""
	}
	a, _ := t[1].(hcl.TraverseAttr)
	return a.Name
}

// firstRef is where expr first refers to root.<name>.
func firstRef(expr hcl.Expression, root, name string) hcl.Range {
	for _, t := range expr.Variables() {
		if t.RootName() == root && refName(t) == name {
			return t.SourceRange()
		}
	}
	return hcl.Range{}
}

// cycleText is a cycle's path with prefix before each name:
// "step.a -> step.b -> step.a".
func cycleText(path []string, prefix string) string {
	return prefix + strings.Join(path, " -> "+prefix)
}

// firstSensitive names the first sensitive reference of expr, or "a
// sensitive value".
func (l *loader) firstSensitive(expr hcl.Expression) string {
	ts := expr.Variables()
	if i := slices.IndexFunc(ts, l.sensitiveTraversal); i >= 0 {
		return traversalString(ts[i])
	}
	return "a sensitive value"
}

// checkRefs reports references to roots not allowed in this place and to
// undeclared variables, locals, steps and targets, and returns the step
// references. where starts the error detail ("A lock key").
func (l *loader) checkRefs(ts []hcl.Traversal, allow int, where string) []stepRef {
	var out []stepRef
	for _, t := range ts {
		root := t.RootName()
		bit, known := rootBits[root]
		if !known {
			continue // hcl reports unknown roots when evaluating
		}
		rng := t.SourceRange()
		if allow&bit == 0 {
			if root == "self" {
				l.refError(rng, "Invalid use of self",
					"self is the step's own result; it is only available in assert blocks, verify.condition, until and fail_if. %s can refer to %s.", where, allowedList(allow))
			} else {
				l.refError(rng, "Invalid reference", "%s can't refer to %s; it can refer to %s.", where, traversalString(t), allowedList(allow))
			}
			continue
		}
		if root == "self" {
			continue
		}
		if root == "each" {
			l.checkEachAttr(t)
			continue
		}
		name := refName(t)
		if name == "" {
			l.refError(rng, "Invalid reference", "%s must be followed by a name, like %s.", root, example(root))
			continue
		}
		if !l.declared(root, name) {
			l.undeclared(rng, root, name)
			continue
		}
		if root == "step" {
			out = append(out, stepRef{name: name, rng: rng})
		}
	}
	return out
}

func example(root string) string {
	return map[string]string{"var": "var.site_code", "local": "local.db", "step": "step.site_type.output", "target": "target.site"}[root]
}

// undeclared reports a reference to root.name, which is not declared.
func (l *loader) undeclared(rng hcl.Range, root, name string) {
	what := map[string]string{"var": "variable", "local": "local", "step": "step", "target": "target"}[root]
	l.refError(rng, "Reference to undeclared "+what, "No %s named %q is declared in this runbook.%s",
		what, name, didYouMean(name, l.names(root)))
}

func (l *loader) declared(root, name string) bool {
	switch root {
	case "var":
		return l.varIndex[name] != nil
	case "local":
		return l.localIndex[name] != nil
	case "step":
		return l.rb.stepIndex[name] != nil
	case "target":
		return l.targetIndex[name] != nil
	}
	return false
}

func (l *loader) names(root string) []string {
	switch root {
	case "var":
		return slices.Sorted(maps.Keys(l.varIndex))
	case "local":
		return slices.Sorted(maps.Keys(l.localIndex))
	case "step":
		return slices.Sorted(maps.Keys(l.rb.stepIndex))
	case "target":
		return slices.Sorted(maps.Keys(l.targetIndex))
	}
	return nil
}

// EvalLocals evaluates the runbook's locals with the given variable values
// (from ResolveInputs), in dependency order. now is the clock behind now();
// nil makes it unknown, as in plans. A cycle among locals is a diagnostic
// naming its path; locals on it, and locals that fail, are unknown
// (cty.DynamicVal) in the result.
func EvalLocals(rb *Runbook, vars map[string]cty.Value, now func() time.Time) (map[string]cty.Value, hcl.Diagnostics) {
	scope := &lang.Scope{Vars: vars, Targets: TargetValues(rb), Now: now}
	return evalLocals(rb.Locals, scope.EvalContext())
}

// TargetValues returns the values of target.<name> for every target.
func TargetValues(rb *Runbook) map[string]cty.Value {
	out := make(map[string]cty.Value, len(rb.Targets))
	for _, t := range rb.Targets {
		out[t.Name] = lang.TargetValue(t.Name, t.Type)
	}
	return out
}

// evalLocals evaluates locals in dependency order in ctx (whose "local"
// namespace it sets as it goes). A cycle is reported with its path; the
// locals on it are unknown.
func evalLocals(locals []*Local, ctx *hcl.EvalContext) (map[string]cty.Value, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	vals := make(map[string]cty.Value, len(locals))
	index := map[string]*Local{}
	var names []string
	for _, loc := range locals {
		if index[loc.Name] == nil {
			index[loc.Name] = loc
			names = append(names, loc.Name)
			vals[loc.Name] = cty.DynamicVal
		}
	}
	deps := map[string][]string{}
	for _, loc := range locals {
		for _, t := range loc.Expr.Variables() {
			if n := refName(t); t.RootName() == "local" && index[n] != nil {
				deps[loc.Name] = append(deps[loc.Name], n)
			}
		}
	}
	order := names
	cyclic := map[string]bool{}
	g, err := graph.New(names, deps)
	if ce, ok := err.(*graph.CycleError); ok {
		rng := firstRef(index[ce.Path[0]].Expr, "local", ce.Path[1])
		diags = append(diags, diagf(hcl.DiagError, &rng, "Cycle in locals",
			"These locals refer to each other in a cycle: %s.", cycleText(ce.Path, "local.")))
		for _, n := range ce.Path {
			cyclic[n] = true
		}
	} else if err == nil {
		order = g.Order()
	}
	for _, name := range order {
		if cyclic[name] {
			continue
		}
		ctx.Variables["local"] = cty.ObjectVal(vals)
		v, d := index[name].Expr.Value(ctx)
		diags = append(diags, d...)
		if d.HasErrors() {
			v = cty.DynamicVal
		}
		vals[name] = v
	}
	ctx.Variables["local"] = cty.ObjectVal(vals)
	return vals, diags
}
