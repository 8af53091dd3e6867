package runbook

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/batonhq/baton/engine/lang"
	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// checkSecretFlows (end of analyze, once every step's SensitiveOutput is
// known) reports each sensitive value that reaches a step argument its
// type does not declare a secret sink (steps.SecretSinks): such arguments
// are shown, sent or logged as they are. It also warns at every
// nonsensitive(...), the one visible way out.
func (l *loader) checkSecretFlows() {
	for _, s := range l.rb.Steps {
		if s.Kind != nil && s.SensitiveOutput {
			l.checkArgFlows(s, s.Kind, s.Uses, s.Body)
		}
		if v := s.Verify; v != nil && v.Kind != nil && l.usesSecret(v.Body) {
			l.checkArgFlows(s, v.Kind, v.Uses, v.Body)
		}
	}
	l.warnNonsensitive()
}

// usesSecret reports whether a verify block's arguments refer to a
// sensitive value (only then are they decoded again).
func (l *loader) usesSecret(body hcl.Body) bool {
	if _, ok := body.(*hclsyntax.Body); !ok {
		return true
	}
	return slices.ContainsFunc(bodyRefs(body, verifyMeta, nil), l.sensitiveTraversal)
}

// checkArgFlows decodes the arguments of one step type in the final
// validation scope and reports the sensitive paths outside its sinks.
// remain is what the class left of the block: a native-syntax body, whose
// attributes locate the secrets.
func (l *loader) checkArgFlows(s *Step, kind steps.Kind, uses string, remain hcl.Body) {
	args, diags := lang.DecodeBodyIn(l.ctx, remain, specOrEmpty(kind.Spec()))
	if diags.HasErrors() {
		return // reported when the arguments were first decoded
	}
	attrs := map[string]*hclsyntax.Attribute{}
	if sb, ok := remain.(*hclsyntax.Body); ok {
		attrs = sb.Attributes
	}
	seen := map[string]bool{}
	for _, p := range steps.SensitiveOutsideSinks(kind, args) {
		arg := uses + "." + steps.PathString(p)
		if seen[arg] {
			continue
		}
		seen[arg] = true
		a := attrs[steps.PathAttr(p)]
		rng := s.DeclRange
		var expr hclsyntax.Expression
		if a != nil {
			expr = narrow(a.Expr, p[1:])
			rng = expr.Range()
		}
		from, via := l.flowOf(expr)
		l.errorf(rng, "Secret flows into an argument that is not secret",
			"%s flows into %s%s (step %q). %s shows, sends or logs this argument as it is. %s",
			from, arg, via, s.Name, uses, sinkHint(kind))
	}
}

// narrow follows a path into an object or tuple constructor, so that an
// error points at the element holding the secret (headers["X-Token"]).
func narrow(e hclsyntax.Expression, p cty.Path) hclsyntax.Expression {
	if len(p) == 0 {
		return e
	}
	key := cmp.Or(steps.PathAttr(p), steps.PathKey(p, 0)) // an attribute's name or a key
	switch c := e.(type) {
	case *hclsyntax.ObjectConsExpr:
		for _, it := range c.Items {
			k, diags := it.KeyExpr.Value(nil)
			if !diags.HasErrors() && k.Type() == cty.String && k.IsKnown() && k.AsString() == key {
				return narrow(it.ValueExpr, p[1:])
			}
		}
	case *hclsyntax.TupleConsExpr:
		if ix, ok := p[0].(cty.IndexStep); ok && ix.Key.Type() == cty.Number {
			i, _ := ix.Key.AsBigFloat().Int64()
			if i >= 0 && int(i) < len(c.Exprs) {
				return narrow(c.Exprs[i], p[1:])
			}
		}
	}
	return e
}

// flowOf names the sensitive references in expr and the functions and
// templates they pass through: ("var.pw", " via upper(...), format(...)").
func (l *loader) flowOf(expr hclsyntax.Expression) (from, via string) {
	w := &flowWalker{l: l}
	if expr != nil {
		_ = hclsyntax.Walk(expr, w)
	}
	if len(w.from) == 0 {
		return "a sensitive value", ""
	}
	from = strings.Join(w.from, ", ")
	if len(w.via) > 0 {
		via = " via " + strings.Join(w.via, ", ")
	}
	return from, via
}

// flowWalker collects sensitive traversals and, for each, the function
// calls and templates enclosing it (innermost first).
type flowWalker struct {
	l     *loader
	stack []hclsyntax.Node
	from  []string
	via   []string
}

func (w *flowWalker) Enter(n hclsyntax.Node) hcl.Diagnostics {
	w.stack = append(w.stack, n)
	t, ok := n.(*hclsyntax.ScopeTraversalExpr)
	if !ok || !w.l.sensitiveTraversal(t.Traversal) {
		return nil
	}
	w.from = appendNew(w.from, traversalString(t.Traversal))
	for i := len(w.stack) - 2; i >= 0; i-- {
		switch e := w.stack[i].(type) {
		case *hclsyntax.FunctionCallExpr:
			w.via = appendNew(w.via, e.Name+"(...)")
		case *hclsyntax.TemplateExpr:
			if !e.IsStringLiteral() && len(e.Parts) > 1 {
				w.via = appendNew(w.via, "a template")
			}
		case *hclsyntax.ConditionalExpr:
			w.via = appendNew(w.via, "a conditional")
		case *hclsyntax.ForExpr:
			w.via = appendNew(w.via, "a for expression")
		}
	}
	return nil
}

func (w *flowWalker) Exit(hclsyntax.Node) hcl.Diagnostics {
	w.stack = w.stack[:len(w.stack)-1]
	return nil
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// sinkHint says where the step type does accept a secret.
func sinkHint(kind steps.Kind) string {
	var names []string
	if spec, ok := kind.Spec().(hcldec.ObjectSpec); ok {
		for name := range spec {
			if steps.IsSecretSink(kind, cty.GetAttrPath(name)) {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	where := "This step type accepts secrets in none of its arguments."
	if len(names) > 0 {
		where = fmt.Sprintf("This step type accepts secrets only in %s.", strings.Join(names, ", "))
	}
	if _, ok := kind.(steps.SecretSinks); ok && len(names) == 0 {
		where = "This step type accepts secrets only in the arguments its documentation names."
	}
	return where + " If showing the value is safe, say so with nonsensitive(...)."
}

// warnNonsensitive warns at every call of nonsensitive: each is a place
// where a value derived from a secret may be shown.
func (l *loader) warnNonsensitive() {
	used := false
	for _, src := range l.rb.Sources {
		used = used || bytes.Contains(src, []byte("nonsensitive"))
	}
	if !used {
		return // the common case: no walk over every expression
	}
	for _, b := range l.blocks {
		body, ok := b.Body.(*hclsyntax.Body)
		if !ok {
			continue
		}
		_ = hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
			if c, ok := n.(*hclsyntax.FunctionCallExpr); ok && c.Name == "nonsensitive" {
				l.warnf(c.Range(), "Secret declared safe to show",
					"nonsensitive(...) removes the sensitive mark: what it returns is shown in plans, reviews, logs and messages, and stored in the state. Make sure it reveals nothing of the secret (a length, a yes/no).")
			}
			return nil
		})
	}
}
