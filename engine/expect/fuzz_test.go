package expect

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// FuzzParse: no input makes Parse panic or accept a file without its
// errors; a file it accepts, rewritten with what its cases did, parses
// again and then expects exactly that.
func FuzzParse(f *testing.F) {
	f.Add([]byte(full))
	f.Add([]byte("fixture = \"c\"\ncase \"$${x} %%{y} \\\" \\u00e9\" {\n  scenario = \"s\"\n}\n"))
	f.Add([]byte("fixture = \"c\"\ncase \"a\" {\r\n  scenario = \"s\"\r\n  site = { \"site/code\" = [\"x\"] }\r\n}\r\n"))
	for _, name := range []string{"rewrite.in.hcl", "rewrite.golden"} {
		if b, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file, diags := Parse(src, "fuzz.expect.hcl")
		if file == nil {
			if !diags.HasErrors() {
				t.Fatal("no file and no error")
			}
			return
		}
		if diags.HasErrors() {
			t.Fatalf("a file with errors: %s", diags)
		}
		got := map[string]Outcome{}
		for _, c := range file.Cases {
			got[c.Name] = fuzzOutcome(c.Want)
		}
		out, err := Rewrite(file, got)
		if err != nil {
			t.Fatalf("rewrite: %v", err)
		}
		again, diags := Parse(out, "fuzz.expect.hcl")
		if diags.HasErrors() {
			t.Fatalf("the rewritten file does not parse: %s\n%s", diags, out)
		}
		if len(again.Cases) != len(file.Cases) {
			t.Fatalf("%d cases, then %d", len(file.Cases), len(again.Cases))
		}
		for _, c := range again.Cases {
			if d := Compare(c.Want, got[c.Name]); len(d) != 0 {
				t.Fatalf("case %q expects other than what happened: %v\n%s", c.Name, d, out)
			}
		}
	})
}

// fuzzOutcome is an outcome with every fact the expectation lists.
func fuzzOutcome(w Outcome) Outcome {
	o := Outcome{Status: "failed", Blocked: []string{"b"}, Branches: map[string]bool{"d": true}, Changes: map[string]string{"a": "succeeded"}, Site: map[string]cty.Value{}}
	for k := range w.Site {
		o.Site[k] = cty.StringVal("v")
	}
	return o
}
