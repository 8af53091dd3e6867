package runbook

import (
	"bufio"
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// hclText renders diags with hcl's own writer.
func hclText(rb *Runbook, diags hcl.Diagnostics, color bool) string {
	var buf bytes.Buffer
	_ = hcl.NewDiagnosticTextWriter(&buf, rb.HCLFiles, 100, color).WriteDiagnostics(diags)
	return buf.String()
}

// asHCL rewrites our "on f:12:5" as hcl's "on f line 12".
var positionRE = regexp.MustCompile(`(?m)^(  on \S+):(\d+):\d+(, in |:$)`)

func asHCL(s string) string { return positionRE.ReplaceAllString(s, "$1 line $2$3") }

// TestWriteDiagnosticsMatchesHCL: but for file:line:col, the text is what
// hcl's writer produces, for every invalid fixture, in color and not
// (but those with lines too long to show whole, see maxLineShown).
func TestWriteDiagnosticsMatchesHCL(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*.hcl")
	for _, f := range files {
		rb, diags := Load(DirFS(""), filepath.ToSlash(f), testRegistry())
		if src, _ := rb.Source(filepath.ToSlash(f)); slices.ContainsFunc(strings.Split(string(src), "\n"), func(l string) bool { return len(l) > maxLineShown }) {
			continue
		}
		for _, color := range []bool{false, true} {
			var buf bytes.Buffer
			if err := WriteDiagnostics(&buf, rb, nil, diags, color); err != nil {
				t.Fatal(err)
			}
			if got, want := asHCL(buf.String()), hclText(rb, diags, color); got != want {
				t.Errorf("%s (color %v):\n--- ours\n%s\n--- hcl's\n%s", f, color, got, want)
			}
		}
	}
}

// TestWriteDiagnosticsValues: a diagnostic about an expression shows the
// values it refers to, as hcl's writer does.
func TestWriteDiagnosticsValues(t *testing.T) {
	src := []byte("a = var.x + var.y[0] + var.z + var.s\n")
	rb, _ := Load(FromFS(fstest.MapFS{"v.hcl": {Data: src}}), "v.hcl", testRegistry())
	rng := hcl.Range{Filename: "v.hcl", Start: hcl.Pos{Line: 1, Column: 5, Byte: 4}, End: hcl.Pos{Line: 1, Column: 10, Byte: 9}}
	expr := rb.HCLFiles["v.hcl"].Body.(interface {
		JustAttributes() (hcl.Attributes, hcl.Diagnostics)
	})
	attrs, _ := expr.JustAttributes()
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{
		"x": cty.NumberIntVal(1), "y": cty.ListVal([]cty.Value{cty.StringVal("a")}),
		"z": cty.NullVal(cty.String), "s": cty.ObjectVal(map[string]cty.Value{"k": cty.True}),
	})}}
	diags := hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Bad", Subject: &rng, Expression: attrs["a"].Expr, EvalContext: ctx}}
	var buf bytes.Buffer
	_ = WriteDiagnostics(&buf, rb, nil, diags, false)
	if got, want := asHCL(buf.String()), hclText(rb, diags, false); got != want {
		t.Errorf("--- ours\n%s\n--- hcl's\n%s", got, want)
	}
	if !strings.Contains(buf.String(), "with var.s as object with 1 attribute \"k\",") {
		t.Errorf("no values:\n%s", buf.String())
	}
}

// manyDiagnostics is a runbook of n checks of an unknown step type, and its
// diagnostics (every one an error, unlimited).
func manyDiagnostics(n int) (*Runbook, hcl.Diagnostics) {
	var b strings.Builder
	b.WriteString("runbook \"many\" {}\n")
	for i := range n {
		fmt.Fprintf(&b, "\ncheck \"c%d\" {\n  uses = \"nope\"\n}\n", i)
	}
	rb, _ := Load(FromFS(fstest.MapFS{"many.hcl": {Data: []byte(b.String())}}), "many.hcl", testRegistry())
	var diags hcl.Diagnostics
	for i := range n {
		line := 4 + 4*i
		rng := hcl.Range{Filename: "many.hcl", Start: hcl.Pos{Line: line, Column: 10, Byte: 0}, End: hcl.Pos{Line: line, Column: 16}}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown step type", Detail: "There is no step type named \"nope\".", Subject: &rng})
	}
	src, _ := rb.Source("many.hcl")
	starts := lineStarts(src)
	for _, d := range diags {
		d.Subject.Start.Byte = starts[d.Subject.Start.Line-1] + 9
		d.Subject.End.Byte = d.Subject.Start.Byte + 6
	}
	return rb, diags
}

