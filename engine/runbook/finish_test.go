package runbook

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
)

// TestDiagnosticOrder: diagnostics come without a place first, then by
// file in load order (files never loaded after them, by name), line and
// column; exact duplicates go.
func TestDiagnosticOrder(t *testing.T) {
	at := func(file string, line, col int) *hcl.Diagnostic {
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "x", Subject: &hcl.Range{Filename: file,
			Start: hcl.Pos{Line: line, Column: col, Byte: line*100 + col}}}
	}
	l := &loader{rb: &Runbook{Files: []string{"main.hcl", "lib/a.hcl"}}, diags: hcl.Diagnostics{
		at("z.hcl", 1, 1), at("lib/a.hcl", 2, 1), at("b.hcl", 9, 1), at("main.hcl", 3, 2), at("main.hcl", 3, 1),
		{Severity: hcl.DiagError, Summary: "nowhere"}, at("lib/a.hcl", 2, 1),
	}}
	var got []string
	for _, d := range l.finish() {
		if d.Subject == nil {
			got = append(got, d.Summary)
			continue
		}
		got = append(got, fmt.Sprintf("%s:%d,%d", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column))
	}
	want := []string{"nowhere", "main.hcl:3,1", "main.hcl:3,2", "lib/a.hcl:2,1", "b.hcl:9,1", "z.hcl:1,1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}
