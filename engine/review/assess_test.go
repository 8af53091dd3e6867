package review

import (
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/engine/runbook"
)

// riskPlan is a plan with a check, an optional approval gate and an
// action that may be a point of no return.
func riskPlan(gate, pnr, backout bool) *plan.Plan {
	p := &plan.Plan{Steps: []*plan.Step{{Name: "pre", Class: "check", Action: plan.WillRun}}}
	deps := []string{"pre"}
	if gate {
		p.Steps = append(p.Steps, &plan.Step{Name: "go", Class: "approval", Action: plan.WillRun, Deps: []string{"pre"}, Approval: &plan.Gate{MinApprovals: 1}})
		deps = []string{"go"}
	}
	p.Steps = append(p.Steps, &plan.Step{Name: "act", Class: "action", Action: plan.WillRun, Deps: deps, PointOfNoReturn: pnr})
	if backout {
		p.Backout.Steps = []*plan.Step{{Name: "undo", Class: "backout", Action: plan.MayRun}}
	}
	return p
}

func withRisk(r string) *runbook.Runbook {
	return &runbook.Runbook{Change: runbook.Change{Risk: r}}
}

func TestAssessRisk(t *testing.T) {
	failed := riskPlan(true, true, true)
	failed.Steps[0].Check = &plan.Check{Status: plan.CheckFailed, Blocks: true}
	short := riskPlan(true, true, true)
	short.Window = &plan.Window{FitsExpected: false}
	tight := riskPlan(true, true, true)
	tight.Window = &plan.Window{FitsExpected: true, FitsWorstCase: false}
	skippedPNR := riskPlan(false, true, false)
	skippedPNR.Steps[1].Action = plan.WillNotRun
	cases := []struct {
		name   string
		p      *plan.Plan
		rb     *runbook.Runbook
		want   level
		reason string
	}{
		{"no action, nothing declared", &plan.Plan{}, nil, level1, "no risk declared"},
		{"declared low, reversible action with back-out", riskPlan(true, false, true), withRisk("low"), level1, "declared risk low"},
		{"action without back-out", riskPlan(true, false, false), withRisk("low"), level2, "no back-out steps"},
		{"gated point of no return with back-out", riskPlan(true, true, true), withRisk("low"), level2, "with back-out steps"},
		{"point of no return without back-out", riskPlan(true, true, false), withRisk("low"), level3, "and no back-out steps"},
		{"point of no return no gate precedes", riskPlan(false, true, true), withRisk("low"), level3, "no approval gate precedes act"},
		{"a point of no return that will not run", skippedPNR, withRisk("low"), level1, "declared risk low"},
		{"declared high is never lowered", riskPlan(true, false, true), withRisk("high"), level3, "declared risk high"},
		{"expected duration does not fit", short, withRisk("low"), level3, "expected duration"},
		{"worst case does not fit", tight, withRisk("low"), level2, "worst case"},
		{"failed preflight", failed, withRisk("medium"), level4, "preflight check failed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := assessRisk(c.p, c.rb)
			if a.Level != c.want {
				t.Errorf("risk %s, want %s (factors %q)", riskNames[a.Level], riskNames[c.want], a.Factors)
			}
			if !strings.Contains(strings.Join(a.Factors, "\n"), c.reason) {
				t.Errorf("factors %q do not say %q", a.Factors, c.reason)
			}
		})
	}
}

func TestAssessImpact(t *testing.T) {
	rb := func(down time.Duration, services ...string) *runbook.Runbook {
		return &runbook.Runbook{Change: runbook.Change{ExpectedDowntime: down, AffectedServices: services}}
	}
	withSystems := &plan.Plan{Systems: []plan.System{{Role: "SMS Provider", Name: "cm02"}}}
	cases := []struct {
		name string
		p    *plan.Plan
		rb   *runbook.Runbook
		want level
	}{
		{"nothing declared", &plan.Plan{}, nil, level1},
		{"no downtime, no service", &plan.Plan{}, rb(0), level1},
		{"a service, no downtime", &plan.Plan{}, rb(0, "console"), level2},
		{"discovered systems, no downtime", withSystems, rb(0), level2},
		{"30m of downtime", &plan.Plan{}, rb(30 * time.Minute), level2},
		{"1h of downtime", &plan.Plan{}, rb(time.Hour), level3},
		{"4h of downtime", &plan.Plan{}, rb(4 * time.Hour), level4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if a := assessImpact(c.p, c.rb); a.Level != c.want || len(a.Factors) != 1 {
				t.Errorf("impact %s (%q), want %s", impactNames[a.Level], a.Factors, impactNames[c.want])
			}
		})
	}
}

func TestPlainAndADFRenderTheSameText(t *testing.T) {
	var tx text
	tx.para("Intro line one\nline two")
	tx.heading("Steps")
	tx.numbered([]string{"first", "second"})
	tx.bullets([]string{"a"})
	tx.para("")
	want := "Intro line one\nline two\n\nSteps\n-----\n1. first\n2. second\n\n- a\n\n"
	if got := tx.plain(); got != want {
		t.Errorf("plain:\n%q\nwant\n%q", got, want)
	}
	doc := tx.adf()
	if len(doc.Content) != 5 || doc.Content[0].Content[1].Type != "hardBreak" || doc.Content[2].Type != "orderedList" {
		t.Errorf("adf: %+v", doc)
	}
	if last := doc.Content[4].Content; len(last) != 1 || last[0].Text != "-" {
		t.Errorf("an empty paragraph gave %+v, want one text node \"-\"", last)
	}
	if got := truncate("abcdef", 4); got != "abc…" {
		t.Errorf("truncate = %q", got)
	}
}
