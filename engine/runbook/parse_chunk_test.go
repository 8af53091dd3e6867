package runbook

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/batonhq/baton/engine/lang"
	"github.com/batonhq/baton/steps"
	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// forceParallel makes Load chunk every file into tiny pieces and spread
// every per-item phase over goroutines, until the test ends.
func forceParallel(t testing.TB, chunk int) {
	oldMin, oldSize, oldPar := chunkedParseMin, parseChunkSize, parallelMin
	chunkedParseMin, parseChunkSize, parallelMin = 0, chunk, 2
	t.Cleanup(func() { chunkedParseMin, parseChunkSize, parallelMin = oldMin, oldSize, oldPar })
}

// loadSummary renders what Load made of a runbook: its diagnostics as the
// CLI prints them (with snippets and "in step ..." context) and each step
// with its class, type, dependencies and decoded arguments.
func loadSummary(t testing.TB, fsys FS, name string) string {
	rb, diags := Load(fsys, name, testRegistry())
	var b strings.Builder
	if err := WriteDiagnostics(&b, rb, nil, diags, false); err != nil {
		t.Fatal(err)
	}
	for _, s := range rb.Steps {
		fmt.Fprintf(&b, "%s %s %s deps=%v asserts=%d sensitive=%v\n", s.Class, s.Name, s.Uses, s.Deps, len(s.Asserts), s.SensitiveOutput)
	}
	return b.String()
}

// TestParallelLoadMatchesSerial loads every test and shipped runbook twice,
// once ordinarily and once with chunked parsing and parallel phases forced,
// and requires identical results.
func TestParallelLoadMatchesSerial(t *testing.T) {
	var names []string
	for _, pattern := range []string{"testdata/invalid/*.hcl", "testdata/valid/*", "../../runbooks/*.hcl"} {
		m, _ := filepath.Glob(pattern)
		names = append(names, m...)
	}
	if len(names) < 35 {
		t.Fatalf("only %d runbooks found", len(names))
	}
	serial := map[string]string{}
	for _, n := range names {
		serial[n] = loadSummary(t, DirFS(""), filepath.ToSlash(n))
	}
	for _, chunk := range []int{1, 64, 512} {
		t.Run(fmt.Sprint("chunk", chunk), func(t *testing.T) {
			forceParallel(t, chunk)
			for _, n := range names {
				if diff := cmp.Diff(serial[n], loadSummary(t, DirFS(""), filepath.ToSlash(n))); diff != "" {
					t.Errorf("%s: parallel load differs (-serial +parallel):\n%s", n, diff)
				}
			}
		})
	}
}

// TestBigRunbookParallel checks the parallel path on a runbook big enough
// to take it without forcing, against a forced-serial load.
func TestBigRunbookParallel(t *testing.T) {
	fsys := FromFS(fstest.MapFS{"big.hcl": {Data: bigRunbook(1500)}})
	parallel := loadSummary(t, fsys, "big.hcl")
	oldMin, oldPar := chunkedParseMin, parallelMin
	chunkedParseMin, parallelMin = 1<<40, 1<<40
	defer func() { chunkedParseMin, parallelMin = oldMin, oldPar }()
	if diff := cmp.Diff(loadSummary(t, fsys, "big.hcl"), parallel); diff != "" {
		t.Errorf("parallel load differs (-serial +parallel):\n%s", diff)
	}
}

// shape renders a parsed body's structure with every range, for comparing
// a chunked parse with an ordinary one.
func shape(b *hclsyntax.Body, indent string, out *strings.Builder) {
	fmt.Fprintf(out, "%sbody %v end %v\n", indent, b.SrcRange, b.EndRange)
	attrs := hcl.Attributes{}
	for n, a := range b.Attributes {
		attrs[n] = a.AsHCLAttribute()
	}
	for _, a := range sortedAttrs(attrs) {
		fmt.Fprintf(out, "%s%s %v expr %v\n", indent, a.Name, a.Range, a.Expr.Range())
	}
	for _, blk := range b.Blocks {
		fmt.Fprintf(out, "%s%s %q %v\n", indent, blk.Type, blk.Labels, blk.DefRange())
		shape(blk.Body, indent+"  ", out)
	}
}

// topLevelCuts are the cuts parseConfig would make in src, pieces of about
// size bytes.
func topLevelCuts(src []byte, size int) []int {
	cuts, _ := lang.CheckConfigCuts(src, "f.hcl", hcl.InitialPos, size)
	return cuts
}

// checkChunked parses src whole and in pieces cut at topLevelCuts's
// proposals; when the chunked parse succeeds it must equal the whole one.
func checkChunked(t testing.TB, src []byte, size int) bool {
	whole, wdiags := hclsyntax.ParseConfig(src, "f.hcl", hcl.InitialPos)
	cuts := topLevelCuts(src, size)
	got := parseChunked(src, "f.hcl", cuts, nil)
	if got == nil {
		return false
	}
	if wdiags.HasErrors() {
		t.Fatalf("chunked parse at %v succeeded where the whole file fails: %s", cuts, wdiags.Error())
	}
	var a, b strings.Builder
	shape(whole.Body.(*hclsyntax.Body), "", &a)
	shape(got.Body.(*hclsyntax.Body), "", &b)
	if diff := cmp.Diff(a.String(), b.String()); diff != "" {
		t.Fatalf("chunked parse at %v differs (-whole +chunked):\n%s", cuts, diff)
	}
	if !bytes.Equal(got.Bytes, src) {
		t.Fatal("chunked file lost its bytes")
	}
	return true
}

