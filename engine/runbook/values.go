package runbook

import (
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/agext/levenshtein"
	"github.com/batonhq/baton/engine/lang"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// staticCtx evaluates literal values: functions, no variables.
var staticCtx = &hcl.EvalContext{Functions: lang.Functions(nil)}

// literal evaluates an expression that must be known when the runbook is
// loaded (names, descriptions, durations...). what starts the error detail
// ("The description"). A null value is returned as cty.NullVal(want) with
// ok true.
func (l *loader) literal(expr hcl.Expression, want cty.Type, what string) (cty.Value, bool) {
	// Fast path for the common case, a plain literal or quoted string.
	switch e := expr.(type) {
	case *hclsyntax.LiteralValueExpr:
		if cv, err := convert.Convert(e.Val, want); err == nil && !e.Val.IsNull() && (want != cty.String || e.Val.Type() == cty.String) {
			return cv, true
		}
	case *hclsyntax.TemplateExpr:
		if len(e.Parts) == 1 {
			if lit, ok := e.Parts[0].(*hclsyntax.LiteralValueExpr); ok && lit.Val.Type() == cty.String {
				if cv, err := convert.Convert(lit.Val, want); err == nil {
					return cv, true
				}
			}
		}
	}
	rng := expr.Range()
	if ts := expr.Variables(); len(ts) > 0 {
		if i := slices.IndexFunc(ts, l.sensitiveTraversal); i >= 0 {
			l.refError(ts[i].SourceRange(), "Sensitive value not allowed here",
				"%s is shown in plans and reviews, so it can't use the sensitive value %s.", what, traversalString(ts[i]))
			return cty.NullVal(want), false
		}
		l.errorf(rng, "Variables not allowed",
			"%s must be a literal value, known when the runbook is loaded: it can't refer to %s.", what, traversalString(ts[0]))
		return cty.NullVal(want), false
	}
	v, diags := expr.Value(staticCtx)
	if diags.HasErrors() {
		l.diags = append(l.diags, diags...)
		return cty.NullVal(want), false
	}
	if v.ContainsMarked() {
		l.errorf(rng, "Sensitive value not allowed here", "%s is shown in plans and reviews, so it can't be sensitive.", what)
		return cty.NullVal(want), false
	}
	if !v.IsWhollyKnown() {
		l.errorf(rng, "Invalid value", "%s must be known when the runbook is loaded.", what)
		return cty.NullVal(want), false
	}
	if v.IsNull() {
		return cty.NullVal(want), true
	}
	if want == cty.String && !v.Type().IsPrimitiveType() {
		l.errorf(rng, "Incorrect value type", "%s must be a string, not %s.", what, v.Type().FriendlyName())
		return cty.NullVal(want), false
	}
	cv, err := convert.Convert(v, want)
	if err != nil {
		l.errorf(rng, "Incorrect value type", "%s must be %s: %s.", what, friendly(want), err.Error())
		return cty.NullVal(want), false
	}
	return cv, true
}

func friendly(t cty.Type) string {
	switch {
	case t == cty.String:
		return "a string"
	case t == cty.Number:
		return "a number"
	case t == cty.Bool:
		return "true or false"
	case t.IsListType() && t.ElementType() == cty.String:
		return "a list of strings"
	}
	return t.FriendlyName()
}

// attrLiteral is attrs[name] and its literal value converted to want (see
// literal); the attribute is nil when it is absent, null or reported.
func (l *loader) attrLiteral(attrs hcl.Attributes, name string, want cty.Type, what string) (*hcl.Attribute, cty.Value) {
	a := attrs[name]
	if a == nil {
		return nil, cty.NilVal
	}
	v, ok := l.literal(a.Expr, want, what)
	if !ok || v.IsNull() {
		return nil, cty.NilVal
	}
	return a, v
}

func (l *loader) attrString(attrs hcl.Attributes, name, what string) string {
	if a, v := l.attrLiteral(attrs, name, cty.String, what); a != nil {
		return v.AsString()
	}
	return ""
}

// attrEnum reads a string that must be one of allowed. ok is false when
// it is absent or is none of them (reported, and returned as written).
func (l *loader) attrEnum(attrs hcl.Attributes, name, what, summary string, allowed ...string) (v string, ok bool) {
	v = l.attrString(attrs, name, what)
	if v == "" || slices.Contains(allowed, v) {
		return v, v != ""
	}
	quoted := make([]string, len(allowed))
	for i, a := range allowed {
		quoted[i] = strconv.Quote(a)
	}
	l.errorf(attrs[name].Expr.Range(), summary, "%s must be %s or %s, not %q.%s",
		what, strings.Join(quoted[:len(quoted)-1], ", "), quoted[len(quoted)-1], v, didYouMean(v, allowed))
	return v, false
}

// attrStrings reads a list of strings; errors call it by its name.
func (l *loader) attrStrings(attrs hcl.Attributes, name string) []string {
	a, v := l.attrLiteral(attrs, name, cty.List(cty.String), name)
	if a == nil {
		return nil
	}
	out := make([]string, 0, v.LengthInt())
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() {
			l.errorf(a.Expr.Range(), "Invalid value", "%s must not contain null.", name)
			continue
		}
		out = append(out, e.AsString())
	}
	return out
}

