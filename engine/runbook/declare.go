package runbook

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// declare (phase 2) registers every named thing, finds duplicates and
// reads what the validation scope needs: variable types, target and step
// types.
func (l *loader) declare(p string) {
	l.varSrc = map[*Variable]*hcl.BodyContent{}
	l.stepSrc = map[*Step]*stepSource{}
	l.localIndex = map[string]*Local{}
	l.varIndex = map[string]*Variable{}
	l.targetIndex = map[string]*Target{}
	hadErrors := l.diags.HasErrors()

	// Reading step blocks (name, body against the class schema, step type)
	// is the costly part and independent per block, so it is done first, in
	// parallel; the loop below registers them in order.
	bodies := make([]stepBody, len(l.blocks))
	l.forEachParallel(len(l.blocks), func(w *loader, i int) {
		b := l.blocks[i]
		switch b.Type {
		case "runbook", "variable", "locals", "target":
			return
		}
		bodies[i] = w.readStep(b)
	})

	for i, b := range l.blocks {
		switch b.Type {
		case "runbook":
			if l.runbookBlock != nil {
				l.errorf(b.DefRange, "Duplicate runbook block",
					"A runbook block was already declared at %s; a runbook has exactly one runbook block across its files.", rangeString(l.runbookBlock.DefRange))
				continue
			}
			if !l.validName(b, "runbook") {
				continue
			}
			l.runbookBlock = b
			l.rb.Name, l.rb.DeclRange = b.Labels[0], b.DefRange
		case "variable":
			l.declareVariable(b)
		case "locals":
			attrs, diags := b.Body.JustAttributes()
			l.diags = append(l.diags, diags...)
			for _, a := range sortedAttrs(attrs) {
				if !hclsyntax.ValidIdentifier(a.Name) {
					l.errorf(a.NameRange, "Invalid name", "%q is not a valid local name.", a.Name)
					continue
				}
				if prev := l.localIndex[a.Name]; prev != nil {
					l.duplicate(a.NameRange, "local", a.Name, prev.DeclRange)
					continue
				}
				loc := &Local{Name: a.Name, Expr: a.Expr, DeclRange: a.Range}
				l.localIndex[a.Name] = loc
				l.rb.Locals = append(l.rb.Locals, loc)
			}
		case "target":
			l.declareTarget(b)
		default:
			l.declareStep(b, bodies[i])
		}
	}
	if l.runbookBlock == nil && !hadErrors {
		file := p
		if len(l.rb.Files) > 0 {
			file = l.rb.Files[0]
		}
		l.errorf(fileStart(file, nil), "Missing runbook block",
			"A runbook needs one runbook block, like runbook \"planned_promotion\" { title = \"...\" }; the files loaded from %s have none.", p)
	}
}

// duplicate reports a second declaration of a variable, local or target.
func (l *loader) duplicate(rng hcl.Range, what, name string, first hcl.Range) {
	l.errorf(rng, "Duplicate "+what, "A %s named %q was already declared at %s.", what, name, rangeString(first))
}

func rangeString(r hcl.Range) string {
	return fmt.Sprintf("%s:%d,%d", r.Filename, r.Start.Line, r.Start.Column)
}

// validName checks the name of b, whose one label hcl has checked is there.
func (l *loader) validName(b *hcl.Block, what string) bool {
	rng, name := b.LabelRanges[0], b.Labels[0]
	switch {
	case len(name) > MaxNameLen:
		l.errorf(rng, "Name too long",
			"This %s name is %d bytes long; a name may hold at most %d (the state store keeps step names as keys of that size).", what, len(name), MaxNameLen)
		return false
	case !hclsyntax.ValidIdentifier(name):
		l.errorf(rng, "Invalid name",
			"%q is not a valid %s name: a name starts with a letter or underscore and holds only letters, digits, underscores and dashes.", name, what)
		return false
	}
	return true
}

func (l *loader) declareVariable(b *hcl.Block) {
	if !l.validName(b, "variable") {
		return
	}
	name := b.Labels[0]
	if prev := l.varIndex[name]; prev != nil {
		l.duplicate(b.DefRange, "variable", name, prev.DeclRange)
		return
	}
	content := l.content(b.Body, variableSchema)
	v := &Variable{Name: name, Type: cty.DynamicPseudoType, DeclRange: b.DefRange}
	if a := content.Attributes["type"]; a != nil {
		t, diags := typeexpr.TypeConstraint(a.Expr)
		l.diags = append(l.diags, diags...)
		if !diags.HasErrors() {
			v.Type = t
		}
	}
	v.Sensitive = l.attrBool(content.Attributes, "sensitive")
	if a := content.Attributes["default"]; a != nil {
		if def, ok := l.literal(a.Expr, cty.DynamicPseudoType, "A variable's default"); ok {
			cv, err := convert.Convert(def, v.Type)
			if err != nil {
				l.errorf(a.Expr.Range(), "Invalid default value for variable",
					"This default value is not compatible with the variable's type constraint: %s.", err.Error())
			} else {
				v.Default = cv
			}
		}
	}
	l.varIndex[name] = v
	l.varSrc[v] = content
	l.rb.Variables = append(l.rb.Variables, v)
}

