package review

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/engine/runbook"
)

// errNoPlan is returned when a change record, in any format, is asked for
// without a plan.
var errNoPlan = errors.New("writing the change record: no plan; build or load one first")

// record is a change record as a ticketing tool takes it: the fields of a
// ServiceNow change request or a Jira Service Management change, derived
// from the review's doc (the one model the Markdown and HTML reviews
// render) with the graded risk and impact and the planned window.
type record struct {
	Summary    string
	ChangeType string // standard, normal or emergency
	// Digest is the plan digest, "sha256:…".
	Digest string
	// Start and End are the planned window, zero when its bounds are known
	// only at run time.
	Start, End     time.Time
	Risk, Impact   assessment
	Description    text
	Justification  text
	RiskAnalysis   text
	Implementation text
	Backout        text
	Test           text
}

// newRecord builds the change record of plan p for runbook rb (nil when
// only a saved plan is at hand).
func newRecord(p *plan.Plan, rb *runbook.Runbook, ev Evidence) (*record, error) {
	if p == nil {
		return nil, errNoPlan
	}
	d := build(p, rb, ev)
	r := &record{Summary: d.Title, ChangeType: orText(d.Change.Type, "normal"), Digest: "sha256:" + p.PlanDigest,
		Risk: assessRisk(p, rb), Impact: assessImpact(p, rb)}
	if w := p.Window; w != nil {
		start, err1 := time.Parse(time.RFC3339, w.Start)
		end, err2 := time.Parse(time.RFC3339, w.End)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("writing the change record: the plan's window is not RFC 3339 (%w); plan again", err)
		}
		r.Start, r.End = start.UTC(), end.UTC()
	}
	r.Description = describe(d, r.Digest)
	r.Justification = justify(d)
	r.RiskAnalysis = analyse(d, r)
	r.Implementation = implementation(d, r.Digest)
	r.Backout = backout(d)
	r.Test = testPlan(d)
	return r, nil
}

// describe is the record's description: summary, the plan digest,
// identity, affected systems, impact, schedule and communication.
func describe(d *doc, digest string) text {
	var t text
	if d.Summary != "" {
		t.para(d.Summary)
	}
	t.para("Plan: " + d.SummaryLine)
	t.para("Plan digest: " + digest + ". baton records every approval with the digest of the plan approved; a changed plan has another digest.")
	t.heading("Identity")
	t.bullets(pairLines(d.Identity))
	t.section("Affected systems", affected(d))
	t.heading("Impact and downtime")
	t.bullets([]string{"Impact: " + orNone(d.Change.Impact), "Expected downtime: " + orNone(d.Downtime)})
	t.heading("Schedule")
	t.bulletsOr(d.Window, "No change window is declared.")
	t.bullets(d.Duration)
	t.heading("Communication")
	t.para(orNone(d.Change.Communication))
	return t
}

func affected(d *doc) text {
	var items []string
	for _, tg := range d.Plan.Targets {
		s := "Target " + tg.Name + " (" + tg.Type + ")"
		if tg.Summary != "" {
			s += ": " + tg.Summary
		}
		items = append(items, s)
	}
	for _, s := range d.Change.AffectedServices {
		items = append(items, "Service: "+s)
	}
	for _, s := range d.Plan.Systems {
		items = append(items, fmt.Sprintf("%s %s (site %s), discovered by check %s", s.Role, s.Name, orDash(s.Site), s.From))
	}
	var t text
	t.bulletsOr(items, "None declared.")
	if len(d.Plan.Systems) == 0 && !d.Plan.Refreshed {
		t.para("Downstream systems are not listed: no check ran at plan time.")
	}
	return t
}

func justify(d *doc) text {
	var t text
	t.para(orNone(d.Change.Reason))
	t.para("Change type: " + orNone(d.Change.Type) + ".")
	return t
}

// analyse is the risk and impact analysis: the graded levels and their
// factors, the declared mitigations and the plan's risk indicators.
func analyse(d *doc, r *record) text {
	var t text
	t.para("Risk: " + riskNames[r.Risk.Level] + " (graded by baton; the highest of the factors below).")
	t.bullets(r.Risk.Factors)
	t.para("Declared risk: " + orNone(d.Change.Risk) + ".")
	t.heading("Mitigations")
	t.bulletsOr(d.Change.Mitigations, "(none declared)")
	t.heading("Computed from the plan")
	t.bullets(d.Hints)
	t.heading("Impact")
	t.para("Impact: " + impactNames[r.Impact.Level] + " (graded by baton).")
	t.bullets(r.Impact.Factors)
	t.para("Declared impact: " + orNone(d.Change.Impact))
	return t
}

