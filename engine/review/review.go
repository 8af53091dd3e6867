// Package review writes the documents a change board reads: the change
// record of a plan (Markdown, or one self-contained HTML file with the
// flowchart rendered offline by an embedded Mermaid) and, after the
// change, the post-implementation report from a run's journal; and both as
// the JSON bodies ServiceNow and Jira Service Management take. Everything
// it writes comes from the plan, the runbook's declared change metadata
// and recorded evidence; it never shows a sensitive value.
package review

import (
	"fmt"
	"strings"
	"time"

	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/engine/runbook"
)

// Evidence is what the CLI adds to a change record besides the plan.
type Evidence struct {
	// GitCommit is the commit of the repository holding the runbook, ""
	// when it is not in a git repository.
	GitCommit string
	// GitDirty is true when the runbook's files differ from GitCommit.
	GitDirty bool
	// Rehearsal is the report of a rehearsal of this plan, nil when none.
	Rehearsal *Rehearsal
}

// Rehearsal summarises a rehearsal run on a virtual clock against a
// simulated site: the change's test evidence.
type Rehearsal struct {
	RunID    string
	Runbook  string
	Fixture  string // "contoso/healthy"
	Scenario string // "" for the fixture's default
	Outcome  string // "succeeded", "failed", "backed_out"...
	// PlanDigest is the digest of the plan rehearsed ("" when unknown).
	PlanDigest string
	// VirtualDuration is how long the rehearsal took on the virtual clock.
	VirtualDuration time.Duration
	Timeline        []TimelineEntry
	Branches        []Branch
	// Blocked are the checks that stopped the rehearsal (or would have).
	Blocked     []Blocked
	JournalHead string
}

// TimelineEntry is one event of a rehearsal, at an offset from its start.
type TimelineEntry struct {
	Offset time.Duration
	Step   string
	Event  string // "succeeded", "skipped: branch not taken"...
}

// Branch is a decision taken during a rehearsal.
type Branch struct {
	Decision string
	Value    string // "true" / "false"
	Taken    []string
	Skipped  []string
}

// Blocked is a check that blocked a rehearsal.
type Blocked struct {
	Step    string
	Message string
}

// doc is everything a change record shows, computed once from the plan,
// the runbook's change metadata and the evidence, and rendered in every
// format.
type doc struct {
	Plan *plan.Plan
	// Change is the runbook's change metadata, zero when only a saved plan
	// is at hand.
	Change runbook.Change
	Title  string
	// Identity names the runbook, its version, digests, target, owner and
	// implementers.
	Identity     [][2]string
	Summary      string
	Owner        string
	Implementers string
	Downtime     string
	Hints        []string
	Steps        []implStep
	Mermaid      string
	Preflight    []*plan.Step
	Approvals    []approvalRow
	Signing      string // who may sign decisions, when the runbook requires signatures
	BackoutSteps []implStep
	PostChecks   []implStep
	Post         []implStep
	Window       []string
	Duration     []string
	Rehearsal    *rehearsalView
	SummaryLine  string
}

type implStep struct {
	N            int
	Name         string
	Class        string
	Action       string
	Symbol       string
	What         string
	Reason       string
	Expected     string
	Verification []string
	PNR          bool
	Refs         string
}

type approvalRow struct {
	Step, Kind, Approvers, Min, Requester, Expires, Instructions string
}

// build computes the doc of plan p once, for every format.
func build(p *plan.Plan, rb *runbook.Runbook, ev Evidence) *doc {
	d := &doc{Plan: p, Title: orText(p.Runbook.Title, p.Runbook.Name), Mermaid: Mermaid(p), Signing: signing(rb),
		Rehearsal: rehearsalOf(ev.Rehearsal, p.PlanDigest), SummaryLine: strings.TrimPrefix(p.SummaryLine(), "Plan: ")}
	if rb != nil {
		d.Change, d.Summary, d.Owner = rb.Change, rb.Description, rb.Owner
		d.Implementers = strings.Join(rb.Change.Implementers, ", ")
		if rb.Change.ExpectedDowntime > 0 {
			d.Downtime = plan.FormatDuration(int64(rb.Change.ExpectedDowntime / time.Second))
		}
	}
	d.Identity = identity(p, ev, d)
	d.Hints = hints(p)
	for i, s := range p.Steps {
		d.Steps = append(d.Steps, row(p, i+1, s))
		if s.Check != nil {
			d.Preflight = append(d.Preflight, s)
		}
		if s.Approval != nil || s.Manual != nil {
			d.Approvals = append(d.Approvals, gateRow(s))
		}
	}
	for i, s := range p.Backout.Steps {
		d.BackoutSteps = append(d.BackoutSteps, row(p, i+1, s))
	}
	for i, s := range p.Post {
		d.Post = append(d.Post, row(p, i+1, s))
	}
	d.PostChecks = postChecks(p)
	d.Duration, d.Window = schedule(p, rb)
	return d
}

