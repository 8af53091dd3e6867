package draw

import (
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/engine/runbook"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// TestDur: a duration on a node drops only zero minor units (45m, 1h),
// never a digit of its own (10s, 20m).
func TestDur(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "none"},
		{10 * time.Second, "10s"},
		{30 * time.Second, "30s"},
		{90 * time.Second, "1m30s"},
		{10 * time.Minute, "10m"},
		{20 * time.Minute, "20m"},
		{45 * time.Minute, "45m"},
		{time.Hour, "1h"},
		{90 * time.Minute, "1h30m"},
		{2*time.Hour + 10*time.Second, "2h0m10s"},
		{1500 * time.Millisecond, "1.5s"},
	} {
		if got := dur(c.d); got != c.want {
			t.Errorf("dur(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

// TestNoWhenAfterDecision: a step after a decision without a when of its
// own draws with an unlabelled edge.
func TestNoWhenAfterDecision(t *testing.T) {
	rb := &runbook.Runbook{Steps: []*runbook.Step{
		{Name: "d", Class: runbook.ClassDecision},
		{Name: "a", Class: runbook.ClassAction, Deps: []string{"d"}},
	}}
	if got, want := Mermaid(rb), "  s_d --> s_a\n"; !strings.HasSuffix(got, want) {
		t.Errorf("Mermaid ends %q, want %q", got[len(got)-len(want):], want)
	}
}

// TestConditionOnACheckIsDrawn: a when that reads a check's output is a
// condition of the step, not a yes/no branch: it shows on the step, as a
// decision's would show on the edge.
func TestConditionOnACheckIsDrawn(t *testing.T) {
	when, diags := hclsyntax.ParseExpression([]byte("step.c.output"), "rb.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	rb := &runbook.Runbook{Steps: []*runbook.Step{
		{Name: "c", Class: runbook.ClassCheck},
		{Name: "a", Class: runbook.ClassAction, Deps: []string{"c"}, When: when},
	}}
	for name, out := range map[string]string{"Mermaid": Mermaid(rb), "DOT": Dot(rb)} {
		if !strings.Contains(out, "when (expression)") {
			t.Errorf("%s drops the condition:\n%s", name, out)
		}
	}
}
