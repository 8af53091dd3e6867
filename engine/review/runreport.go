package review

import (
	"fmt"
	"maps"
	"slices"

	"github.com/batonhq/baton/state"
)

// runReport is a run's post-implementation report as a ticketing tool
// takes it: a summary (ServiceNow close notes, the head of a Jira comment)
// and the details (work notes), both carrying the plan digest and the
// journal head hash so that the ticket anchors the hash chain.
type runReport struct {
	// CloseCode is successful, successful_issues or unsuccessful; "" while
	// the run has not ended.
	CloseCode string
	Summary   text
	Details   text
}

func newRunReport(run state.Run, steps []state.StepRecord, journal []state.JournalEntry, head string) *runReport {
	v := newRunView(run, steps, journal, head)
	issues := runIssues(v)
	code := ""
	switch {
	case !run.Status.Done():
	case run.Status != state.RunSucceeded:
		code = snUnsuccessful
	case len(issues) > 0:
		code = snSuccessfulIssues
	default:
		code = snSuccessful
	}
	return &runReport{CloseCode: code, Summary: runSummary(v, code, issues), Details: runDetails(v)}
}

// runIssues lists what makes a successful run successful with issues.
func runIssues(v *runView) []string {
	var issues []string
	for _, s := range v.Steps {
		if s.Resolution != nil {
			issues = append(issues, fmt.Sprintf("step %s was in doubt and resolved by %s as %s", s.Name, s.Resolution.By, s.Resolution.Decision))
		}
		if s.Attempt > 1 {
			issues = append(issues, fmt.Sprintf("step %s took %d attempts", s.Name, s.Attempt))
		}
		for _, a := range s.Approvals {
			if a.PlanDigest != "" && v.PlanDigest != "" && a.PlanDigest != v.PlanDigest {
				issues = append(issues, fmt.Sprintf("%s's approval of %s names another plan (%s)", a.By, s.Name, prefixed(a.PlanDigest)))
			}
		}
	}
	issues = append(issues, windowLines(v.Journal, plainText, plainText)...)
	if j := v.journalState(); j != "" {
		issues = append(issues, j)
	}
	return issues
}

// journalState is "" when the journal given ends with the verified head,
// else what is wrong.
func (v *runView) journalState() string {
	switch {
	case v.Head == "":
		return "the journal's head was not verified"
	case v.Last != v.Head:
		return fmt.Sprintf("the last journal entry's hash (%s) does not match the verified head: the journal given is incomplete or was altered", orNone(v.Last))
	}
	return ""
}

// plainText is text as it is, for the plain-text and ADF documents.
func plainText(s string) string { return s }

// runSummary is the short account of the run: outcome, digests, journal
// head, step counts, approvals, the close code and what makes the run
// successful with issues.
func runSummary(v *runView, closeCode string, issues []string) text {
	var t text
	what := "run"
	if v.Rehearsal {
		what = "rehearsal run (virtual clock, simulated site)"
	}
	t.para(fmt.Sprintf("baton %s %s of runbook %s %s: %s.", what, v.ID, v.Runbook, orNone(v.Version), v.Status))
	items := []string{
		"Plan digest: " + orText(prefixed(v.PlanDigest), "(none: the run was not started from a saved plan)"),
		"Journal head hash: " + orNone(v.Head),
		fmt.Sprintf("Journal: %d entries; %s", len(v.Journal), orText(v.journalState(), "the last entry's hash matches the verified head")),
		"Source digest: " + orNone(prefixed(v.SourceDigest)),
		"Inputs digest: " + orNone(prefixed(v.InputsDigest)),
		"Target: " + orNone(v.Target),
		"Requester: " + orNone(v.Requester),
		"Started: " + stamp(v.CreatedAt),
		"Finished: " + stamp(v.FinishedAt),
	}
	if d := took(v.CreatedAt, v.FinishedAt); d != "" {
		items = append(items, "Duration: "+d)
	}
	if v.Reason != "" {
		items = append(items, "Reason: "+v.Reason)
	}
	items = append(items, "Steps: "+stepCounts(v.Steps))
	t.bullets(items)
	if closeCode != "" {
		t.para("Close code: " + closeCode + ".")
	}
	if len(issues) > 0 {
		t.para("Issues:")
		t.bullets(issues)
	}
	return t
}

// stepCounts counts step outcomes: "3 succeeded, 1 skipped".
func stepCounts(steps []state.StepRecord) string {
	n := map[string]int{}
	for _, s := range steps {
		n[string(s.Status)]++
	}
	parts := slices.Sorted(maps.Keys(n))
	for i, k := range parts {
		parts[i] = fmt.Sprintf("%d %s", n[k], k)
	}
	return joinOr(parts, ", ", "none recorded")
}

// runDetails is the full account of the run, as the Markdown report has
// it: inputs, timeline, step outcomes, approvals, in-doubt resolutions
// and change-window events.
func runDetails(v *runView) text {
	var t text
	if len(v.Inputs) > 0 {
		t.heading("Inputs")
		t.bullets(pairs(v.Inputs, " = "))
	}
	t.heading("Timeline")
	t.bulletsOr(v.timelineLines(), "The journal is empty.")
	t.heading("Step outcomes")
	t.bulletsOr(outcomeLines(v.Steps), "No step records.")
	t.heading("Approvals")
	t.bulletsOr(approvalLines(v), "No approvals were given in this run.")
	t.heading("In-doubt resolutions")
	var res []string
	for _, s := range v.Resolved() {
		r := s.Resolution
		res = append(res, fmt.Sprintf("%s: %s by %s at %s. Reason: %s", s.Name, r.Decision, r.By, stamp(r.At), orDash(r.Reason)))
	}
	t.bulletsOr(res, "No step was in doubt.")
	t.heading("Change window")
	t.bulletsOr(windowLines(v.Journal, plainText, plainText), "The change window was never short and never overridden.")
	return t
}

func (v *runView) timelineLines() []string {
	var lines []string
	for _, e := range v.Journal {
		s := fmt.Sprintf("#%d %s (+%s) %s", e.Seq, stamp(e.At), v.Elapsed(e), e.Type)
		if e.Step != "" {
			s += " " + e.Step
		}
		if e.Actor != "" {
			s += " by " + e.Actor
		}
		if d := dataText(e.Data); d != "" {
			s += " (" + d + ")"
		}
		lines = append(lines, s)
	}
	return lines
}

func outcomeLines(steps []state.StepRecord) []string {
	var lines []string
	for _, s := range steps {
		line := s.Name + ": " + string(s.Status)
		if s.Attempt > 0 {
			line += ", " + count(s.Attempt, "attempt", "attempts")
		}
		if !s.StartedAt.IsZero() {
			line += ", started " + stamp(s.StartedAt)
		}
		if !s.FinishedAt.IsZero() {
			line += ", finished " + stamp(s.FinishedAt)
		}
		if d := took(s.StartedAt, s.FinishedAt); d != "" {
			line += ", took " + d
		}
		if n := note(s); n != "" {
			line += ". " + n
		}
		lines = append(lines, line)
	}
	return lines
}

func approvalLines(v *runView) []string {
	var lines []string
	for _, a := range v.Approvals() {
		ev := v.Evidence(a)
		if ev == "-" {
			ev = "no journal entry"
		}
		line := fmt.Sprintf("%s: %s by %s at %s; plan digest approved %s; evidence: %s", a.Step, a.Decision, a.By, stamp(a.At), v.Digest(a), ev)
		if a.Comment != "" {
			line += ". Comment: " + a.Comment
		}
		lines = append(lines, line)
	}
	return lines
}
