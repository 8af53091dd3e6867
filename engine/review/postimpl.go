package review

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/state"
)

// PostImplementation writes the post-implementation report of a run
// (Markdown) from its record, its steps and its journal: the actual
// timeline, who approved what and when (with the plan digest they
// approved), each step's outcome, in-doubt resolutions, change-window
// overrides, and the journal's head hash. head is the head the caller
// verified (state.Store.VerifyJournal); the report says whether the
// journal given ends with it.
func PostImplementation(w io.Writer, run state.Run, steps []state.StepRecord, journal []state.JournalEntry, head string) error {
	m := &mdDoc{}
	m.f("# Post-implementation report: %s\n\n", mdText(run.Runbook))
	m.table("Field", "Value")
	row := func(k, v string) { m.row(k, mdText(orDash(v))) }
	row("Run", run.ID)
	row("Runbook", run.Runbook)
	row("Path", run.RunbookPath)
	row("Version", run.Version)
	row("Source digest", prefixed(run.SourceDigest))
	row("Plan digest", prefixed(run.PlanDigest))
	row("Inputs digest", prefixed(run.InputsDigest))
	row("Target", run.Target)
	if run.Rehearsal {
		row("Rehearsal", "yes (virtual clock, simulated site)")
	}
	row("Requester", run.Requester)
	row("Host", run.Host)
	row("Engine", run.EngineVersion)
	row("Outcome", string(run.Status))
	row("Reason", run.Reason)
	row("Started", stamp(run.CreatedAt))
	row("Finished", stamp(run.FinishedAt))
	if d := took(run.CreatedAt, run.FinishedAt); d != "" {
		row("Duration", d)
	}
	if len(run.Inputs) > 0 {
		m.section("Inputs")
		for _, n := range sortedKeys(run.Inputs) {
			m.f("- %s = %s\n", mdCode(n), mdText(run.Inputs[n]))
		}
	}
	mdRunRecords(m, run, steps, journal)
	m.section("Change window")
	win := windowLines(journal, mdCode, mdText)
	if len(win) == 0 {
		m.f("The change window was never short and never overridden.\n")
	}
	for _, l := range win {
		m.f("- %s\n", l)
	}
	mdJournal(m, journal, head)
	return m.writeTo(w, "the post-implementation report")
}

// mdRunRecords writes the timeline, the step outcomes, the approvals and
// the in-doubt resolutions as tables.
func mdRunRecords(m *mdDoc, run state.Run, steps []state.StepRecord, journal []state.JournalEntry) {
	var timeline, outcomes, approvals, resolutions [][]string
	for _, e := range journal {
		timeline = append(timeline, []string{fmt.Sprint(e.Seq), stamp(e.At), "+" + elapsed(journal, e),
			mdText(e.Type), codeOrDash(e.Step), mdText(orDash(e.Actor)), mdText(orDash(dataText(e.Data)))})
	}
	for _, s := range steps {
		attempts := "-"
		if s.Attempt > 0 {
			attempts = fmt.Sprint(s.Attempt)
		}
		outcomes = append(outcomes, []string{mdCode(s.Name), string(s.Status), attempts, stamp(s.StartedAt), stamp(s.FinishedAt),
			orDash(took(s.StartedAt, s.FinishedAt)), mdText(orDash(note(s)))})
		for _, a := range s.Approvals {
			approvals = append(approvals, []string{mdCode(s.Name), mdText(a.By), mdText(a.Decision), stamp(a.At),
				mdText(approvedDigest(run, a)), mdText(evidence(journal, s.Name, a.By)), mdText(orDash(a.Comment))})
		}
		if r := s.Resolution; r != nil {
			resolutions = append(resolutions, []string{mdCode(s.Name), mdText(r.By), mdText(r.Decision), stamp(r.At), mdText(r.Reason)})
		}
	}
	m.section("Timeline")
	m.tableOr("The journal is empty.", timeline, "#", "Time (UTC)", "+Elapsed", "Event", "Step", "By", "Details")
	m.section("Step outcomes")
	m.tableOr("No step records.", outcomes, "Step", "Outcome", "Attempts", "Started", "Finished", "Took", "Note")
	m.section("Approvals")
	m.tableOr("No approvals were given in this run.", approvals, "Step", "By", "Decision", "When (UTC)", "Plan digest approved", "Evidence", "Comment")
	m.section("In-doubt resolutions")
	m.tableOr("No step was in doubt.", resolutions, "Step", "By", "Decision", "When (UTC)", "Reason")
}

