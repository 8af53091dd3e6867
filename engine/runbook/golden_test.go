package runbook

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonhq/baton/internal/golden"
)

func TestDiagnosticsGolden(t *testing.T) {
	for _, name := range []string{"cycle", "undeclared_references", "sensitive", "unknown_attribute", "step_arguments", "targets"} {
		t.Run(name, func(t *testing.T) {
			rb, diags := Load(DirFS(""), "testdata/invalid/"+name+".hcl", testRegistry())
			var buf bytes.Buffer
			if err := WriteDiagnostics(&buf, rb, nil, diags, false); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "golden", name+".txt"), buf.Bytes())
			js, err := DiagnosticsJSON(diags)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "golden", name+".json"), append(js, '\n'))
		})
	}
}

func TestFormatGolden(t *testing.T) {
	inputs, _ := filepath.Glob("testdata/fmt/*.input")
	if len(inputs) == 0 {
		t.Fatal("no fmt inputs")
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			out, diags := Format(src, in)
			if diags.HasErrors() {
				var buf bytes.Buffer
				_ = WriteDiagnostics(&buf, nil, nil, diags, false)
				out = buf.Bytes()
			}
			golden.Check(t, filepath.Join("testdata", "fmt", strings.TrimSuffix(filepath.Base(in), ".input")+".golden"), out)
			if !diags.HasErrors() {
				again, _ := Format(out, in)
				if !bytes.Equal(again, out) {
					t.Errorf("Format is not idempotent")
				}
			}
		})
	}
}
