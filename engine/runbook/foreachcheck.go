package runbook

import (
	"strings"

	"github.com/batonhq/baton/engine/lang"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// decodeForEach reads a step's for_each: which classes may have one, what
// it may refer to (inputs, locals, targets and earlier steps, never self
// or each), and, when it is known at load time, whether its items are
// valid. A step without for_each may not use each.
func (l *loader) decodeForEach(s *Step, src *stepSource) {
	a := src.content.Attributes["for_each"]
	if a == nil {
		l.checkNoEach(s, src)
		return
	}
	switch s.Class {
	case ClassDecision, ClassApproval, ClassBackout:
		l.errorf(a.NameRange, "for_each not allowed here",
			"A %s step runs once: for_each is for checks, actions, waits, manual steps and post-tasks, one step per item.", s.Class)
		return
	}
	s.ForEach = a.Expr
	src.refs = append(src.refs, l.checkRefs(a.Expr.Variables(), exprRoots&^allowEach, "A for_each")...)
	v := l.eval(l.ctx, a.Expr, cty.DynamicPseudoType)
	if !l.notSensitive(v, a.Expr, "for_each (its items name steps)") || !v.IsWhollyKnown() {
		return
	}
	if _, err := Items(v); err != nil {
		l.errorf(a.Expr.Range(), "Invalid for_each", "%s.", capitalize(err.Error()))
	}
}

// checkNoEach reports each used in a step that has no for_each.
func (l *loader) checkNoEach(s *Step, src *stepSource) {
	for _, t := range bodyRefs(src.block.Body, nil, nil) {
		if t.RootName() == "each" {
			l.errorf(t.SourceRange(), "Invalid use of each",
				"each is the item of a for_each; step %q has no for_each. Add for_each = LIST to run it once per item.", s.Name)
			l.reported = append(l.reported, t.SourceRange())
			return
		}
	}
}

// checkEachAttr reports each.<anything but key or value>.
func (l *loader) checkEachAttr(t hcl.Traversal) {
	if n := refName(t); n == "key" || n == "value" {
		return
	}
	l.errorf(t.SourceRange(), "Invalid reference", "each has two attributes: each.key (the item's name) and each.value (the item).")
	l.reported = append(l.reported, t.SourceRange())
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// decodeInstructions reads what people must do or check: literal text, or
// an expression over inputs, locals, targets and each (one text per
// instance of a for_each step), never a step's result or a secret, so
// that the plan shows it as the person will read it.
func (l *loader) decodeInstructions(s *Step, at hcl.Attributes, what string) {
	a := at["instructions"]
	if a == nil {
		return
	}
	if len(a.Expr.Variables()) == 0 {
		s.Instructions = l.attrString(at, "instructions", what+" instructions")
		return
	}
	l.checkRefs(a.Expr.Variables(), allowVar|allowLocal|allowTarget|allowEach, what+" instructions")
	v, diags := lang.EvalIn(l.ctx, a.Expr, cty.String)
	if hasSensitive(v) {
		l.attrString(at, "instructions", what+" instructions") // says which secret
		return
	}
	l.diags = append(l.diags, diags...)
	s.InstructionsExpr = a.Expr
	s.Instructions = l.rb.ExprText(a.Expr)
}

// InstructionsIn is the step's instructions evaluated in ctx: the text
// when it is literal or known there, else its source.
func (s *Step) InstructionsIn(ctx *hcl.EvalContext) string {
	if s.InstructionsExpr == nil {
		return s.Instructions
	}
	v, diags := s.InstructionsExpr.Value(ctx)
	if diags.HasErrors() || !v.IsWhollyKnown() || v.IsNull() || v.IsMarked() || v.Type() != cty.String {
		return s.Instructions
	}
	return v.AsString()
}