// mdJournal says how many entries the journal has and whether it ends
// with the verified head.
func mdJournal(m *mdDoc, journal []state.JournalEntry, head string) {
	m.section("Journal")
	last := lastHash(journal)
	m.f("- Entries: %d\n", len(journal))
	m.f("- Head hash: %s\n", mdText(orNone(head)))
	switch {
	case head == "":
		m.f("- The journal's head was not verified.\n")
	case last == head:
		m.f("- The last entry's hash matches the verified head.\n")
	default:
		m.f("- WARNING: the last entry's hash (%s) does not match the head; the journal given is incomplete or was altered.\n", mdText(orNone(last)))
	}
}

// elapsed is the time from the journal's first entry to e.
func elapsed(journal []state.JournalEntry, e state.JournalEntry) string {
	return plan.FormatDuration(int64(e.At.Sub(journal[0].At).Seconds()))
}

// took is the time from start to end, "" when either is unknown.
func took(start, end time.Time) string {
	if start.IsZero() || end.IsZero() {
		return ""
	}
	return plan.FormatDuration(int64(end.Sub(start).Seconds()))
}

// note is why a step failed or was skipped.
func note(s state.StepRecord) string {
	if s.Error != "" {
		return s.Error
	}
	return s.Reason
}

// approvedDigest is the plan digest an approval names, flagged when it is
// not the run's.
func approvedDigest(run state.Run, a state.Approval) string {
	switch {
	case a.PlanDigest == "":
		return "(none recorded)"
	case run.PlanDigest != "" && a.PlanDigest != run.PlanDigest:
		return prefixed(a.PlanDigest) + " (DIFFERS from the run's plan)"
	}
	return prefixed(a.PlanDigest)
}

func lastHash(journal []state.JournalEntry) string {
	if len(journal) == 0 {
		return ""
	}
	return journal[len(journal)-1].Hash
}

// windowLines describe the journal's change-window events, with step
// names in code and other text escaped for the document's format.
func windowLines(journal []state.JournalEntry, code, esc func(string) string) []string {
	var lines []string
	for _, e := range journal {
		if !strings.HasPrefix(e.Type, "window.") {
			continue
		}
		s := stamp(e.At) + " window too short"
		if e.Type == "window.override" {
			s = stamp(e.At) + " window overridden"
		}
		if e.Step != "" {
			s += " before " + code(e.Step)
		}
		if e.Actor != "" {
			s += " by " + esc(e.Actor)
		}
		if d := dataText(e.Data); d != "" {
			s += " (" + esc(d) + ")"
		}
		lines = append(lines, s)
	}
	return lines
}

// sortedKeys are the keys of m, sorted.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func prefixed(d string) string {
	if d == "" {
		return ""
	}
	return "sha256:" + d
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func codeOrDash(s string) string {
	if s == "" {
		return "-"
	}
	return mdCode(s)
}

// dataText renders journal data as sorted key=value pairs.
func dataText(d map[string]string) string {
	parts := sortedKeys(d)
	for i, k := range parts {
		parts[i] = k + "=" + d[k]
	}
	return strings.Join(parts, ", ")
}

// evidence says how the journal proves an approval: signed (with the key's
// fingerprint; journal verify re-verifies it against the run's allowed
// signers) or unsigned, with the OS identity that wrote it.
func evidence(journal []state.JournalEntry, step, by string) string {
	for i := len(journal) - 1; i >= 0; i-- {
		e := journal[i]
		if e.Answer == nil || e.Step != step || !state.SameName(e.Answer.By, by) {
			continue
		}
		if len(e.Answer.Signed) > 0 {
			var f struct {
				Key string `json:"key_fingerprint"`
			}
			_ = json.Unmarshal(e.Answer.Signed, &f)
			return "signed, key " + orDash(f.Key)
		}
		if e.Identity != "" {
			return "unsigned (identity " + e.Identity + ")"
		}
		return "unsigned"
	}
	return "-"
}