// attrBool reads true or false (false when absent); errors call it by its
// name.
func (l *loader) attrBool(attrs hcl.Attributes, name string) bool {
	a, v := l.attrLiteral(attrs, name, cty.Bool, name)
	return a != nil && v.True()
}

// attrInt reads a whole number in [min, max].
func (l *loader) attrInt(attrs hcl.Attributes, name, what string, min, max int64) (int, bool) {
	a, v := l.attrLiteral(attrs, name, cty.Number, what)
	if a == nil {
		return 0, false
	}
	i, acc := v.AsBigFloat().Int64()
	if acc != big.Exact || i < min || i > max {
		l.errorf(a.Expr.Range(), "Invalid value", "%s must be a whole number from %d to %d.", what, min, max)
		return 0, false
	}
	return int(i), true
}

// attrDuration reads a duration string ("30s", "15m", "7d").
func (l *loader) attrDuration(attrs hcl.Attributes, name, what string) (time.Duration, bool) {
	a, v := l.attrLiteral(attrs, name, cty.DynamicPseudoType, what)
	if a == nil {
		return 0, false
	}
	if v.Type() != cty.String {
		l.errorf(a.Expr.Range(), "Incorrect value type",
			"%s must be a duration string like \"30s\", \"15m\", \"2h\" or \"7d\", not %s.", what, v.Type().FriendlyName())
		return 0, false
	}
	d, err := lang.ParseDuration(v.AsString())
	if err != nil {
		l.errorf(a.Expr.Range(), "Invalid duration", "%s: %s.", what, err.Error())
		return 0, false
	}
	return d, true
}

// Suggest returns the candidate closest to name (edit distance under 3,
// the first of equals in candidates' order), or "" when none is close.
func Suggest(name string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := levenshtein.Distance(name, c, nil); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

func didYouMean(name string, candidates []string) string {
	if s := Suggest(name, candidates); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return ""
}

// traversalString renders a traversal as written (var.x, step.a.output),
// indexes as [...]: for messages about references.
func traversalString(t hcl.Traversal) string {
	return TraversalText(t, func(cty.Value) string { return "..." })
}

// TraversalText renders a traversal as written, step.a.output.b[0], with
// index keys rendered by index.
func TraversalText(t hcl.Traversal, index func(key cty.Value) string) string {
	var b strings.Builder
	for _, s := range t {
		switch s := s.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			b.WriteString("." + s.Name)
		case hcl.TraverseIndex:
			b.WriteString("[" + index(s.Key) + "]")
		case hcl.TraverseSplat:
			b.WriteString("[*]")
		}
	}
	return b.String()
}
