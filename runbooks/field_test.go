package runbooks

import (
	"bytes"
	"strings"
	"testing"

	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/engine/rehearse"
	"github.com/batonhq/baton/engine/rehearse/simsite"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/fixtures"
	"github.com/batonhq/baton/steps/configmgr/sim"
	"github.com/zclconf/go-cty/cty"
)

// humanPlan plans a runbook against a contoso scenario as `baton plan
// --site contoso --scenario S` does and returns what the board reads.
func humanPlan(t *testing.T, name, scenario string) string {
	t.Helper()
	fx, err := sim.Load(fixtures.FS, "contoso")
	if err != nil {
		t.Fatal(err)
	}
	rb, diags := load(t, name)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	p, _ := planOn(t, rb, fx, "contoso", scenario)
	var b bytes.Buffer
	if err := p.WriteHuman(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestPlanSaysWhatToExpect: the change board reads, before anything runs,
// that "Completed with warning" of a fresh passive server is expected (F4)
// and that readiness must hold for minutes (F3); and which F ids each
// runbook's plan names.
func TestPlanSaysWhatToExpect(t *testing.T) {
	if testing.Short() {
		t.Skip("plans against the simulated site")
	}
	for _, tc := range []struct {
		runbook, scenario string
		want              []string
	}{
		{"install_passive.hcl", "no-passive-yet", []string{
			"Completed with warning", "cannot decrypt site secrets until it is promoted", "F4",
			"must stay the same for 10 minutes", "F3", "CheckAdminOnSQL has failed", "F12", "F14", "F7"}},
		{"planned_promotion.hcl", "healthy", []string{"for 5 minutes", "F2", "F9", "F10", "siteserver.pkg"}},
		{"unplanned_failover.hcl", "active-offline-for-good", []string{"client registration stops", "F13", "F2"}},
		{"remove_passive.hcl", "healthy", []string{"F11", "Site Maintenance"}},
	} {
		t.Run(tc.runbook, func(t *testing.T) {
			text := humanPlan(t, tc.runbook, tc.scenario)
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("the plan does not say %q", w)
				}
			}
		})
	}
}

// planOn plans rb against a scenario of fixture fx (named fixture) as baton
// plan --site does, every read-only check refreshed, and returns the plan
// and the inputs it was made with.
func planOn(t testing.TB, rb *runbook.Runbook, fx *sim.Fixture, fixture, scenario string) (*plan.Plan, map[string]cty.Value) {
	t.Helper()
	vars, diags := runbook.ResolveInputs(rb, runbook.Inputs{Defaults: fx.Inputs(scenario), DefaultsSource: "fixture " + fixture})
	if diags.HasErrors() {
		t.Fatalf("inputs: %s", diags.Error())
	}
	r, err := rehearse.Refresher(rb, vars, simsite.Factory(fx), scenario, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p, diags := plan.Build(t.Context(), rb, plan.Options{Vars: vars, Refresh: r.Refresh})
	if diags.HasErrors() {
		t.Fatalf("plan: %s", diags.Error())
	}
	return p, vars
}
