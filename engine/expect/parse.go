package expect

import (
	"fmt"
	"slices"
	"strings"

	"github.com/batonhq/baton/engine/lang"
	"github.com/batonhq/baton/engine/rehearse"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/gocty"
)

var fileSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "runbook"}, {Name: "fixture"}, {Name: "all_scenarios_of"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "case", LabelNames: []string{"name"}}},
}

var caseSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "fixture"}, {Name: "scenario", Required: true}, {Name: "vars"},
		{Name: "approve_all"}, {Name: "approval_delay"}, {Name: "approvals"},
		{Name: "outcome"}, {Name: "blocked"}, {Name: "branches"}, {Name: "changes"}, {Name: "site"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "answer", LabelNames: []string{"step"}}},
}

var answerSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "by", Required: true}, {Name: "decision", Required: true}, {Name: "after"}, {Name: "comment"}},
}

// Parse reads an expectation file; filename is used in diagnostics, which
// carry file:line:col. Only literal values are allowed (no variables, no
// functions). The file is nil when there are errors.
func Parse(src []byte, filename string) (*File, hcl.Diagnostics) {
	hf, diags := lang.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	content, d := hf.Body.Content(fileSchema)
	p := &parser{diags: append(diags, d...)}
	f := &File{Path: filename, src: src}
	if a := content.Attributes["runbook"]; a != nil {
		f.Runbook, f.RunbookRange = p.str(a), a.Expr.Range()
	}
	if a := content.Attributes["fixture"]; a != nil {
		f.Fixture = p.str(a)
	}
	if a := content.Attributes["all_scenarios_of"]; a != nil {
		f.AllScenariosOf, f.AllRange = p.strings(a), a.Expr.Range()
	}
	seen := map[string]hcl.Range{}
	for _, b := range content.Blocks {
		c := p.caseBlock(b, f.Fixture)
		if prev, dup := seen[c.Name]; dup {
			p.errorf(b.LabelRanges[0], "Duplicate case", "There is already a case %q at line %d; give each case of a file its own name.", c.Name, prev.Start.Line)
			continue
		}
		seen[c.Name] = b.DefRange
		f.Cases = append(f.Cases, c)
	}
	if len(content.Blocks) == 0 && len(f.AllScenariosOf) == 0 {
		p.errorf(hf.Body.MissingItemRange(), "No cases", "An expectation file holds case blocks (case \"healthy\" { fixture = \"contoso\" scenario = \"healthy\" outcome = \"succeeded\" }), or all_scenarios_of = [\"FIXTURE\"] for baton test -update to write them.")
	}
	if p.diags.HasErrors() {
		return nil, p.diags
	}
	return f, p.diags
}

type parser struct{ diags hcl.Diagnostics }

func (p *parser) errorf(rng hcl.Range, summary, format string, args ...any) {
	p.diags = append(p.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: &rng})
}

func (p *parser) caseBlock(b *hcl.Block, fixture string) *Case {
	c := &Case{Name: b.Labels[0], Range: b.DefRange, Fixture: fixture, Answers: Answers{All: true}}
	if strings.TrimSpace(c.Name) == "" {
		p.errorf(b.LabelRanges[0], "Empty case name", "Name the case after what it rehearses, such as \"contoso/healthy\".")
	}
	content, d := b.Body.Content(caseSchema)
	p.diags = append(p.diags, d...)
	at := content.Attributes
	if a := at["fixture"]; a != nil {
		c.Fixture = p.str(a)
	}
	if c.Fixture == "" {
		p.errorf(b.DefRange, "No fixture", "Case %q names no fixture: add fixture = \"contoso\" (a shipped fixture, or a fixture file next to this one) to it, or at the top of the file for every case.", c.Name)
	}
	if a := at["scenario"]; a != nil {
		c.Scenario = p.str(a)
	}
	if a := at["vars"]; a != nil {
		c.Vars = p.vars(a)
	}
	p.answers(c, at, content.Blocks)
	p.want(&c.Want, at)
	return c
}

