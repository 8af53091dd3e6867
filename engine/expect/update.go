package expect

import (
	"bytes"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// RunbookPath is the runbook of f's cases as a path to open: Runbook
// relative to f's directory, or by default the runbook next to f with
// its name (planned_promotion.expect.hcl: planned_promotion.hcl).
func (f *File) RunbookPath() string {
	if f.Runbook == "" {
		return strings.TrimSuffix(f.Path, Suffix) + ".hcl"
	}
	return f.Rel(f.Runbook)
}

// Rel resolves a path written in f (slash- or OS-separated) against f's
// directory; an absolute path stays as it is.
func (f *File) Rel(p string) string {
	p = filepath.FromSlash(p)
	if filepath.IsAbs(p) || path.IsAbs(filepath.ToSlash(p)) {
		return p
	}
	return filepath.Join(filepath.Dir(f.Path), p)
}

// Missing returns the scenarios that no case of f rehearses against
// fixture, in the order given.
func (f *File) Missing(fixture string, scenarios []string) []string {
	have := map[string]bool{}
	for _, c := range f.Cases {
		if c.Fixture == fixture {
			have[c.Scenario] = true
		}
	}
	return slices.DeleteFunc(slices.Clone(scenarios), func(s string) bool { return have[s] })
}

// AddCase adds a new case (New: written by Rewrite) for a scenario of a
// fixture, named "FIXTURE/SCENARIO" (with a number after it when a case
// already has that name), answering every approval at once.
func (f *File) AddCase(fixture, scenario string) *Case {
	name := fixture + "/" + scenario
	for i := 2; f.hasCase(name); i++ {
		name = fmt.Sprintf("%s/%s %d", fixture, scenario, i)
	}
	c := &Case{Name: name, Fixture: fixture, Scenario: scenario, Answers: Answers{All: true}, New: true,
		Range: hcl.Range{Filename: f.Path, Start: hcl.InitialPos, End: hcl.InitialPos}}
	f.Cases = append(f.Cases, c)
	return c
}

func (f *File) hasCase(name string) bool {
	return slices.ContainsFunc(f.Cases, func(c *Case) bool { return c.Name == name })
}

// Rewrite returns f's source with what happened written into it: got
// holds outcomes by case name. A case of the file gets its outcome,
// blocked steps and branches rewritten, and its changes and site facts
// when it lists them (the same fact paths, with the values they had); a
// new case is appended with every field and the SummaryFacts of its site.
// Comments and everything else are kept; the result is formatted
// (hclwrite) and keeps the file's line endings.
func Rewrite(f *File, got map[string]Outcome) ([]byte, error) {
	crlf := bytes.Contains(f.src, []byte("\r\n"))
	src := bytes.ReplaceAll(f.src, []byte("\r\n"), []byte("\n"))
	wf, diags := hclwrite.ParseConfig(src, f.Path, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, fmt.Errorf("rewriting %s: %w", f.Path, diags)
	}
	root := wf.Body()
	// The i-th case block is the i-th case of f (Parse keeps the source's
	// order): matched by place, since hclwrite reads labels with escapes
	// ("$${") otherwise than the parser.
	var blocks []*hclwrite.Body
	for _, b := range root.Blocks() {
		if b.Type() == "case" {
			blocks = append(blocks, b.Body())
		}
	}
	i := 0
	for _, c := range f.Cases {
		if c.New {
			if o, ok := got[c.Name]; ok {
				root.AppendNewline()
				writeNew(root.AppendNewBlock("case", []string{c.Name}).Body(), f, c, o)
			}
			continue
		}
		if i >= len(blocks) {
			return nil, fmt.Errorf("rewriting %s: case %q has no case block of its own among the file's %d (a bug in baton test)", f.Path, c.Name, len(blocks))
		}
		body := blocks[i]
		i++
		o, ok := got[c.Name]
		if !ok {
			continue
		}
		writeOutcome(body, c.Want, o)
	}
	out := hclwrite.Format(wf.Bytes())
	if crlf {
		out = bytes.ReplaceAll(out, []byte("\n"), []byte("\r\n"))
	}
	return out, nil
}

func writeNew(body *hclwrite.Body, f *File, c *Case, o Outcome) {
	if c.Fixture != f.Fixture {
		body.SetAttributeValue("fixture", cty.StringVal(c.Fixture))
	}
	body.SetAttributeValue("scenario", cty.StringVal(c.Scenario))
	want := Outcome{Changes: map[string]string{}, Site: map[string]cty.Value{}}
	for _, k := range SummaryFacts(o.Site) {
		want.Site[k] = cty.NullVal(cty.DynamicPseudoType)
	}
	writeOutcome(body, want, o)
}

// writeOutcome sets the outcome, blocked and branches of a case body, and
// its changes and site when want has them, keeping the answer blocks after
// the attributes (hclwrite appends a new attribute at the end of a body).
func writeOutcome(body *hclwrite.Body, want, o Outcome) {
	n := len(body.Attributes())
	body.SetAttributeValue("outcome", cty.StringVal(o.Status))
	body.SetAttributeValue("blocked", stringList(o.Blocked))
	body.SetAttributeValue("branches", object(o.Branches, cty.BoolVal))
	if want.Changes != nil {
		body.SetAttributeValue("changes", object(o.Changes, cty.StringVal))
	}
	if want.Site != nil {
		site := map[string]cty.Value{}
		for k := range want.Site {
			if v, ok := o.Site[k]; ok {
				site[k] = v
			} else {
				site[k] = cty.NullVal(cty.DynamicPseudoType)
			}
		}
		body.SetAttributeValue("site", cty.ObjectVal(site))
	}
	if len(body.Attributes()) == n {
		return
	}
	for _, b := range body.Blocks() {
		body.RemoveBlock(b)
		body.AppendNewline()
		body.AppendBlock(b)
	}
}

func stringList(l []string) cty.Value {
	if len(l) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vals := make([]cty.Value, len(l))
	for i, s := range l {
		vals[i] = cty.StringVal(s)
	}
	return cty.ListVal(vals)
}

// object is m as an HCL object, each value made by val.
func object[V any](m map[string]V, val func(V) cty.Value) cty.Value {
	attrs := map[string]cty.Value{}
	for k, v := range m {
		attrs[k] = val(v)
	}
	return cty.ObjectVal(attrs)
}
