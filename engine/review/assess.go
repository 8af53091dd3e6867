package review

import (
	"fmt"
	"strings"
	"time"

	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/engine/runbook"
)

// level grades a risk or an impact, from 1 (the lowest) to 4.
type level int

// Levels, lowest first. Risk says low, moderate, high, very high; impact
// says minor, moderate, significant, extensive.
const (
	level1 level = iota + 1
	level2
	level3
	level4
)

var (
	riskNames   = map[level]string{level1: "low", level2: "moderate", level3: "high", level4: "very high"}
	impactNames = map[level]string{level1: "minor", level2: "moderate", level3: "significant", level4: "extensive"}
)

// assessment is a graded risk or impact and the factors it comes from, in
// the order they were weighed.
type assessment struct {
	Level   level
	Factors []string
}

// atLeast raises a to l (when l is higher) and records why.
func (a *assessment) atLeast(l level, names map[level]string, why string) {
	if l > a.Level {
		a.Level = l
	}
	a.Factors = append(a.Factors, why+": at least "+names[l])
}

// assessRisk grades the change's risk: the declared risk, raised by what
// the plan shows (points of no return, back-out availability, approval
// gates, the window, preflight results). It never lowers the declared
// risk. docs/review.md states the rule.
func assessRisk(p *plan.Plan, rb *runbook.Runbook) assessment {
	a := assessment{Level: level1}
	declared := ""
	if rb != nil {
		declared = rb.Change.Risk
	}
	if l, ok := map[string]level{"low": level1, "medium": level2, "high": level3}[declared]; ok {
		a.atLeast(l, riskNames, "declared risk "+declared)
	} else {
		a.Factors = append(a.Factors, "no risk declared: graded from the plan alone")
	}
	pnr, ungated, actions := pointsOfNoReturn(p)
	backout := len(p.Backout.Steps) > 0
	switch {
	case len(pnr) > 0 && !backout:
		a.atLeast(level3, riskNames, fmt.Sprintf("points of no return (%s) and no back-out steps", strings.Join(pnr, ", ")))
	case len(pnr) > 0:
		a.atLeast(level2, riskNames, fmt.Sprintf("points of no return (%s), with back-out steps", strings.Join(pnr, ", ")))
	case actions > 0 && !backout:
		a.atLeast(level2, riskNames, "actions change the site and no back-out steps are declared")
	}
	if len(ungated) > 0 {
		a.atLeast(level3, riskNames, fmt.Sprintf("no approval gate precedes %s", strings.Join(ungated, ", ")))
	}
	if w := p.Window; w != nil && !w.FitsExpected {
		a.atLeast(level3, riskNames, "the expected duration and back-out do not fit the window")
	} else if w != nil && !w.FitsWorstCase {
		a.atLeast(level2, riskNames, "the worst case and back-out do not fit the window")
	}
	if p.PreflightFailed() {
		a.atLeast(level4, riskNames, "a preflight check failed at plan time (apply would stop)")
	}
	return a
}

// pointsOfNoReturn returns the points of no return that will or may run,
// those no approval gate precedes (among their dependencies, direct or
// not), and how many actions will or may run.
func pointsOfNoReturn(p *plan.Plan) (pnr, ungated []string, actions int) {
	byName := map[string]*plan.Step{}
	for _, s := range p.Steps {
		byName[s.Name] = s
	}
	pnr = running(p, func(s *plan.Step) bool { return s.PointOfNoReturn })
	for _, name := range pnr {
		if !gatedBy(byName[name], byName, map[string]bool{}) {
			ungated = append(ungated, name)
		}
	}
	return pnr, ungated, len(running(p, isAction))
}

// gatedBy reports whether an approval gate that will or may run, with at
// least one required approval, is among s's dependencies.
func gatedBy(s *plan.Step, byName map[string]*plan.Step, seen map[string]bool) bool {
	for _, d := range s.Deps {
		dep := byName[d]
		if dep == nil || seen[d] {
			continue
		}
		seen[d] = true
		if dep.Approval != nil && dep.Approval.MinApprovals > 0 && dep.Action != plan.WillNotRun {
			return true
		}
		if gatedBy(dep, byName, seen) {
			return true
		}
	}
	return false
}

// assessImpact grades the change's impact from its expected downtime and
// the services and systems it affects.
func assessImpact(p *plan.Plan, rb *runbook.Runbook) assessment {
	a := assessment{Level: level1}
	var down time.Duration
	affected := len(p.Systems)
	if rb != nil {
		down = rb.Change.ExpectedDowntime
		affected += len(rb.Change.AffectedServices)
	}
	dt := plan.FormatDuration(int64(down / time.Second))
	switch {
	case down >= 4*time.Hour:
		a.atLeast(level4, impactNames, "expected downtime "+dt+" (4h or more)")
	case down >= time.Hour:
		a.atLeast(level3, impactNames, "expected downtime "+dt+" (1h or more)")
	case down > 0:
		a.atLeast(level2, impactNames, "expected downtime "+dt+" (under 1h)")
	case affected > 0:
		a.atLeast(level2, impactNames, fmt.Sprintf("no downtime expected; %s affected", count(affected, "service or system", "services and systems")))
	default:
		a.atLeast(level1, impactNames, "no downtime expected and no affected service declared")
	}
	return a
}