func (p *parser) want(w *Outcome, at hcl.Attributes) {
	if a := at["outcome"]; a != nil {
		w.Status = p.str(a)
		if w.Status != "" && !slices.Contains(Outcomes, w.Status) {
			p.errorf(a.Expr.Range(), "Unknown outcome", "outcome %q is none of %s.", w.Status, strings.Join(Outcomes, ", "))
		}
	}
	if a := at["blocked"]; a != nil {
		w.Blocked = p.strings(a)
		slices.Sort(w.Blocked)
		for i := 1; i < len(w.Blocked); i++ {
			if w.Blocked[i] == w.Blocked[i-1] && (i == 1 || w.Blocked[i] != w.Blocked[i-2]) {
				p.errorf(a.Expr.Range(), "Duplicate step", "blocked lists %q more than once.", w.Blocked[i])
			}
		}
	}
	if a := at["branches"]; a != nil {
		w.Branches = map[string]bool{}
		p.each(a, "a decision step's name", func(k string, v cty.Value, rng hcl.Range) {
			if b, ok := as[bool](v); ok {
				w.Branches[k] = b
				return
			}
			p.errorf(rng, "Invalid branch", "branches[%q] must be true (the branch was taken) or false.", k)
		})
	}
	if a := at["changes"]; a != nil {
		w.Changes = map[string]string{}
		p.each(a, "a step's name", func(k string, v cty.Value, rng hcl.Range) {
			if s, ok := as[string](v); ok {
				w.Changes[k] = s
				return
			}
			p.errorf(rng, "Invalid change", "changes[%q] must be the step's final status, such as \"succeeded\".", k)
		})
	}
	if a := at["site"]; a != nil {
		w.Site = map[string]cty.Value{}
		p.each(a, "a fact path", func(k string, v cty.Value, rng hcl.Range) {
			switch {
			case !KnownFact(k):
				p.errorf(rng, "Unknown site fact", "%q is no fact path (such as \"site_server/cm02.contoso.com/mode\"); docs/testing.md lists them.", k)
			case !factValue(v):
				p.errorf(rng, "Invalid site fact", "site[%q] must be a string, number, bool, list of strings, or null (the fact is absent).", k)
			default:
				w.Site[k] = v
			}
		})
	}
}

// factValue reports whether v can be a fact's expected value.
func factValue(v cty.Value) bool {
	_, isList := as[[]string](v)
	return v.IsNull() || v.Type().IsPrimitiveType() || isList
}

func (p *parser) answers(c *Case, at hcl.Attributes, blocks hcl.Blocks) {
	if a := at["approve_all"]; a != nil {
		all, ok := read[bool](p, a, "approve_all must be true (answer every approval and manual step not answered otherwise) or false.")
		if ok {
			c.Answers.All = all
		}
	}
	if a := at["approval_delay"]; a != nil {
		s := p.str(a)
		d, err := lang.ParseDuration(s)
		switch {
		case err != nil || d < 0:
			p.errorf(a.Expr.Range(), "Invalid approval_delay", "approval_delay %q: give a duration like \"15m\".", s)
		case !c.Answers.All:
			p.errorf(a.Expr.Range(), "approval_delay without approve_all", "approval_delay is how long the answers of approve_all take; with approve_all = false give each answer block an after instead.")
		default:
			c.Answers.Delay = d
		}
	}
	if a := at["approvals"]; a != nil {
		c.Answers.File, c.Answers.FileRange = p.str(a), a.Expr.Range()
	}
	for _, b := range blocks {
		if c.Answers.Steps == nil {
			c.Answers.Steps = map[string][]rehearse.Answer{}
		}
		c.Answers.Steps[b.Labels[0]] = append(c.Answers.Steps[b.Labels[0]], p.answer(b))
	}
}

