package digest

import (
	"strings"
	"testing"

	"github.com/batonhq/baton/steps"
	"github.com/zclconf/go-cty/cty"
)

// TestSensitiveInputsLeaveNoTrace: two different secrets give the same
// stored form and digest, so nothing stored can be used to guess one.
func TestSensitiveInputsLeaveNoTrace(t *testing.T) {
	vars := func(secret string) map[string]cty.Value {
		return map[string]cty.Value{
			"site":     cty.StringVal("PS1"),
			"password": cty.StringVal(secret).Mark(steps.Sensitive),
		}
	}
	totalA, a := Inputs(vars("correct horse battery staple"))
	totalB, b := Inputs(vars("hunter2"))
	if totalA != totalB || a["password"] != b["password"] {
		t.Errorf("the stored form depends on the secret: %+v vs %+v", a["password"], b["password"])
	}
	if !a["password"].Sensitive || a["password"].Value != "" {
		t.Errorf("secret stored: %+v", a["password"])
	}
	if strings.Contains(totalA+a["password"].Hash, "hunter2") {
		t.Error("secret in clear")
	}
	// Non-sensitive values still bind.
	other := vars("hunter2")
	other["site"] = cty.StringVal("PS2")
	if totalC, _ := Inputs(other); totalC == totalB {
		t.Error("a changed input left the digest unchanged")
	}
}

// TestSourcesLineEndings: CRLF hashes as LF (a Windows checkout matches a
// Linux one); a lone CR is content and still counts.
func TestSourcesLineEndings(t *testing.T) {
	lf := "runbook \"x\" {\n  title = \"t\"\n}\n"
	tests := []struct {
		name string
		src  string
		same bool // same digest as lf
	}{
		{"lf", lf, true},
		{"crlf", strings.ReplaceAll(lf, "\n", "\r\n"), true},
		{"mixed", "runbook \"x\" {\r\n  title = \"t\"\n}\r\n", true},
		{"lone cr", strings.ReplaceAll(lf, "\n", "\r"), false},
		{"cr before crlf", strings.Replace(lf, "\n", "\r\r\n", 1), false},
		{"edited", lf + "\n", false},
	}
	want, wantFiles := Sources(map[string][]byte{"main.hcl": []byte(lf)})
	for _, tt := range tests {
		total, files := Sources(map[string][]byte{"main.hcl": []byte(tt.src)})
		if (total == want) != tt.same || (files["main.hcl"] == wantFiles["main.hcl"]) != tt.same {
			t.Errorf("%s: same digest as LF = %v, want %v", tt.name, total == want, tt.same)
		}
	}
	if got := string(normalizeEOL([]byte("a\r\r\nb\rc"))); got != "a\r\nb\rc" {
		t.Errorf("normalizeEOL = %q", got)
	}
}

// TestSourcesNames: the total binds names as well as contents.
func TestSourcesNames(t *testing.T) {
	src := []byte("x\n")
	a, _ := Sources(map[string][]byte{"main.hcl": src, "lib/a.hcl": src})
	b, _ := Sources(map[string][]byte{"main.hcl": src, "lib/b.hcl": src})
	c, _ := Sources(map[string][]byte{"lib/a.hcl": src, "main.hcl": src})
	if a == b || a != c {
		t.Errorf("total: renamed %v (want changed), reordered %v (want same)", a != b, a == c)
	}
}
