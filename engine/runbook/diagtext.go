package runbook

import (
	"bufio"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	wordwrap "github.com/mitchellh/go-wordwrap"
	"github.com/zclconf/go-cty/cty"
)

// textWriter renders diagnostics as hcl's text writer does (its layout,
// its rules for which lines to show), without scanning a file from its
// start for every diagnostic: lines are indexed once per file.
type textWriter struct {
	w     *bufio.Writer
	rb    *Runbook
	files map[string]*hcl.File
	color bool
	lines lineIndex
}

// snippetLines bounds the source lines shown for one diagnostic, and
// maxLabelShown the bytes of a block label naming where it is.
const (
	snippetLines  = 20
	maxLabelShown = 80
)

func (tw *textWriter) diagnostic(d *hcl.Diagnostic) {
	sev, color := "Error", "\x1b[31m"
	if d.Severity == hcl.DiagWarning {
		sev, color = "Warning", "\x1b[33m"
	}
	if tw.color {
		sev = color + sev + "\x1b[0m"
	}
	fmt.Fprintf(tw.w, "%s: %s\n\n", sev, d.Summary)
	if d.Subject != nil {
		tw.source(d)
		tw.values(d)
	}
	if d.Detail != "" {
		fmt.Fprintf(tw.w, "%s\n\n", wordwrap.WrapString(d.Detail, 100))
	}
}

// file returns the bytes and the parsed form (nil if unknown) of a file.
func (tw *textWriter) file(name string) ([]byte, *hcl.File) {
	f := tw.files[name]
	if f == nil && tw.rb != nil {
		f = tw.rb.HCLFiles[name]
	}
	if f != nil && f.Bytes != nil {
		return f.Bytes, f
	}
	if tw.rb != nil {
		if src, ok := tw.rb.Source(name); ok {
			return src, f
		}
	}
	return nil, f
}

// source writes where the diagnostic is and the source lines it covers.
func (tw *textWriter) source(d *hcl.Diagnostic) {
	s := d.Subject
	src, f := tw.file(s.Filename)
	if src == nil {
		fmt.Fprintf(tw.w, "  on %s:%d:%d:\n  (source code not available)\n\n", s.Filename, s.Start.Line, s.Start.Column)
		return
	}
	where := ""
	if c := tw.context(s.Filename, f, s.Start.Byte); c != "" {
		where = ", in " + c
	}
	fmt.Fprintf(tw.w, "  on %s:%d:%d%s:\n", s.Filename, s.Start.Line, s.Start.Column, where)
	tw.snippet(d, src)
	tw.w.WriteByte('\n')
}

// snippet writes the lines of src that overlap the subject and context,
// with the subject highlighted when in color.
func (tw *textWriter) snippet(d *hcl.Diagnostic, src []byte) {
	snip, high := *d.Subject, *d.Subject
	if d.Context != nil {
		snip = hcl.RangeOver(snip, *d.Context)
	}
	// An empty range is shown as one character, as hcl does.
	if snip.Empty() {
		snip.End.Byte++
	}
	if high.Empty() {
		high.End.Byte++
	}
	starts := tw.lines.of(d.Subject.Filename, src)
	first := max(sort.SearchInts(starts, snip.Start.Byte+1)-1, 0)
	shown := 0
	for i := first; i < len(starts) && starts[i] <= snip.End.Byte; i++ {
		ls, le := lineBounds(src, starts, i)
		line := hcl.Range{Filename: snip.Filename, Start: hcl.Pos{Byte: ls}, End: hcl.Pos{Byte: le}}
		if !line.Overlaps(snip) {
			continue // an empty line (hcl never shows one) or one outside snip
		}
		if shown == snippetLines {
			fmt.Fprintf(tw.w, "%4s  (and more lines)\n", "")
			return
		}
		shown++
		tw.line(i+1, src, ls, le, high)
	}
}

// context names the top-level block around offset (check "x"), as hcl's
// navigation does, by a binary search of the file's blocks.
func (tw *textWriter) context(name string, f *hcl.File, offset int) string {
	if f == nil {
		return ""
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		if cs, ok := f.Nav.(interface{ ContextString(int) string }); ok {
			return cs.ContextString(offset)
		}
		return ""
	}
	i := sort.Search(len(body.Blocks), func(i int) bool { return body.Blocks[i].Range().Start.Byte > offset }) - 1
	if i < 0 || !body.Blocks[i].Range().ContainsOffset(offset) {
		return ""
	}
	b := body.Blocks[i]
	var sb strings.Builder
	sb.WriteString(b.Type)
	for _, label := range b.Labels {
		if len(label) > maxLabelShown {
			label = string(label[:runeStart([]byte(label), maxLabelShown)]) + "..."
		}
		fmt.Fprintf(&sb, " %q", label)
	}
	return sb.String()
}