// implementation is the implementation plan: the numbered steps, the
// facts that decide branches and the approvals required.
func implementation(d *doc, digest string) text {
	var t text
	t.numbered(stepLines(d.Steps))
	if len(d.Plan.Facts) > 0 {
		var facts []string
		for _, f := range d.Plan.Facts {
			facts = append(facts, fmt.Sprintf("%s = %s at plan time; decides %s", f.Path, f.Value, strings.Join(f.Decides, ", ")))
		}
		t.heading("Facts that decide branches")
		t.bullets(facts)
	}
	var gates []string
	for _, a := range d.Approvals {
		s := fmt.Sprintf("%s: %s; approvers %s; %s required; requester may approve: %s; expires: %s", a.Step, a.Kind, a.Approvers, a.Min, a.Requester, a.Expires)
		if a.Instructions != "" {
			s += ". Instructions: " + a.Instructions
		}
		gates = append(gates, s)
	}
	t.heading("Approvals required")
	t.bulletsOr(gates, "None declared in the runbook.")
	t.para("Approvals are recorded with the plan digest " + digest + ".")
	if d.Signing != "" {
		t.para(d.Signing) // who may sign, as the Markdown and HTML records say
	}
	return t
}

// stepLines describes each step on one line: name, references, class,
// whether it runs, what it does, its expected duration and verification.
func stepLines(rows []implStep) []string {
	lines := make([]string, 0, len(rows))
	for _, r := range rows {
		head := r.Name
		if r.Refs != "" {
			head += " [" + r.Refs + "]"
		}
		runs := r.Class + ", " + r.Action
		if r.PNR {
			runs += ", POINT OF NO RETURN"
		}
		s := head + " (" + runs + "): " + sentence(r.What)
		if r.Expected != "" {
			s += " Expected: " + r.Expected + "."
		}
		if r.Reason != "" {
			s += " Why: " + sentence(r.Reason)
		}
		if len(r.Verification) > 0 {
			s += " Verification: " + sentence(strings.Join(r.Verification, "; "))
		}
		lines = append(lines, s)
	}
	return lines
}

// sentence ends s with a full stop unless it ends a sentence already.
func sentence(s string) string {
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}

// backout is the back-out plan: who, summary, trigger, restored state,
// duration and the steps.
func backout(d *doc) text {
	bo := d.Plan.Backout
	var t text
	t.bullets([]string{
		"Who: " + orNone(d.Implementers),
		"Summary: " + orNone(bo.Summary),
		"Trigger: " + orNone(bo.Trigger),
		"Restored state: " + orNone(bo.RestoredState),
		"Duration: " + plan.FormatDuration(bo.ExpectedSeconds) + " expected, " + plan.FormatDuration(bo.WorstCaseSeconds) + " worst case",
	})
	t.heading("Back-out steps")
	if len(d.BackoutSteps) == 0 {
		t.para("No back-out steps are declared.")
	}
	t.numbered(stepLines(d.BackoutSteps))
	return t
}

// testPlan is the test plan: the preflight results, the verification
// after the change and the rehearsal evidence.
func testPlan(d *doc) text {
	var t text
	t.heading("Preflight checks")
	switch {
	case !d.Plan.Refreshed:
		t.para("No check ran at plan time (refresh off); the checks run first when the change is applied.")
	case len(d.Preflight) == 0:
		t.para("No check could run at plan time.")
	}
	var pre []string
	for _, s := range d.Preflight {
		line := s.Name + ": " + s.Check.Status
		if s.Check.Blocks {
			line += " (blocks apply)"
		}
		line = sentence(line)
		if s.Check.Message != "" {
			line += " " + sentence(s.Check.Message)
		}
		if s.Check.Observation != "" {
			line += " Observed: " + s.Check.Observation
		}
		pre = append(pre, line)
	}
	t.bullets(pre)
	t.heading("Post-change verification")
	if len(d.PostChecks) == 0 && len(d.Post) == 0 {
		t.para("None declared.")
	}
	t.numbered(stepLines(d.PostChecks))
	if len(d.Post) > 0 {
		t.para("Post-tasks (after every main step succeeded):")
		t.numbered(stepLines(d.Post))
	}
	t.section("Rehearsal", rehearsalText(d.Rehearsal))
	return t
}

func rehearsalText(v *rehearsalView) text {
	var t text
	if v == nil {
		t.para("No rehearsal report is attached. Rehearse the change against a simulated site and attach its report (baton review --rehearsal --site FIXTURE).")
		return t
	}
	t.bullets(pairLines(v.Fields))
	if len(v.Branches) > 0 {
		t.para("Branches taken:")
		t.bullets(v.Branches)
	}
	if len(v.Blocked) > 0 {
		var b []string
		for _, x := range v.Blocked {
			b = append(b, x.Step+": "+x.Message)
		}
		t.para("Checks that blocked:")
		t.bullets(b)
	}
	if len(v.Timeline) > 0 {
		var tl []string
		for _, e := range v.Timeline {
			tl = append(tl, e[0]+" "+e[1]+": "+e[2])
		}
		t.para("Virtual timeline:")
		t.bullets(tl)
	}
	return t
}
