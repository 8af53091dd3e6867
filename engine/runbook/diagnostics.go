package runbook

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// WriteDiagnostics writes diagnostics as text, as hcl's writer does but
// in time linear in the diagnostics and the files (each file's lines are
// indexed once) and with file:line:col: severity and summary, where
// ("on rb.hcl:12:5, in check "x":"), the source lines, the detail wrapped
// at 100 columns. It writes at most what LimitDiagnostics keeps. Sources
// come from files, then rb's parsed files, then rb's sources (rb may be
// nil).
func WriteDiagnostics(w io.Writer, rb *Runbook, files map[string]*hcl.File, diags hcl.Diagnostics, color bool) error {
	tw := &textWriter{w: bufio.NewWriter(w), rb: rb, files: files, color: color, lines: lineIndex{}}
	for _, d := range LimitDiagnostics(diags) {
		tw.diagnostic(d)
	}
	return tw.w.Flush()
}

// MaxDiagnostics bounds the errors, and apart the warnings, that
// LimitDiagnostics keeps.
const MaxDiagnostics = 100

// LimitDiagnostics keeps the first MaxDiagnostics errors and the first
// MaxDiagnostics warnings of diags, in order, and then one diagnostic that
// counts the others, located at the first of them (an error when any of
// them is). It returns diags itself when none is over.
func LimitDiagnostics(diags hcl.Diagnostics) hcl.Diagnostics {
	var out hcl.Diagnostics
	var kept, omitted [2]int
	var first *hcl.Diagnostic
	for _, d := range diags {
		switch i := sevIndex(d); {
		case isOmission(d):
		case kept[i] < MaxDiagnostics:
			kept[i]++
			out = append(out, d)
		default:
			omitted[i]++
			if first == nil {
				first = d
			}
		}
	}
	if first == nil {
		return diags
	}
	return append(out, omission(first, omitted[0], omitted[1]))
}

func sevIndex(d *hcl.Diagnostic) int {
	if d.Severity == hcl.DiagError {
		return 0
	}
	return 1
}

// omissionExtra marks the diagnostic that counts those LimitDiagnostics left out.
type omissionExtra struct{}

func isOmission(d *hcl.Diagnostic) bool {
	_, ok := hcl.DiagnosticExtra[omissionExtra](d)
	return ok
}

func omission(first *hcl.Diagnostic, errs, warns int) *hcl.Diagnostic {
	var parts []string
	sev := hcl.DiagWarning
	if errs > 0 {
		parts, sev = append(parts, countText(errs, "", "%d more error")), hcl.DiagError
	}
	if warns > 0 {
		parts = append(parts, countText(warns, "", "%d more warning"))
	}
	return &hcl.Diagnostic{
		Severity: sev,
		Summary:  "And " + strings.Join(parts, " and "),
		Detail: fmt.Sprintf("baton shows the first %d errors and the first %d warnings; the next one not shown is here. Fix these and check again to see the rest.",
			MaxDiagnostics, MaxDiagnostics),
		Subject: first.Subject,
		Extra:   omissionExtra{},
	}
}

// JSONDiagnostic is one diagnostic in DiagnosticsJSON's output.
type JSONDiagnostic struct {
	Severity string     `json:"severity"` // "error" or "warning"
	Summary  string     `json:"summary"`
	Detail   string     `json:"detail,omitempty"`
	Range    *JSONRange `json:"range,omitempty"`
	// Snippet is the source text of the range's lines, when known (for
	// diagnostics from Load).
	Snippet string `json:"snippet,omitempty"`
}

// JSONRange is a source range; lines and columns start at 1, bytes at 0.
type JSONRange struct {
	Filename string  `json:"filename"`
	Start    JSONPos `json:"start"`
	End      JSONPos `json:"end"`
}

// JSONPos is a position in a file.
type JSONPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

// DiagnosticsJSON renders diagnostics as a stable JSON array, in the order
// given (Load returns them sorted by file, line and column).
func DiagnosticsJSON(diags hcl.Diagnostics) ([]byte, error) {
	out := make([]JSONDiagnostic, 0, len(diags))
	for _, d := range diags {
		jd := JSONDiagnostic{Severity: "error", Summary: d.Summary, Detail: d.Detail}
		if d.Severity == hcl.DiagWarning {
			jd.Severity = "warning"
		}
		if r := d.Subject; r != nil {
			jd.Range = &JSONRange{
				Filename: r.Filename,
				Start:    JSONPos{r.Start.Line, r.Start.Column, r.Start.Byte},
				End:      JSONPos{r.End.Line, r.End.Column, r.End.Byte},
			}
		}
		if s, ok := hcl.DiagnosticExtra[*snippetExtra](d); ok {
			jd.Snippet = s.snippet
		}
		out = append(out, jd)
	}
	return json.MarshalIndent(out, "", "  ")
}

// snippetExtra carries a diagnostic's source lines to DiagnosticsJSON,
// wrapping whatever Extra the diagnostic had.
type snippetExtra struct {
	snippet string
	wrapped any
}

func (e *snippetExtra) UnwrapDiagnosticExtra() any { return e.wrapped }

// attachSnippets records, on each diagnostic whose subject source finds, the
// text of the subject's lines (at most 3). Each file's lines are indexed
// once, so many diagnostics on a large file stay cheap.
func attachSnippets(diags hcl.Diagnostics, source func(file string) ([]byte, bool)) {
	index := lineIndex{}
	for _, d := range diags {
		if d.Subject == nil {
			continue
		}
		src, ok := source(d.Subject.Filename)
		if !ok {
			continue
		}
		starts := index.of(d.Subject.Filename, src)
		if s := snippet(src, starts, d.Subject.Start.Line, d.Subject.End.Line); s != "" {
			d.Extra = &snippetExtra{snippet: s, wrapped: d.Extra}
		}
	}
}

// lineIndex holds the line starts of each file (see lineStarts), so that
// many diagnostics on a large file index it once.
type lineIndex map[string][]int

func (x lineIndex) of(name string, src []byte) []int {
	starts, ok := x[name]
	if !ok {
		starts = lineStarts(src)
		x[name] = starts
	}
	return starts
}

// lineStarts returns the offset of every line's first byte.
func lineStarts(src []byte) []int {
	starts := []int{0}
	for i := 0; ; {
		j := bytes.IndexByte(src[i:], '\n')
		if j < 0 {
			return starts
		}
		i += j + 1
		starts = append(starts, i)
	}
}

// snippet returns lines from..to (1-based, at most three) of src, given
// its line starts.
func snippet(src []byte, starts []int, from, to int) string {
	if from < 1 || from > len(starts) {
		return ""
	}
	to = min(max(to, from), from+2, len(starts))
	lines := make([]string, 0, to-from+1)
	for i := from - 1; i < to; i++ {
		start, end := lineBounds(src, starts, i)
		lines = append(lines, string(src[start:end]))
	}
	return strings.Join(lines, "\n")
}
