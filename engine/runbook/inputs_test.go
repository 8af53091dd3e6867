package runbook

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/batonhq/baton/steps"
	"github.com/zclconf/go-cty/cty"
)

const inputsRunbook = `
runbook "t" {}

variable "site_code" {
  type    = string
  default = "PS1"

  validation {
    condition     = can(regex("^[A-Z0-9]{3}$", var.site_code))
    error_message = "The site code must be three capital letters or digits."
  }
}

variable "servers" {
  type    = list(string)
  default = []
}

variable "port" {
  type    = number
  default = 1433
}

variable "dry" {
  type    = bool
  default = false
}

variable "password" {
  type      = string
  sensitive = true
  default   = "changeme"
}

variable "required" {
  type = string
}
`

func loadInputs(t *testing.T) *Runbook {
	t.Helper()
	rb, diags := Load(FromFS(fstest.MapFS{"rb.hcl": {Data: []byte(inputsRunbook)}}), "rb.hcl", testRegistry())
	if diags.HasErrors() {
		t.Fatal(writeDiags(t, rb, diags))
	}
	return rb
}

func TestResolveInputs(t *testing.T) {
	rb := loadInputs(t)
	files := map[string]string{
		"a.hcl":          "site_code = \"PS2\"\nservers = [\"m1\", \"m2\"]\n",
		"b.hcl":          "site_code = \"PS3\"\n",
		"c.json":         `{"port": 1500, "dry": true}`,
		"bad.hcl":        "port = \"many\"\n",
		"undeclared.hcl": "sitecode = \"PS4\"\n",
	}
	readFile := func(name string) ([]byte, error) {
		if s, ok := files[name]; ok {
			return []byte(s), nil
		}
		return nil, os.ErrNotExist
	}
	tests := []struct {
		name  string
		in    Inputs
		want  map[string]cty.Value // checked unmarked
		errs  []string             // substrings of error summaries+details
		warns int
	}{
		{
			name: "defaults",
			in:   Inputs{Vars: []string{"required=x"}},
			want: map[string]cty.Value{"site_code": cty.StringVal("PS1"), "port": cty.NumberIntVal(1433), "dry": cty.False},
		},
		{
			name: "missing required",
			in:   Inputs{},
			errs: []string{"No value for required variable", "BATON_VAR_required"},
		},
		{
			name: "a fixture's inputs replace defaults and satisfy required ones",
			in:   Inputs{Defaults: map[string]string{"site_code": "CAS", "port": "1501", "servers": `["a"]`, "required": "fx", "not_declared": "ignored"}, DefaultsSource: "fixture f"},
			want: map[string]cty.Value{"site_code": cty.StringVal("CAS"), "port": cty.NumberIntVal(1501), "servers": cty.ListVal([]cty.Value{cty.StringVal("a")}), "required": cty.StringVal("fx")},
		},
		{
			name: "everything else beats a fixture's inputs",
			in:   Inputs{Defaults: map[string]string{"site_code": "CAS", "required": "fx"}, Environ: []string{"BATON_VAR_site_code=PS9"}, Vars: []string{"required=x"}},
			want: map[string]cty.Value{"site_code": cty.StringVal("PS9"), "required": cty.StringVal("x")},
		},
		{
			name: "a fixture's bad input is an error that names the fixture",
			in:   Inputs{Defaults: map[string]string{"site_code": "lower", "required": "fx"}, DefaultsSource: "fixture f"},
			errs: []string{"three capital letters", "fixture f"},
		},
		{
			name: "env beats default",
			in:   Inputs{Environ: []string{"BATON_VAR_site_code=PS9", "BATON_VAR_required=r", "HOME=/root"}},
			want: map[string]cty.Value{"site_code": cty.StringVal("PS9"), "required": cty.StringVal("r")},
		},
		{
			name: "files beat env, later files win",
			in:   Inputs{Environ: []string{"BATON_VAR_site_code=PS9"}, VarFiles: []string{"a.hcl", "b.hcl", "c.json"}, Vars: []string{"required=x"}, ReadFile: readFile},
			want: map[string]cty.Value{
				"site_code": cty.StringVal("PS3"),
				"servers":   cty.ListVal([]cty.Value{cty.StringVal("m1"), cty.StringVal("m2")}),
				"port":      cty.NumberIntVal(1500),
				"dry":       cty.True,
			},
		},
		{
			name: "-var beats files, later -var wins",
			in:   Inputs{VarFiles: []string{"b.hcl"}, Vars: []string{"site_code=PS4", "site_code=PS5", "required=x"}, ReadFile: readFile},
			want: map[string]cty.Value{"site_code": cty.StringVal("PS5")},
		},
		{
			name: "-var typed values parse as HCL",
			in:   Inputs{Vars: []string{`servers=["a","b"]`, "port=1600", "dry=true", "required=x=y"}},
			want: map[string]cty.Value{
				"servers":  cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")}),
				"port":     cty.NumberIntVal(1600),
				"dry":      cty.True,
				"required": cty.StringVal("x=y"),
			},
		},
		{
			name: "bad type from -var",
			in:   Inputs{Vars: []string{"port=many", "required=x"}},
			errs: []string{"Invalid value for variable", "var.port from -var port"},
		},
		{
			name: "bad list syntax",
			in:   Inputs{Vars: []string{"servers=[a,", "required=x"}},
			errs: []string{"Invalid value for variable"},
		},
		{
			name: "bad type from file",
			in:   Inputs{VarFiles: []string{"bad.hcl"}, Vars: []string{"required=x"}, ReadFile: readFile},
			errs: []string{"Invalid value for variable", "bad.hcl"},
		},
		{
			name: "validation fails",
			in:   Inputs{Vars: []string{"site_code=ps1", "required=x"}},
			errs: []string{"The site code must be three capital letters or digits."},
		},
		{
			name: "undeclared -var",
			in:   Inputs{Vars: []string{"sitecode=PS1", "required=x"}},
			errs: []string{"Value for undeclared variable", `Did you mean "site_code"?`},
		},
		{
			name:  "undeclared in file is a warning",
			in:    Inputs{VarFiles: []string{"undeclared.hcl"}, Vars: []string{"required=x"}, ReadFile: readFile},
			warns: 1,
		},
		{
			name: "missing var file",
			in:   Inputs{VarFiles: []string{"nope.hcl"}, Vars: []string{"required=x"}, ReadFile: readFile},
			errs: []string{"Cannot read variables file"},
		},
		{
			name: "malformed -var",
			in:   Inputs{Vars: []string{"justaname"}},
			errs: []string{"Invalid -var option"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, diags := ResolveInputs(rb, tt.in)
			var text strings.Builder
			warns := 0
			for _, d := range diags {
				if d.Severity == 2 {
					warns++
				}
				text.WriteString(d.Summary + ": " + d.Detail + "\n")
			}
			if len(tt.errs) == 0 && diags.HasErrors() {
				t.Fatalf("unexpected errors:\n%s", text.String())
			}
			for _, e := range tt.errs {
				if !strings.Contains(text.String(), e) {
					t.Errorf("diagnostics lack %q:\n%s", e, text.String())
				}
			}
			if warns != tt.warns {
				t.Errorf("%d warnings, want %d", warns, tt.warns)
			}
			for name, want := range tt.want {
				v, _ := got[name].UnmarkDeep()
				if !v.RawEquals(want) {
					t.Errorf("%s = %s, want %s", name, steps.Show(v), steps.Show(want))
				}
			}
		})
	}
}

