package runbook

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// checkGolden compares got with testdata/<name>, rewriting it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}

func TestDiagnosticsGolden(t *testing.T) {
	for _, name := range []string{"cycle", "undeclared_references", "sensitive", "unknown_attribute", "step_arguments", "targets"} {
		t.Run(name, func(t *testing.T) {
			rb, diags := Load(DirFS(""), "testdata/invalid/"+name+".hcl", testRegistry())
			var buf bytes.Buffer
			if err := WriteDiagnostics(&buf, rb, nil, diags, false); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "golden/"+name+".txt", buf.Bytes())
			js, err := DiagnosticsJSON(diags)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "golden/"+name+".json", append(js, '\n'))
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
			checkGolden(t, "fmt/"+strings.TrimSuffix(filepath.Base(in), ".input")+".golden", out)
			if !diags.HasErrors() {
				again, _ := Format(out, in)
				if !bytes.Equal(again, out) {
					t.Errorf("Format is not idempotent")
				}
			}
		})
	}
}
