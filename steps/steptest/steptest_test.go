package steptest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// decode decodes HCL arguments with the kind's spec, as the engine does.
func decode(t *testing.T, k steps.Kind, src string) cty.Value {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), "test.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	v, diags := hcldec.Decode(f.Body, k.Spec(), nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return v
}

func run(t *testing.T, k steps.Kind, args cty.Value) (cty.Value, error) {
	t.Helper()
	return k.Run(t.Context(), steps.Request{Args: args, RunID: "run1", Step: "s", Attempt: 1, IdempotencyKey: "run1/s"})
}

func TestNoopAction(t *testing.T) {
	ledger := filepath.Join(t.TempDir(), "ledger")
	args := decode(t, NoopAction{}, `ledger = "`+ledger+`"`)
	for range 2 {
		if _, err := run(t, NoopAction{}, args); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(ledger)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), "run1/s s 1\nrun1/s s 1\n"; got != want {
		t.Errorf("ledger %q, want %q", got, want)
	}
	out, err := run(t, LedgerCount{}, decode(t, LedgerCount{}, `ledger = "`+filepath.ToSlash(ledger)+`"`+"\n"+`step = "s"`))
	if err != nil || !out.GetAttr("count").RawEquals(cty.NumberIntVal(2)) {
		t.Errorf("ledger_count: %#v %v", out, err)
	}
	if _, err := run(t, NoopAction{}, decode(t, NoopAction{}, ``)); err != nil {
		t.Errorf("without ledger: %v", err)
	}
	_, err = run(t, NoopAction{}, decode(t, NoopAction{}, `ledger = "/nonexistent/dir/ledger"`))
	if err == nil || !strings.Contains(err.Error(), "directory exists") {
		t.Errorf("err = %v", err)
	}
}

func TestDescribe(t *testing.T) {
	obj := func(m map[string]cty.Value) cty.Value { return cty.ObjectVal(m) }
	tests := []struct {
		kind steps.Kind
		args cty.Value
		want string
	}{
		{NoopAction{}, obj(map[string]cty.Value{"ledger": cty.StringVal("/tmp/l")}), `do nothing but record the idempotency key in ledger "/tmp/l"`},
		{NoopAction{}, obj(map[string]cty.Value{"ledger": cty.NullVal(cty.String)}), `do nothing (an action)`},
		{LedgerCount{}, obj(map[string]cty.Value{"ledger": cty.StringVal("/tmp/l"), "step": cty.StringVal("a")}), `count the lines for step "a" in ledger "/tmp/l"`},
	}
	for _, tt := range tests {
		if got := tt.kind.Describe(tt.args).Summary; got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.kind.Name(), got, tt.want)
		}
	}
}

func TestKinds(t *testing.T) {
	tests := []struct {
		name   string
		effect steps.Effect
	}{
		{"noop_action", steps.Mutating},
		{"ledger_count", steps.ReadOnly},
	}
	ks := Kinds()
	if len(ks) != len(tests) {
		t.Fatalf("%d kinds, want %d", len(ks), len(tests))
	}
	for i, tt := range tests {
		if ks[i].Name() != tt.name || ks[i].Effect() != tt.effect || ks[i].Doc() == "" {
			t.Errorf("kind %d: %s %v %q, want %s %v", i, ks[i].Name(), ks[i].Effect(), ks[i].Doc(), tt.name, tt.effect)
		}
		if _, ok := ks[i].(steps.Pure); ok {
			t.Errorf("%s is Pure: a rehearsal would run it", tt.name)
		}
	}
}