func TestResolveInputsSensitive(t *testing.T) {
	rb := loadInputs(t)
	got, diags := ResolveInputs(rb, Inputs{Vars: []string{"required=x", "password=s3cret-canary"}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if !got["password"].HasMark(steps.Sensitive) {
		t.Error("password not marked sensitive")
	}
	if got["site_code"].IsMarked() {
		t.Error("site_code marked")
	}
	// A failing value of a sensitive variable must not be echoed.
	_, diags = ResolveInputs(rb, Inputs{Vars: []string{"required=x", "port=s3cret-canary"}})
	if strings.Contains(diags.Error(), "s3cret-canary") {
		t.Errorf("diagnostics show the value: %s", diags.Error())
	}
}

// TestMalformedVarOptionShown: a -var option that is not name=value shows
// a declared variable's name (the value forgotten), never what may be a
// value typed without its name.
func TestMalformedVarOptionShown(t *testing.T) {
	rb := loadInputs(t)
	for _, tc := range []struct {
		opt, shown, hidden string
	}{
		{"port", `"port"`, ""},
		{"hunter2", "of 7 characters", "hunter2"},
		{"=hunter2", "of 8 characters", "hunter2"},
		{"s3cret w0rd!", "of 12 characters", "s3cret"},
		{"pässwörd-ünïcode", "of 16 characters", "pässwörd"},
	} {
		_, diags := ResolveInputs(rb, Inputs{Vars: []string{"required=x", tc.opt}})
		text := diags.Error()
		if !strings.Contains(text, "Invalid -var option") || !strings.Contains(text, tc.shown) {
			t.Errorf("%q: diagnostics lack %q: %s", tc.opt, tc.shown, text)
		}
		if tc.hidden != "" && strings.Contains(text, tc.hidden) {
			t.Errorf("%q: diagnostics show %q: %s", tc.opt, tc.hidden, text)
		}
	}
}

func TestEvalLocals(t *testing.T) {
	src := `
runbook "t" {}
variable "site_code" {
  type = string
}
variable "pw" {
  type      = string
  sensitive = true
}
locals {
  conn = "${local.db};pw=${var.pw}"
  db   = "CM_${var.site_code}"
  n    = length(local.db)
}
`
	rb, diags := Load(FromFS(fstest.MapFS{"rb.hcl": {Data: []byte(src)}}), "rb.hcl", testRegistry())
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	vars, diags := ResolveInputs(rb, Inputs{Vars: []string{"site_code=PS1", "pw=x"}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	locals, diags := EvalLocals(rb, vars, nil)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if locals["db"].AsString() != "CM_PS1" || !locals["n"].RawEquals(cty.NumberIntVal(6)) {
		t.Errorf("locals: %s %s", steps.Show(locals["db"]), steps.Show(locals["n"]))
	}
	if !locals["conn"].HasMark(steps.Sensitive) {
		t.Error("conn should be sensitive")
	}
}

func TestEvalLocalsCycle(t *testing.T) {
	src := "runbook \"t\" {}\nlocals {\n  a = local.b\n  b = local.a\n  c = 1\n}\n"
	rb, d := Load(FromFS(fstest.MapFS{"rb.hcl": {Data: []byte(src)}}), "rb.hcl", testRegistry())
	if !strings.Contains(d.Error(), "local.a -> local.b -> local.a") {
		t.Errorf("Load: cycle not named: %s", d.Error())
	}
	locals, d := EvalLocals(rb, nil, nil)
	if !strings.Contains(d.Error(), "local.a -> local.b -> local.a") {
		t.Errorf("EvalLocals: cycle not named: %s", d.Error())
	}
	if !locals["c"].RawEquals(cty.NumberIntVal(1)) || locals["a"].IsKnown() {
		t.Errorf("locals after cycle: c=%s a=%s", steps.Show(locals["c"]), steps.Show(locals["a"]))
	}
}