func (l *loader) declareTarget(b *hcl.Block) {
	if !l.validName(b, "target") {
		return
	}
	name := b.Labels[0]
	if prev := l.targetIndex[name]; prev != nil {
		l.duplicate(b.DefRange, "target", name, prev.DeclRange)
		return
	}
	content, remain, diags := b.Body.PartialContent(targetSchema)
	l.diags = append(l.diags, diags...)
	t := &Target{Name: name, Body: remain, DeclRange: b.DefRange}
	t.Type = l.attrString(content.Attributes, "type", "A target's type")
	if t.Type != "" {
		if k, ok := l.reg.Target(t.Type); ok {
			t.Kind = k
		} else {
			l.errorf(content.Attributes["type"].Expr.Range(), "Unknown target type",
				"There is no target type named %q.%s Known target types: %s.", t.Type,
				didYouMean(t.Type, l.reg.TargetNames()), listOrNone(l.reg.TargetNames()))
		}
	}
	l.targetIndex[name] = t
	l.rb.Targets = append(l.rb.Targets, t)
}

// stepBody is a step block read on its own: its step (nil when its name
// is invalid, then the one problem reported), its body against the
// class's schema, and what reading it reported.
type stepBody struct {
	step    *Step
	src     *stepSource
	diags   hcl.Diagnostics
	reports []hcl.Range // references reported meanwhile (see finish)
}

// readStep reads a step block on a scratch copy of the loader, so that what
// it reports stays in the result: declareStep decides whether it counts.
func (l *loader) readStep(b *hcl.Block) (r stepBody) {
	w := *l
	w.diags, w.reported = nil, nil
	defer func() { r.diags, r.reports = w.diags, w.reported }()
	if !w.validName(b, "step") {
		return r
	}
	class := Class(b.Type)
	s := &Step{Name: b.Labels[0], Class: class, DeclRange: b.DefRange, OnFailure: OnFailureAbort, MinApprovals: 1}
	src := &stepSource{block: b}
	if !kinded(class) {
		src.content = w.content(b.Body, stepSchemas[class])
	} else {
		var diags hcl.Diagnostics
		src.content, s.Body, diags = b.Body.PartialContent(stepSchemas[class])
		w.diags = append(w.diags, diags...)
		if src.content.Attributes["uses"] == nil {
			w.errorf(b.DefRange, "Missing step type",
				"A %s must say which step type it runs, like uses = \"configmgr_site\".", class)
		}
		s.Uses, s.Kind = w.usesKind(src.content.Attributes, "uses")
	}
	r.step, r.src = s, src
	return r
}

func (l *loader) declareStep(b *hcl.Block, body stepBody) {
	s := body.step
	if s == nil {
		l.diags = append(l.diags, body.diags...)
		return
	}
	if prev := l.rb.stepIndex[s.Name]; prev != nil {
		l.errorf(b.DefRange, "Duplicate step name",
			"A step named %q was already declared at %s (%s). Step names are unique across every class and file.",
			s.Name, rangeString(prev.DeclRange), prev.Class)
		return
	}
	l.diags = append(l.diags, body.diags...)
	l.reported = append(l.reported, body.reports...)
	l.rb.stepIndex[s.Name] = s
	l.stepSrc[s] = body.src
	l.rb.Steps = append(l.rb.Steps, s)
}

// usesKind reads uses = "<step type>": the name, and its kind, nil when
// the name is empty or names no step type (reported).
func (l *loader) usesKind(attrs hcl.Attributes, what string) (string, steps.Kind) {
	name := l.attrString(attrs, "uses", what)
	if name == "" {
		return "", nil
	}
	k, ok := l.reg.Kind(name)
	if !ok {
		l.errorf(attrs["uses"].Expr.Range(), "Unknown step type", "There is no step type named %q.%s", name, didYouMean(name, l.reg.KindNames()))
		return name, nil
	}
	return name, k
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// sortedAttrs returns attributes in source order.
func sortedAttrs(attrs hcl.Attributes) []*hcl.Attribute {
	out := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *hcl.Attribute) int {
		return cmp.Or(strings.Compare(a.Range.Filename, b.Range.Filename), cmp.Compare(a.Range.Start.Byte, b.Range.Start.Byte))
	})
	return out
}
