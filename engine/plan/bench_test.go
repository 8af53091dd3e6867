package plan_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/engine/plan/plantest"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/zclconf/go-cty/cty"
)

// bigRunbook generates a runbook of n steps: checks, decisions, actions
// with conditions on the decisions, waits, and a back-out step per 100
// actions. Each step depends on one or two earlier ones.
func bigRunbook(n int) string {
	var b strings.Builder
	b.WriteString(`runbook "big" {
  title = "Generated runbook"
}

variable "server" {
  type    = string
  default = "cm01.contoso.com"
}

target "site" {
  type   = "fake_site"
  server = var.server
}
`)
	for i := 0; i < n; i++ {
		var deps []string
		if i > 0 {
			deps = append(deps, fmt.Sprintf("step.s%d", i-1))
		}
		if i > 10 {
			deps = append(deps, fmt.Sprintf("step.s%d", i-7-(i%5)))
		}
		dep := ""
		if len(deps) > 0 {
			dep = "\n  depends_on = [" + strings.Join(deps, ", ") + "]"
		}
		switch i % 5 {
		case 0:
			fmt.Fprintf(&b, "\ncheck \"s%d\" {\n  uses = \"site_fact\"\n  fact = \"f%d\"\n  expected_duration = \"10s\"%s\n\n  assert {\n    condition = self.output.healthy\n    message   = \"unhealthy\"\n  }\n}\n", i, i, dep)
		case 1:
			fmt.Fprintf(&b, "\ndecision \"s%d\" {\n  condition = step.s%d.output.type == \"primary\"%s\n}\n", i, i-1, dep)
		case 2:
			fmt.Fprintf(&b, "\naction \"s%d\" {\n  uses = \"site_change\"\n  setting = \"k%d\"\n  value = \"${var.server}-%d\"\n  when = step.s%d.output\n  expected_duration = \"1m\"\n  timeout = \"5m\"%s\n\n  idempotent = true\n\n  retry {\n    attempts = 2\n  }\n}\n", i, i, i, i-1, dep)
		case 3:
			fmt.Fprintf(&b, "\nwait \"s%d\" {\n  uses = \"site_fact\"\n  until = self.output.healthy\n  timeout = \"10m\"%s\n}\n", i, dep)
		default:
			fmt.Fprintf(&b, "\naction \"s%d\" {\n  uses = \"site_change\"\n  setting = \"x\"\n  value = step.s%d.output.active\n  idempotent = true%s\n}\n", i, i-1, dep)
		}
		if i%100 == 2 {
			fmt.Fprintf(&b, "\nbackout \"undo_s%d\" {\n  uses = \"site_change\"\n  undoes = step.s%d\n  setting = \"k%d\"\n  value = \"old\"\n}\n", i, i, i)
		}
	}
	return b.String()
}

const benchN = 10000

func BenchmarkPlan10k(b *testing.B) {
	fsys := memFS{"big.hcl": bigRunbook(benchN)}
	rb, diags := runbook.Load(fsys, "big.hcl", plantest.Registry())
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	if len(diags) > 0 {
		b.Logf("%d diagnostics, first: %s", len(diags), diags[0].Error())
	}
	vars := map[string]cty.Value{"server": cty.StringVal("cm01.contoso.com")}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p, diags := plan.Build(b.Context(), rb, plan.Options{Vars: vars, EngineVersion: "bench"})
		if diags.HasErrors() || len(p.Steps) != benchN {
			b.Fatalf("%d steps, %s", len(p.Steps), diags.Error())
		}
	}
}

func TestPlan10kIsFast(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a 10,000-step runbook")
	}
	fsys := memFS{"big.hcl": bigRunbook(benchN)}
	rb, diags := runbook.Load(fsys, "big.hcl", plantest.Registry())
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	p, diags := plan.Build(t.Context(), rb, plan.Options{Vars: map[string]cty.Value{"server": cty.StringVal("a")}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if p.Summary.MayRun == 0 || len(p.Backout.Steps) != 100 {
		t.Errorf("summary %+v, %d back-out steps", p.Summary, len(p.Backout.Steps))
	}
}

// BenchmarkPlan2000 plans a 2,000-step runbook, the largest a team
// plausibly writes.
func BenchmarkPlan2000(b *testing.B) {
	rb, diags := runbook.Load(memFS{"big.hcl": bigRunbook(2000)}, "big.hcl", plantest.Registry())
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	vars := map[string]cty.Value{"server": cty.StringVal("cm01.contoso.com")}
	b.ReportAllocs()
	for b.Loop() {
		if p, diags := plan.Build(b.Context(), rb, plan.Options{Vars: vars, EngineVersion: "bench"}); diags.HasErrors() || len(p.Steps) != 2000 {
			b.Fatalf("%s", diags.Error())
		}
	}
}