func (p *parser) answer(b *hcl.Block) rehearse.Answer {
	content, d := b.Body.Content(answerSchema)
	p.diags = append(p.diags, d...)
	var ans rehearse.Answer
	at := content.Attributes
	if a := at["by"]; a != nil {
		ans.By = p.str(a)
	}
	if a := at["decision"]; a != nil {
		if ans.Decision = p.str(a); ans.Decision != "approved" && ans.Decision != "rejected" {
			p.errorf(a.Expr.Range(), "Invalid decision", "decision %q must be \"approved\" or \"rejected\".", ans.Decision)
		}
	}
	if a := at["comment"]; a != nil {
		ans.Comment = p.str(a)
	}
	if a := at["after"]; a != nil {
		s := p.str(a)
		if d, err := lang.ParseDuration(s); err != nil || d < 0 {
			p.errorf(a.Expr.Range(), "Invalid after", "after %q: give how long after the step asks the answer comes, like \"20m\".", s)
		} else {
			ans.After = d
		}
	}
	return ans
}

// read evaluates a literal attribute as a T (see as), reporting detail
// when it is none; false when it has errors.
func read[T any](p *parser, a *hcl.Attribute, detail string) (T, bool) {
	var x T
	v, d := a.Expr.Value(nil)
	p.diags = append(p.diags, d...)
	if d.HasErrors() || !v.IsWhollyKnown() {
		return x, false
	}
	x, ok := as[T](v)
	if !ok {
		p.errorf(a.Expr.Range(), "Invalid "+a.Name, "%s", detail)
	}
	return x, ok
}

func (p *parser) str(a *hcl.Attribute) string {
	s, _ := read[string](p, a, a.Name+" must be a string.")
	return s
}

// strings reads a list of strings; never nil when the value is valid.
func (p *parser) strings(a *hcl.Attribute) []string {
	l, _ := read[[]string](p, a, a.Name+` must be a list of strings, such as ["a", "b"].`)
	return l
}

// each calls fn for every item of an object attribute ({ KEY = VALUE }),
// with the item's range; keys must be literal and distinct.
func (p *parser) each(a *hcl.Attribute, key string, fn func(string, cty.Value, hcl.Range)) {
	pairs, d := hcl.ExprMap(a.Expr)
	if d.HasErrors() {
		p.errorf(a.Expr.Range(), "Invalid "+a.Name, "%s must be an object: { KEY = VALUE }, each KEY %s.", a.Name, key)
		return
	}
	seen := map[string]bool{}
	for _, kv := range pairs {
		k, kd := kv.Key.Value(nil)
		v, vd := kv.Value.Value(nil)
		p.diags = append(append(p.diags, kd...), vd...)
		if kd.HasErrors() || vd.HasErrors() {
			continue
		}
		rng := hcl.RangeBetween(kv.Key.Range(), kv.Value.Range())
		if k.IsNull() || !k.IsKnown() || k.Type() != cty.String {
			p.errorf(kv.Key.Range(), "Invalid key", "Each key of %s is %s, written as a name or a quoted string.", a.Name, key)
			continue
		}
		if seen[k.AsString()] {
			p.errorf(kv.Key.Range(), "Duplicate key", "%s lists %q twice.", a.Name, k.AsString())
			continue
		}
		seen[k.AsString()] = true
		if !v.IsWhollyKnown() {
			continue
		}
		fn(k.AsString(), v, rng)
	}
}

// vars reads runbook inputs: strings as they are, other values as HCL
// text, which is how -var takes a list or a number.
func (p *parser) vars(a *hcl.Attribute) map[string]string {
	out := map[string]string{}
	p.each(a, "a runbook variable's name", func(k string, v cty.Value, rng hcl.Range) {
		switch {
		case v.IsNull():
			p.errorf(rng, "Invalid vars", "vars[%q] is null: give a value, or leave the variable out for its default.", k)
		case v.Type() == cty.String:
			out[k] = v.AsString()
		default:
			out[k] = hclText(v)
		}
	})
	return out
}

// as converts a known value to a string, bool or []string as HCL converts
// values; false when it is of another type, or is or holds a null.
func as[T any](v cty.Value) (T, bool) {
	var out T
	ty, err := gocty.ImpliedType(out)
	if err != nil || v.IsNull() {
		return out, false
	}
	if v, err = convert.Convert(v, ty); err == nil {
		err = gocty.FromCtyValue(v, &out)
	}
	return out, err == nil
}
