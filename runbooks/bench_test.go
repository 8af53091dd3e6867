package runbooks

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/engine/runbook"

	"github.com/batonhq/baton/fixtures"
	"github.com/batonhq/baton/steps/configmgr/sim"
)

// BenchmarkMatrix rehearses the whole matrix once per iteration: every
// shipped runbook against every scenario of every fixture, one after the
// other (what `baton test runbooks/expect` and TestMatrix do).
func BenchmarkMatrix(b *testing.B) {
	var cells []cell
	fxs := map[string]*sim.Fixture{}
	for _, fname := range fixtures.Names() {
		fx, err := sim.Load(fixtures.FS, fname)
		if err != nil {
			b.Fatal(err)
		}
		fxs[fname] = fx
		for _, rb := range Names() {
			for _, sc := range fx.Scenarios() {
				cells = append(cells, cell{rb, fname, sc})
			}
		}
	}
	b.ReportMetric(float64(len(cells)), "cells")
	for b.Loop() {
		for _, c := range cells {
			rehearseCell(b, c, fxs[c.fixture])
		}
	}
}

// BenchmarkPlan2000 validates and plans, as baton plan --site does, a
// generated 2,000-step runbook over the shipped library (the largest a
// team plausibly writes): checks that refresh against the fixture, actions
// that are skipped and waits, each step depending on the one or two
// before it. "validate" loads it; "plan" loads it and plans it against
// the healthy contoso site with every read-only check refreshed.
func BenchmarkPlan2000(b *testing.B) {
	g := newGenerated(b, 2000)
	b.Run("validate", func(b *testing.B) {
		for b.Loop() {
			g.load(b)
		}
	})
	b.Run("plan", func(b *testing.B) {
		for b.Loop() {
			if p := g.plan(b, g.load(b)); len(p.Steps) != 2000 || !p.Refreshed {
				b.Fatalf("%d steps, refreshed %t", len(p.Steps), p.Refreshed)
			}
		}
	})
}

// generated is a generated runbook over the shipped library, with the
// contoso fixture to plan it against.
type generated struct {
	fsys fstest.MapFS
	fx   *sim.Fixture
}

func newGenerated(t testing.TB, n int) *generated {
	g := &generated{fsys: fstest.MapFS{"big.hcl": {Data: generatedRunbook(n)}}}
	data, err := fs.ReadFile(FS, "lib/common.hcl")
	if err != nil {
		t.Fatal(err)
	}
	g.fsys["lib/common.hcl"] = &fstest.MapFile{Data: data}
	if g.fx, err = sim.Load(fixtures.FS, "contoso"); err != nil {
		t.Fatal(err)
	}
	return g
}

func (g *generated) load(t testing.TB) *runbook.Runbook {
	rb, diags := runbook.Load(runbook.FromFS(g.fsys), "big.hcl", registry())
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return rb
}

// plan plans rb against the healthy site, every read-only check
// refreshed.
func (g *generated) plan(t testing.TB, rb *runbook.Runbook) *plan.Plan {
	p, _ := planOn(t, rb, g.fx, "contoso", "healthy")
	return p
}

// generatedRunbook is a runbook of n steps over the shipped library:
// checks of the site servers, notifications skipped without a webhook and
// waits for the active server.
func generatedRunbook(n int) []byte {
	var b strings.Builder
	b.WriteString(`runbook "big" {
  title   = "Generated"
  include = ["lib/common.hcl"]
}

locals {
  provider = var.active_server
}
`)
	for i := 0; i < n; i++ {
		switch i % 3 {
		case 0:
			dep := ""
			if i > 0 {
				dep = fmt.Sprintf("\n  depends_on = [step.s%d]", i-1)
			}
			fmt.Fprintf(&b, "\ncheck \"s%d\" {\n  uses = \"configmgr_site_servers\"%s\n  assert {\n    condition = self.output.passive_count == 1\n    message   = \"expected one passive server\"\n  }\n}\n", i, dep)
		case 1:
			fmt.Fprintf(&b, "\naction \"s%d\" {\n  uses        = \"notify\"\n  when        = var.webhook_url != \"\" && step.s%d.output.all_ok\n  webhook_url = var.webhook_url\n  idempotent  = true\n  message     = format(\"step %d: %%d passive\", step.s%d.output.passive_count)\n}\n", i, i-1, i, i-1)
		default:
			fmt.Fprintf(&b, "\nwait \"s%d\" {\n  uses       = \"configmgr_site_servers\"\n  depends_on = [step.s%d, step.s%d]\n  until      = lower(self.output.active) == lower(var.active_server) && self.output.all_ok\n  interval   = \"30s\"\n  timeout    = \"45m\"\n}\n", i, i-1, i-2)
		}
	}
	return []byte(b.String())
}

// TestPlanningIsLinear: planning twice the steps costs about twice the
// allocations, not four times. A step's expressions see only the steps it
// depends on; a scope of every step, rebuilt as steps are decided, made
// planning quadratic in the number of steps (1.9 s for 2,000).
func TestPlanningIsLinear(t *testing.T) {
	allocs := func(n int) float64 {
		g := newGenerated(t, n)
		rb := g.load(t)
		return testing.AllocsPerRun(2, func() { g.plan(t, rb) })
	}
	small, large := allocs(300), allocs(600)
	t.Logf("allocations: %.0f for 300 steps, %.0f for 600", small, large)
	if ratio := large / small; ratio > 2.5 {
		t.Errorf("planning 600 steps allocates %.0f times, 300 steps %.0f: %.2f times as much for twice the steps", large, small, ratio)
	}
}