// BenchmarkWriteDiagnostics2000 renders 2,000 diagnostics of one file as
// text, every one (no limit), as hcl's writer took quadratic time to.
func BenchmarkWriteDiagnostics2000(b *testing.B) {
	rb, diags := manyDiagnostics(2000)
	tw := &textWriter{rb: rb, lines: map[string][]int{}}
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		tw.w, tw.lines = bufioWriter(&buf), map[string][]int{}
		for _, d := range diags {
			tw.diagnostic(d)
		}
		_ = tw.w.Flush()
	}
}

// TestWriteDiagnosticsLinear: 2,000 diagnostics render in well under a
// second, and are limited to MaxDiagnostics and a count of the rest.
func TestWriteDiagnosticsLinear(t *testing.T) {
	rb, diags := manyDiagnostics(2000)
	start := time.Now()
	var buf bytes.Buffer
	if err := WriteDiagnostics(&buf, rb, nil, diags, false); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v", d)
	}
	out := buf.String()
	if n := strings.Count(out, "Error: Unknown step type"); n != MaxDiagnostics {
		t.Errorf("%d errors shown", n)
	}
	if !strings.Contains(out, "Error: And 1900 more errors\n\n  on many.hcl:404:10, in check \"c100\":") {
		t.Errorf("no count of the rest:\n%s", out[len(out)-600:])
	}
}

func TestLimitDiagnostics(t *testing.T) {
	diag := func(sev hcl.DiagnosticSeverity, line int) *hcl.Diagnostic {
		return &hcl.Diagnostic{Severity: sev, Summary: "x", Subject: &hcl.Range{Filename: "f", Start: hcl.Pos{Line: line}}}
	}
	many := func(errs, warns int) hcl.Diagnostics {
		var out hcl.Diagnostics
		for i := range max(errs, warns) {
			if i < errs {
				out = append(out, diag(hcl.DiagError, i))
			}
			if i < warns {
				out = append(out, diag(hcl.DiagWarning, i))
			}
		}
		return out
	}
	tests := []struct {
		errs, warns int
		want        string // the last diagnostic's summary, "" when unchanged
		wantLen     int
		sev         hcl.DiagnosticSeverity
	}{
		{100, 100, "", 200, 0},
		{101, 0, "And 1 more error", 101, hcl.DiagError},
		{0, 250, "And 150 more warnings", 101, hcl.DiagWarning},
		{300, 102, "And 200 more errors and 2 more warnings", 201, hcl.DiagError},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.errs, tt.warns), func(t *testing.T) {
			in := many(tt.errs, tt.warns)
			got := LimitDiagnostics(in)
			if len(got) != tt.wantLen {
				t.Fatalf("%d diagnostics", len(got))
			}
			if tt.want == "" {
				return
			}
			last := got[len(got)-1]
			if last.Summary != tt.want || last.Severity != tt.sev || last.Subject == nil {
				t.Fatalf("last %+v", last)
			}
			if again := LimitDiagnostics(got); len(again) != len(got) {
				t.Fatalf("limiting again gives %d", len(again))
			}
		})
	}
}

func bufioWriter(buf *bytes.Buffer) *bufio.Writer { return bufio.NewWriter(buf) }

// TestWriteDiagnosticsBounded: a diagnostic on a huge line, in a block of
// a huge label, spanning many lines, writes a bounded amount of text.
func TestWriteDiagnosticsBounded(t *testing.T) {
	label := strings.Repeat("é", 5000)
	src := "check \"" + label + "\" {\n  uses = [" + strings.Repeat("1, ", 100000) + "]\n" + strings.Repeat("  # x\n", 1000) + "}\n"
	rb, _ := Load(FromFS(fstest.MapFS{"b.hcl": {Data: []byte(src)}}), "b.hcl", testRegistry())
	f := rb.HCLFiles["b.hcl"]
	end := len(src) - 2
	diags := hcl.Diagnostics{
		{Severity: hcl.DiagError, Summary: "On a long line", Subject: &hcl.Range{Filename: "b.hcl", Start: hcl.Pos{Line: 2, Column: 200000, Byte: len(label) + 12 + 200000}, End: hcl.Pos{Line: 2, Column: 200001, Byte: len(label) + 12 + 200001}}},
		{Severity: hcl.DiagError, Summary: "Over many lines", Subject: &hcl.Range{Filename: "b.hcl", Start: hcl.Pos{Line: 1, Column: 1, Byte: 0}, End: hcl.Pos{Line: 1003, Column: 1, Byte: end}}},
	}
	var buf bytes.Buffer
	if err := WriteDiagnostics(&buf, rb, map[string]*hcl.File{"b.hcl": f}, diags, true); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if len(out) > 20*maxLineShown+2000 || !utf8.ValidString(out) {
		t.Fatalf("%d bytes:\n%.3000s", len(out), out)
	}
	for _, want := range []string{"   2: ...", "...\n", "(and more lines)", `in check "` + strings.Repeat("é", 40) + `..."`} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%.3000s", want, out)
		}
	}
}
