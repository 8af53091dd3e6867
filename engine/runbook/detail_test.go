package runbook

import (
	"strings"
	"testing"
)

// TestDetails checks the wording that matters in a few diagnostics: did
// you mean, cycle paths, both places of a duplicate.
func TestDetails(t *testing.T) {
	tests := map[string][]string{
		"unknown_block.hcl":         {`Did you mean "check"?`},
		"unknown_attribute.hcl":     {`Did you mean "title"?`, `Did you mean "server"?`, `Did you mean "when"?`},
		"undeclared_references.hcl": {`Did you mean "site_code"?`, `Did you mean "site"?`, `Did you mean "site_type"?`},
		"unknown_uses.hcl":          {`Did you mean "site_fact"?`},
		"cycle.hcl":                 {"step.a -> step.c -> step.b -> step.a"},
		"self_dependency.hcl":       {"step.a -> step.a"},
		"duplicates.hcl":            {"already declared at testdata/invalid/duplicates.hcl:3,1", "already declared at testdata/invalid/duplicates.hcl:24,1 (check)"},
		"include_cycle.hcl":         {"testdata/invalid/lib/cycle_a.hcl -> testdata/invalid/lib/cycle_b.hcl -> testdata/invalid/lib/cycle_a.hcl"},
		"sensitive.hcl":             {"var.sql_password", "local.conn", "step.login.output.healthy"},
		"targets.hcl":               {"(s1, s2)"},
	}
	for file, wants := range tests {
		rb, diags := Load(DirFS(""), "testdata/invalid/"+file, testRegistry())
		text := ""
		for _, d := range diags {
			text += d.Summary + ": " + d.Detail + "\n"
		}
		_ = rb
		for _, w := range wants {
			if !strings.Contains(text, w) {
				t.Errorf("%s: diagnostics lack %q:\n%s", file, w, text)
			}
		}
	}
}

func TestDiagnosticsSortedAndJSON(t *testing.T) {
	_, diags := Load(DirFS(""), "testdata/invalid/wrong_types.hcl", testRegistry())
	for i := 1; i < len(diags); i++ {
		a, b := diags[i-1].Subject, diags[i].Subject
		if a.Start.Line > b.Start.Line || a.Start.Line == b.Start.Line && a.Start.Column > b.Start.Column {
			t.Errorf("not sorted: %d:%d before %d:%d", a.Start.Line, a.Start.Column, b.Start.Line, b.Start.Column)
		}
	}
	js, err := DiagnosticsJSON(diags)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), `"snippet": "  timeout = 5 # ERROR: Incorrect value type"`) {
		t.Errorf("snippet missing:\n%s", js)
	}
}
