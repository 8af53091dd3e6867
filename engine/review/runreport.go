package review

import (
	"fmt"
	"sort"

	"github.com/batonhq/baton/state"
)

// runReport is a run's post-implementation report as a ticketing tool
// takes it: a summary (ServiceNow close notes, the head of a Jira comment)
// and the details (work notes), both carrying the plan digest and the
// journal head hash so that the ticket anchors the hash chain.
type runReport struct {
	// Ended is true once the run has ended for good.
	Ended bool
	// CloseCode is successful, successful_issues or unsuccessful; "" while
	// the run has not ended.
	CloseCode string
	// Issues say why a successful run closes with issues.
	Issues  []string
	Summary text
	Details text
}

func newRunReport(run state.Run, steps []state.StepRecord, journal []state.JournalEntry, head string) *runReport {
	rr := &runReport{Ended: run.Status.Done()}
	rr.Issues = runIssues(run, steps, journal, head)
	switch {
	case !rr.Ended:
	case run.Status == state.RunSucceeded && len(rr.Issues) == 0:
		rr.CloseCode = snSuccessful
	case run.Status == state.RunSucceeded:
		rr.CloseCode = snSuccessfulIssues
	default:
		rr.CloseCode = snUnsuccessful
	}
	rr.Summary = runSummary(run, steps, journal, head, rr)
	rr.Details = runDetails(run, steps, journal)
	return rr
}

// runIssues lists what makes a successful run successful with issues.
func runIssues(run state.Run, steps []state.StepRecord, journal []state.JournalEntry, head string) []string {
	var issues []string
	for _, s := range steps {
		if s.Resolution != nil {
			issues = append(issues, fmt.Sprintf("step %s was in doubt and resolved by %s as %s", s.Name, s.Resolution.By, s.Resolution.Decision))
		}
		if s.Attempt > 1 {
			issues = append(issues, fmt.Sprintf("step %s took %d attempts", s.Name, s.Attempt))
		}
		for _, a := range s.Approvals {
			if a.PlanDigest != "" && run.PlanDigest != "" && a.PlanDigest != run.PlanDigest {
				issues = append(issues, fmt.Sprintf("%s's approval of %s names another plan (%s)", a.By, s.Name, prefixed(a.PlanDigest)))
			}
		}
	}
	issues = append(issues, windowLines(journal, plainText, plainText)...)
	if j := journalState(journal, head); j != "" {
		issues = append(issues, j)
	}
	return issues
}

// journalState is "" when the journal given ends with the verified head,
// else what is wrong.
func journalState(journal []state.JournalEntry, head string) string {
	switch last := lastHash(journal); {
	case head == "":
		return "the journal's head was not verified"
	case last != head:
		return fmt.Sprintf("the last journal entry's hash (%s) does not match the verified head: the journal given is incomplete or was altered", orNone(last))
	}
	return ""
}

// plainText is text as it is, for the plain-text and ADF documents.
func plainText(s string) string { return s }

// runSummary is the short account of the run: outcome, digests, journal
// head, step counts, approvals and the close code's reasons.
func runSummary(run state.Run, steps []state.StepRecord, journal []state.JournalEntry, head string, rr *runReport) text {
	var t text
	what := "run"
	if run.Rehearsal {
		what = "rehearsal run (virtual clock, simulated site)"
	}
	t.para(fmt.Sprintf("baton %s %s of runbook %s %s: %s.", what, run.ID, run.Runbook, orNone(run.Version), run.Status))
	items := []string{
		"Plan digest: " + orText(prefixed(run.PlanDigest), "(none: the run was not started from a saved plan)"),
		"Journal head hash: " + orNone(head),
		fmt.Sprintf("Journal: %d entries; %s", len(journal), orText(journalState(journal, head), "the last entry's hash matches the verified head")),
		"Source digest: " + orNone(prefixed(run.SourceDigest)),
		"Inputs digest: " + orNone(prefixed(run.InputsDigest)),
		"Target: " + orNone(run.Target),
		"Requester: " + orNone(run.Requester),
		"Started: " + stamp(run.CreatedAt),
		"Finished: " + stamp(run.FinishedAt),
	}
	if d := took(run.CreatedAt, run.FinishedAt); d != "" {
		items = append(items, "Duration: "+d)
	}
	if run.Reason != "" {
		items = append(items, "Reason: "+run.Reason)
	}
	items = append(items, "Steps: "+stepCounts(steps))
	t.bullets(items)
	if rr.CloseCode != "" {
		t.para("Close code: " + rr.CloseCode + ".")
	}
	if len(rr.Issues) > 0 {
		t.para("Issues:")
		t.bullets(rr.Issues)
	}
	return t
}

// stepCounts counts step outcomes: "3 succeeded, 1 skipped".
func stepCounts(steps []state.StepRecord) string {
	n := map[state.StepStatus]int{}
	for _, s := range steps {
		n[s.Status]++
	}
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", n[state.StepStatus(k)], k)
	}
	return joinOr(parts, ", ", "none recorded")
}

func orText(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

// runDetails is the full account of the run, as the Markdown report has
// it: inputs, timeline, step outcomes, approvals, in-doubt resolutions
// and change-window events.
func runDetails(run state.Run, steps []state.StepRecord, journal []state.JournalEntry) text {
	var t text
	if len(run.Inputs) > 0 {
		names := sortedKeys(run.Inputs)
		for i, n := range names {
			names[i] = n + " = " + run.Inputs[n]
		}
		t.heading("Inputs")
		t.bullets(names)
	}
	t.heading("Timeline")
	t.bulletsOr(timelineLines(journal), "The journal is empty.")
	t.heading("Step outcomes")
	t.bulletsOr(outcomeLines(steps), "No step records.")
	t.heading("Approvals")
	t.bulletsOr(approvalLines(run, steps, journal), "No approvals were given in this run.")
	t.heading("In-doubt resolutions")
	var res []string
	for _, s := range steps {
		if r := s.Resolution; r != nil {
			res = append(res, fmt.Sprintf("%s: %s by %s at %s. Reason: %s", s.Name, r.Decision, r.By, stamp(r.At), orDash(r.Reason)))
		}
	}
	t.bulletsOr(res, "No step was in doubt.")
	t.heading("Change window")
	t.bulletsOr(windowLines(journal, plainText, plainText), "The change window was never short and never overridden.")
	return t
}

func timelineLines(journal []state.JournalEntry) []string {
	var lines []string
	for _, e := range journal {
		s := fmt.Sprintf("#%d %s (+%s) %s", e.Seq, stamp(e.At), elapsed(journal, e), e.Type)
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

func approvalLines(run state.Run, steps []state.StepRecord, journal []state.JournalEntry) []string {
	var lines []string
	for _, s := range steps {
		for _, a := range s.Approvals {
			ev := evidence(journal, s.Name, a.By)
			if ev == "-" {
				ev = "no journal entry"
			}
			line := fmt.Sprintf("%s: %s by %s at %s; plan digest approved %s; evidence: %s", s.Name, a.Decision, a.By, stamp(a.At), approvedDigest(run, a), ev)
			if a.Comment != "" {
				line += ". Comment: " + a.Comment
			}
			lines = append(lines, line)
		}
	}
	return lines
}