func TestTopLevelCuts(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		cuts    int  // how many cuts splitTopLevel proposes with size 1
		chunked bool // whether the chunked parse is used (else fallback)
	}{
		{"blocks", "a {\n}\nb {\n  x = 1\n}\nc {\n}\n", 2, true},
		{"braces in strings", "a {\n  x = \"}\\\"{\"\n}\nb {\n}\n", 1, true},
		{"template", "a {\n  x = \"${ {k = \"}\"}.k }\"\n}\nb {\n}\n", 1, true},
		{"escaped interpolation", "a {\n  x = \"$${\"\n}\nb {\n}\n", 1, true},
		{"heredoc", "a {\n  x = <<EOT\n}\nb {\nEOT\n}\nc {\n}\n", 1, true},
		{"indented heredoc", "a {\n  x = <<-EOT\n  }\n  EOT\n}\nb {\n}\n", 1, true},
		{"comments", "# {\na {\n  // {\n  /* } \n } */\n}\nb {\n}\n", 2, true},
		{"top attributes", "x = 1\ny = [\n  1,\n]\nz = 2\n", 2, true},
		{"duplicate top attribute", "x = 1\nx = 2\n", 1, false},
		{"unclosed comment", "a {\n}\n/* {\n", 0, false},
		{"unbalanced", "}\na {\n}\n", 1, false}, // the stray } fails its piece
		{"error in piece", "a {\n}\nb {\n  x = \n}\n", 1, false},
		{"heredoc never closed", "a {\n  x = <<EOT\n}\n", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cuts := topLevelCuts([]byte(tc.src), 1)
			if len(cuts) != tc.cuts {
				t.Errorf("cuts %v, want %d", cuts, tc.cuts)
			}
			if got := checkChunked(t, []byte(tc.src), 1); got != tc.chunked {
				t.Errorf("chunked parse used: %v, want %v", got, tc.chunked)
			}
		})
	}
}

// FuzzChunkedParse: whatever the input, a chunked parse either declines
// (and the caller parses the whole file) or equals the ordinary parse.
func FuzzChunkedParse(f *testing.F) {
	seedCorpus(f)
	f.Add(bigRunbook(20))
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, size := range []int{1, 16, 256} {
			checkChunked(t, src, size)
		}
	})
}

func BenchmarkParseChunked10k(b *testing.B) {
	src := bigRunbook(10000)
	for _, size := range []int{256, 1 << 10, 4 << 10, 32 << 10} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			b.ReportAllocs()
			cuts := topLevelCuts(src, size)
			for b.Loop() {
				if f := parseChunked(src, "big.hcl", cuts, nil); f == nil {
					b.Fatal("fallback")
				}
			}
		})
	}
}

func TestShippedRunbooksChunk(t *testing.T) {
	files, _ := filepath.Glob("../../runbooks/*.hcl")
	lib, _ := filepath.Glob("../../runbooks/lib/*.hcl")
	for _, f := range append(files, lib...) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !checkChunked(t, src, 1) {
			t.Errorf("%s: chunked parse declined a valid file", f)
		}
	}
}

// panickyKind's Spec panics: a bug in a step type, which Load must turn
// into a diagnostic without a stack trace, also from a parallel worker.
type panickyKind struct{ fakeKind }

func (panickyKind) Spec() hcldec.Spec { panic("spec exploded") }

func TestInternalErrorHasNoStackTrace(t *testing.T) {
	for _, parallel := range []bool{false, true} {
		t.Run(fmt.Sprint("parallel=", parallel), func(t *testing.T) {
			if parallel {
				forceParallel(t, 64)
			}
			reg := testRegistry()
			reg.Register(&panickyKind{fakeKind{name: "panicky", effect: steps.ReadOnly, out: cty.DynamicPseudoType}})
			src := "runbook \"t\" {}\ncheck \"a\" {\n  uses = \"panicky\"\n}\ncheck \"b\" {\n  uses = \"panicky\"\n}\n"
			_, diags := Load(FromFS(fstest.MapFS{"r.hcl": {Data: []byte(src)}}), "r.hcl", reg)
			var found bool
			for _, d := range diags {
				if d.Summary != "Internal error" {
					continue
				}
				found = true
				if strings.Contains(d.Detail, "goroutine") || strings.Contains(d.Detail, ".go:") {
					t.Errorf("the diagnostic shows a stack trace:\n%s", d.Detail)
				}
				if !strings.Contains(d.Detail, "spec exploded") || d.Subject == nil || d.Subject.Filename != "r.hcl" {
					t.Errorf("diagnostic %+v", d)
				}
				if st := InternalErrorStack(d); !strings.Contains(st, "goroutine") {
					t.Errorf("no stack kept for the log: %q", st)
				}
			}
			if !found {
				t.Fatalf("no internal error: %v", diags)
			}
		})
	}
}
