package runbook

import (
	"bytes"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

func writeDiags(t *testing.T, rb *Runbook, diags hcl.Diagnostics) string {
	t.Helper()
	var buf bytes.Buffer
	files := map[string]*hcl.File{}
	if rb != nil {
		files = rb.HCLFiles
	}
	wr := hcl.NewDiagnosticTextWriter(&buf, files, 100, false)
	_ = wr.WriteDiagnostics(diags)
	return buf.String()
}

func TestLoadPromotion(t *testing.T) {
	rb, diags := Load(DirFS("testdata/valid"), "promotion", testRegistry())
	if diags.HasErrors() || len(diags) > 0 {
		t.Fatalf("diagnostics:\n%s", writeDiags(t, rb, diags))
	}
	if rb.Graph == nil {
		t.Fatal("no graph")
	}
	t.Log(rb.Graph.Order())
	for _, s := range rb.Steps {
		t.Log(s.Name, s.Class, s.Deps, s.Target, s.SensitiveOutput)
	}
}
