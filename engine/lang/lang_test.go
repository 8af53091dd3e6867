package lang

import (
	"testing"
	"time"

	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"30s", 30 * time.Second, false},
		{"1h30m", 90 * time.Minute, false},
		{"7d", 7 * 24 * time.Hour, false},
		{"1d12h", 36 * time.Hour, false},
		{"1.5d", 36 * time.Hour, false},
		{"", 0, true},
		{"-5m", 0, true},
		{"5", 0, true},
		{"d", 0, true},
		{"1dd", 0, true},
		{"5 minutes", 0, true},
		{"NaNd", 0, true},
		{"99999d2562047h", 0, true}, // overflows time.Duration
		{"100000d", 100000 * 24 * time.Hour, false},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func eval(t *testing.T, s *Scope, src string, want cty.Type) (cty.Value, hcl.Diagnostics) {
	t.Helper()
	expr, diags := hclsyntax.ParseExpression([]byte(src), "t.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return s.Eval(expr, want)
}

func TestFunctions(t *testing.T) {
	t.Setenv("BATON_TEST_ENV", "hello")
	now := time.Date(2026, 3, 14, 20, 0, 0, 0, time.UTC)
	s := &Scope{
		Vars:  map[string]cty.Value{"site": cty.StringVal("PS1"), "pw": cty.StringVal("x").Mark(steps.Sensitive)},
		Steps: map[string]cty.Value{"a": StepValue(cty.ObjectVal(map[string]cty.Value{"ok": cty.True}), StatusSucceeded)},
		Now:   func() time.Time { return now },
	}
	tests := map[string]cty.Value{
		`duration("1h30m")`:                      cty.NumberIntVal(5400),
		`duration("7d")`:                         cty.NumberIntVal(604800),
		`now()`:                                  cty.StringVal("2026-03-14T20:00:00Z"),
		`timecmp(now(), "2026-03-15T00:00:00Z")`: cty.NumberIntVal(-1),
		`timeadd(now(), "1h")`:                   cty.StringVal("2026-03-14T21:00:00Z"),
		`env("BATON_TEST_ENV")`:                  cty.StringVal("hello"),
		`startswith(var.site, "PS")`:             cty.True,
		`endswith(var.site, "2")`:                cty.False,
		`anytrue([false, true])`:                 cty.True,
		`alltrue([true, false])`:                 cty.False,
		`alltrue([])`:                            cty.True,
		`length("abc")`:                          cty.NumberIntVal(3),
		`length([1, 2])`:                         cty.NumberIntVal(2),
		`coalesce("", "b")`:                      cty.StringVal("b"),
		`contains(["a"], "a")`:                   cty.True,
		`step.a.output.ok && step.a.status == "succeeded"`: cty.True,
		`try(var.nope, "fallback")`:                        cty.StringVal("fallback"),
		`can(regex("^[A-Z]+[0-9]$", var.site))`:            cty.True,
		`nonsensitive(var.pw)`:                             cty.StringVal("x"),
		`upper(join("-", split(",", "a,b")))`:              cty.StringVal("A-B"),
		`jsondecode(jsonencode({a = 1})).a`:                cty.NumberIntVal(1),
		`format("%s-%d", "a", 1)`:                          cty.StringVal("a-1"),
		`replace("a.b", ".", "_")`:                         cty.StringVal("a_b"),
	}
	for src, want := range tests {
		got, diags := eval(t, s, src, cty.DynamicPseudoType)
		if diags.HasErrors() {
			t.Errorf("%s: %s", src, diags.Error())
			continue
		}
		if !got.RawEquals(want) {
			t.Errorf("%s = %s, want %s", src, steps.Show(got), steps.Show(want))
		}
	}
	if v, _ := eval(t, s, `sensitive("a")`, cty.String); !v.HasMark(steps.Sensitive) {
		t.Error("sensitive() did not mark")
	}
	if v, _ := eval(t, s, `"pw=${var.pw}"`, cty.String); !v.HasMark(steps.Sensitive) {
		t.Error("mark lost in template")
	}
	plan := &Scope{}
	if v, _ := eval(t, plan, `now()`, cty.String); v.IsKnown() {
		t.Error("now() known without a clock")
	}
}

func TestEvalDiagnostics(t *testing.T) {
	s := &Scope{Vars: map[string]cty.Value{"site": cty.StringVal("PS1")}}
	v, diags := eval(t, s, `var.site`, cty.Bool)
	if !diags.HasErrors() || diags[0].Subject == nil || v.IsKnown() {
		t.Errorf("want a conversion error with a subject, got %v", diags)
	}
	_, diags = eval(t, s, `var.sit`, cty.String)
	if !diags.HasErrors() {
		t.Error("want unsupported attribute")
	}
	_, diags = eval(t, s, `nope.x`, cty.String)
	if !diags.HasErrors() || diags[0].Summary != "Unknown variable" {
		t.Errorf("want Unknown variable, got %v", diags)
	}
	_, diags = eval(t, s, `self.output`, cty.DynamicPseudoType)
	if !diags.HasErrors() {
		t.Error("self without Self")
	}
}

func TestDecodeBodyKeepsMarksAndUnknowns(t *testing.T) {
	f, diags := hclsyntax.ParseConfig([]byte("a = var.pw\nb = step.x.output\n"), "t.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	s := &Scope{
		Vars:  map[string]cty.Value{"pw": cty.StringVal("x").Mark(steps.Sensitive)},
		Steps: map[string]cty.Value{"x": StepValue(cty.UnknownVal(cty.String), StatusPending)},
	}
	v, diags := s.DecodeBody(f.Body, hcldec.ObjectSpec{
		"a": &hcldec.AttrSpec{Name: "a", Type: cty.String},
		"b": &hcldec.AttrSpec{Name: "b", Type: cty.String},
	})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if !v.GetAttr("a").HasMark(steps.Sensitive) || v.GetAttr("b").IsKnown() {
		t.Errorf("marks or unknowns lost: %s", steps.Show(v))
	}
}
