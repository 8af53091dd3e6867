package runbook

import (
	"bytes"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
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

// panickyKind's Spec panics: a bug in a step type, which Load must turn
// into a diagnostic without a stack trace.
type panickyKind struct{ fakeKind }

func (panickyKind) Spec() hcldec.Spec { panic("spec exploded") }

func TestInternalErrorHasNoStackTrace(t *testing.T) {
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
}