func identity(p *plan.Plan, ev Evidence, d *doc) [][2]string {
	commit := ev.GitCommit
	if commit == "" {
		commit = "(not in a git repository)"
	} else if ev.GitDirty {
		commit += " (with uncommitted changes)"
	}
	return [][2]string{
		{"Runbook", p.Runbook.Name},
		{"Version", orNone(p.Runbook.Version)},
		{"Path", p.Runbook.Path},
		{"Git commit", commit},
		{"Plan digest", "sha256:" + p.PlanDigest},
		{"Source digest", "sha256:" + p.Runbook.SourceDigest},
		{"Inputs digest", "sha256:" + p.InputsDigest},
		{"Target", orNone(p.Target)},
		{"Engine", p.EngineVersion},
		{"Owner", orNone(d.Owner)},
		{"Implementers", orNone(d.Implementers)},
	}
}

// postChecks are the post-change verification: the checks and waits that
// come after the last action and depend, directly or not, on an action.
func postChecks(p *plan.Plan) []implStep {
	last := -1
	afterAction := map[string]bool{}
	for i, s := range p.Steps {
		if s.Class == "action" && s.Action != plan.WillNotRun {
			last = i
			afterAction[s.Name] = true
		}
		for _, dep := range s.Deps {
			if afterAction[dep] {
				afterAction[s.Name] = true
			}
		}
	}
	var rows []implStep
	for i, s := range p.Steps {
		if i > last && last >= 0 && afterAction[s.Name] && (s.Class == "check" || s.Class == "wait") {
			rows = append(rows, row(p, i+1, s))
		}
	}
	return rows
}

// schedule is the expected durations and, when the runbook declares a
// change window, whether they fit it.
func schedule(p *plan.Plan, rb *runbook.Runbook) (duration, window []string) {
	dur := p.Duration
	duration = []string{
		"Expected: " + plan.FormatDuration(dur.ExpectedSeconds) + " (critical path: " + joinOr(dur.CriticalPath, " → ", "none") + ")",
		"Worst case: " + plan.FormatDuration(dur.WorstCaseSeconds),
		"Back-out: " + plan.FormatDuration(p.Backout.ExpectedSeconds) + " expected, " + plan.FormatDuration(p.Backout.WorstCaseSeconds) + " worst case",
	}
	for _, note := range dur.Notes {
		duration = append(duration, "Note: "+note)
	}
	if w := p.Window; w != nil {
		window = []string{
			fmt.Sprintf("Window: %s to %s (%s)", w.Start, w.End, plan.FormatDuration(w.LengthSeconds)),
			fmt.Sprintf("Expected duration + back-out (%s): %s", plan.FormatDuration(dur.ExpectedSeconds+p.Backout.ExpectedSeconds), fitText(w.FitsExpected)),
			fmt.Sprintf("Worst case + back-out (%s): %s", plan.FormatDuration(dur.WorstCaseSeconds+p.Backout.WorstCaseSeconds), fitText(w.FitsWorstCase)),
		}
	} else if rb != nil && rb.Change.WindowEnd != nil {
		window = []string{"The window's bounds are known only at run time; baton checks it before each point of no return."}
	}
	return duration, window
}

func fitText(ok bool) string {
	if ok {
		return "fits the window"
	}
	return "does NOT fit the window"
}