// lineBounds is line i's byte range, without its newline (and \r).
func lineBounds(src []byte, starts []int, i int) (start, end int) {
	start, end = starts[i], len(src)
	if i+1 < len(starts) {
		end = starts[i+1] - 1
	}
	if end > start && src[end-1] == '\r' {
		end--
	}
	return start, end
}

// maxLineShown bounds the bytes shown of one source line: a longer one is
// shown around the subject, cut with "...".
const maxLineShown = 400

// line writes one numbered source line, the part in high highlighted.
func (tw *textWriter) line(n int, src []byte, start, end int, high hcl.Range) {
	hs, he := min(max(high.Start.Byte, start), end), min(max(high.End.Byte, start), end)
	pre, post := "", ""
	if end-start > maxLineShown {
		from := runeStart(src, max(start, hs-maxLineShown/4))
		to := runeStart(src, min(end, from+maxLineShown))
		if from > start {
			pre = "..."
		}
		if to < end {
			post = "..."
		}
		start, end = from, to
		hs, he = min(max(hs, start), end), min(max(he, start), end)
	}
	if !tw.color || hs >= he {
		fmt.Fprintf(tw.w, "%4d: %s%s%s\n", n, pre, src[start:end], post)
		return
	}
	fmt.Fprintf(tw.w, "%4d: %s%s\x1b[1;4m%s\x1b[0m%s%s\n", n, pre, src[start:hs], src[hs:he], src[he:end], post)
}

// runeStart moves offset i back to the start of the character it is in.
func runeStart(src []byte, i int) int {
	for i > 0 && i < len(src) && !utf8.RuneStart(src[i]) {
		i--
	}
	return i
}

// values writes, for a diagnostic about an expression evaluated in a
// context, the known values of the variables it refers to, as hcl does.
func (tw *textWriter) values(d *hcl.Diagnostic) {
	if d.Expression == nil || d.EvalContext == nil {
		return
	}
	var stmts []string
	seen := map[string]bool{}
	for _, t := range d.Expression.Variables() {
		val, diags := t.TraverseAbs(d.EvalContext)
		name := TraversalText(t, keyText)
		if diags.HasErrors() || seen[name] || !val.IsKnown() || val.IsMarked() && !val.IsNull() {
			continue
		}
		seen[name] = true
		if val.IsNull() {
			stmts = append(stmts, name+" set to null")
		} else {
			stmts = append(stmts, name+" as "+valueText(val))
		}
	}
	if len(stmts) > 0 {
		slices.Sort(stmts)
		tw.w.WriteString("with " + strings.Join(stmts, ",\n     ") + ".\n\n")
	}
}

// keyText renders an index key as hcl's writer does.
func keyText(k cty.Value) string {
	if k.Type().IsPrimitiveType() {
		return valueText(k)
	}
	return "..."
}

// valueText describes a value briefly, as hcl's writer does.
func valueText(v cty.Value) string {
	ty := v.Type()
	switch {
	case v.IsNull():
		return "null"
	case !v.IsKnown():
		return "(not yet known)"
	case ty == cty.Bool:
		return fmt.Sprint(v.True())
	case ty == cty.Number:
		return v.AsBigFloat().Text('g', 10)
	case ty == cty.String:
		return fmt.Sprintf("%q", v.AsString())
	case ty.IsCollectionType() || ty.IsTupleType():
		return countText(v.LengthInt(), "empty "+ty.FriendlyName(), ty.FriendlyName()+" with %d element")
	case ty.IsObjectType():
		names := slices.Collect(maps.Keys(ty.AttributeTypes()))
		if len(names) == 1 {
			return fmt.Sprintf("object with 1 attribute %q", names[0])
		}
		return countText(len(names), "object with no attributes", "object with %d attribute")
	}
	return ty.FriendlyName()
}

// countText is format with n ("%d more error"), plural past 1; zero for 0.
func countText(n int, zero, format string) string {
	switch n {
	case 0:
		return zero
	case 1:
		return fmt.Sprintf(format, 1)
	}
	return fmt.Sprintf(format+"s", n)
}