// orText is s, or none when s is empty.
func orText(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

func orNone(s string) string { return orText(s, "(none)") }
func orDash(s string) string { return orText(s, "-") }

func joinOr(s []string, sep, none string) string {
	if len(s) == 0 {
		return none
	}
	return strings.Join(s, sep)
}

// hints are computed risk indicators.
func hints(p *plan.Plan) []string {
	actions := running(p, isAction)
	h := []string{fmt.Sprintf("%s the world: %s.", count(len(actions), "action changes", "actions change"), joinOr(actions, ", ", "none"))}
	for _, k := range []struct {
		is             func(*plan.Step) bool
		one, many, msg string
	}{
		{func(s *plan.Step) bool { return s.PointOfNoReturn }, "point of no return", "points of no return", "%s: %s. The change window is checked before each."},
		{func(s *plan.Step) bool { return s.Action == plan.MayRun }, "step depends", "steps depend", "%s on facts known only at run time: %s."},
		{func(s *plan.Step) bool { return s.Class == "manual" }, "manual step depends", "manual steps depend", "%s on people: %s."},
		{func(s *plan.Step) bool { return s.Class == "approval" }, "approval gate", "approval gates", "%s: %s."},
	} {
		if names := running(p, k.is); len(names) > 0 {
			h = append(h, fmt.Sprintf(k.msg, count(len(names), k.one, k.many), strings.Join(names, ", ")))
		}
	}
	if !p.Refreshed {
		h = append(h, "No check ran at plan time (refresh off): preflight results are known only at run time.")
	}
	if p.PreflightFailed() {
		h = append(h, "A preflight check FAILED at plan time: apply would stop.")
	}
	if len(p.Backout.Steps) == 0 && len(actions) > 0 {
		h = append(h, "No back-out steps are declared.")
	}
	return h
}

// running names the main steps that will or may run and satisfy is.
func running(p *plan.Plan, is func(*plan.Step) bool) []string {
	var names []string
	for _, s := range p.Steps {
		if s.Action != plan.WillNotRun && is(s) {
			names = append(names, s.Name)
		}
	}
	return names
}

func isAction(s *plan.Step) bool { return s.Class == "action" }

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func row(p *plan.Plan, n int, s *plan.Step) implStep {
	r := implStep{N: n, Name: s.Name, Class: s.Class, Action: plan.ActionText(s.Action), Symbol: plan.Symbol(s.Action),
		What: orText(s.Summary, s.Description), Reason: s.Reason, PNR: s.PointOfNoReturn, Refs: strings.Join(s.Refs, ", ")}
	switch {
	case s.Decision != nil:
		r.What = "decide " + s.Decision.Condition + " (" + orText(s.Decision.Value, "known at run time") + ")"
	case s.Manual != nil:
		r.What = "by hand: " + s.Manual.Instructions
	case s.Approval != nil && r.What == "":
		r.What = "approval"
	}
	if s.ExpectedSeconds > 0 {
		r.Expected = plan.FormatDuration(s.ExpectedSeconds)
	}
	if s.Wait != nil {
		r.Verification = append(r.Verification, "waits until "+s.Wait.Until+" (up to "+plan.FormatDuration(s.Wait.TimeoutSeconds)+")")
	}
	for _, a := range s.Asserts {
		r.Verification = append(r.Verification, "asserts "+a)
	}
	if s.Class == "action" || s.Class == "backout" || s.Class == "post" {
		if s.Verify != nil {
			r.Verification = append(r.Verification, "verify: "+s.Verify.Condition+" ("+s.Verify.Uses+")")
		}
		for _, other := range p.AllSteps() {
			if other.Class != "check" && other.Class != "wait" {
				continue
			}
			for _, d := range other.Deps {
				if d == s.Name {
					r.Verification = append(r.Verification, "followed by "+other.Class+" "+other.Name)
				}
			}
		}
	}
	return r
}

// gateRow is the approvals-table row of an approval or manual step.
func gateRow(s *plan.Step) approvalRow {
	r := approvalRow{Step: s.Name, Kind: "approval", Requester: "no", Expires: "never"}
	g := s.Approval
	if s.Manual != nil {
		g, r.Kind, r.Instructions = &s.Manual.Gate, "manual step (confirmation)", s.Manual.Instructions
	} else {
		r.Instructions = g.Instructions
	}
	r.Approvers, r.Min = joinOr(g.Approvers, ", ", "anyone"), fmt.Sprint(g.MinApprovals)
	if g.AllowRequester {
		r.Requester = "yes"
	}
	if g.ExpiresAfterSeconds > 0 {
		r.Expires = plan.FormatDuration(g.ExpiresAfterSeconds)
	}
	return r
}

// signing says who may sign decisions when the runbook names an
// allowed-signers file: the file, its digest and each line's names and key.
func signing(rb *runbook.Runbook) string {
	if rb == nil || rb.AllowedSigners == nil {
		return ""
	}
	as := rb.AllowedSigners
	var lines []string
	for _, l := range as.Lines() {
		lines = append(lines, strings.Join(l.Principals, ", ")+" (key "+l.Fingerprint+")")
	}
	return fmt.Sprintf("Approvals, resolutions and window overrides count only when signed with a key that the allowed-signers file %s (sha256:%s) allows for the name they claim: %s. The requester's own key never counts where the requester may not approve.",
		as.Name(), as.Digest(), strings.Join(lines, "; "))
}
