package review

import (
	"bufio"
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
	m := &mdWriter{w: bufio.NewWriter(w)}
	m.f("# Post-implementation report: %s\n\n", mdText(run.Runbook))
	m.f("| Field | Value |\n|-------|-------|\n")
	row := func(k, v string) { m.f("| %s | %s |\n", k, mdText(orDash(v))) }
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
	if !run.FinishedAt.IsZero() && !run.CreatedAt.IsZero() {
		row("Duration", plan.FormatDuration(int64(run.FinishedAt.Sub(run.CreatedAt).Seconds())))
	}
	if len(run.Inputs) > 0 {
		m.section("Inputs")
		names := make([]string, 0, len(run.Inputs))
		for n := range run.Inputs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			m.f("- %s = %s\n", mdCode(n), mdText(run.Inputs[n]))
		}
	}

	m.section("Timeline")
	if len(journal) == 0 {
		m.f("The journal is empty.\n")
	} else {
		start := journal[0].At
		m.f("| # | Time (UTC) | +Elapsed | Event | Step | By | Details |\n|---|------------|----------|-------|------|----|---------|\n")
		for _, e := range journal {
			m.f("| %d | %s | +%s | %s | %s | %s | %s |\n", e.Seq, stamp(e.At), plan.FormatDuration(int64(e.At.Sub(start).Seconds())),
				mdText(e.Type), codeOrDash(e.Step), mdText(orDash(e.Actor)), mdText(orDash(dataText(e.Data))))
		}
	}

	m.section("Step outcomes")
	if len(steps) == 0 {
		m.f("No step records.\n")
	} else {
		m.f("| Step | Outcome | Attempts | Started | Finished | Took | Note |\n|------|---------|----------|---------|----------|------|------|\n")
		for _, s := range steps {
			took := "-"
			if !s.StartedAt.IsZero() && !s.FinishedAt.IsZero() {
				took = plan.FormatDuration(int64(s.FinishedAt.Sub(s.StartedAt).Seconds()))
			}
			note := s.Error
			if note == "" {
				note = s.Reason
			}
			attempts := "-"
			if s.Attempt > 0 {
				attempts = fmt.Sprint(s.Attempt)
			}
			m.f("| %s | %s | %s | %s | %s | %s | %s |\n", mdCode(s.Name), s.Status, attempts, stamp(s.StartedAt), stamp(s.FinishedAt), took, mdText(orDash(note)))
		}
	}

	m.section("Approvals")
	n := 0
	for _, s := range steps {
		for _, a := range s.Approvals {
			if n == 0 {
				m.f("| Step | By | Decision | When (UTC) | Plan digest approved | Evidence | Comment |\n|------|----|----------|------------|----------------------|----------|---------|\n")
			}
			n++
			pd := prefixed(a.PlanDigest)
			switch {
			case a.PlanDigest == "":
				pd = "(none recorded)"
			case run.PlanDigest != "" && a.PlanDigest != run.PlanDigest:
				pd += " (DIFFERS from the run's plan)"
			}
			m.f("| %s | %s | %s | %s | %s | %s | %s |\n", mdCode(s.Name), mdText(a.By), mdText(a.Decision), stamp(a.At), mdText(pd), mdText(evidence(journal, s.Name, a.By)), mdText(orDash(a.Comment)))
		}
	}
	if n == 0 {
		m.f("No approvals were given in this run.\n")
	}

	m.section("In-doubt resolutions")
	n = 0
	for _, s := range steps {
		if r := s.Resolution; r != nil {
			if n == 0 {
				m.f("| Step | By | Decision | When (UTC) | Reason |\n|------|----|----------|------------|--------|\n")
			}
			n++
			m.f("| %s | %s | %s | %s | %s |\n", mdCode(s.Name), mdText(r.By), mdText(r.Decision), stamp(r.At), mdText(r.Reason))
		}
	}
	if n == 0 {
		m.f("No step was in doubt.\n")
	}

	m.section("Change window")
	n = 0
	for _, e := range journal {
		if !strings.HasPrefix(e.Type, "window.") {
			continue
		}
		n++
		what := "window too short"
		if e.Type == "window.override" {
			what = "window overridden"
		}
		m.f("- %s %s", stamp(e.At), what)
		if e.Step != "" {
			m.f(" before %s", mdCode(e.Step))
		}
		if e.Actor != "" {
			m.f(" by %s", mdText(e.Actor))
		}
		if d := dataText(e.Data); d != "" {
			m.f(" (%s)", mdText(d))
		}
		m.f("\n")
	}
	if n == 0 {
		m.f("The change window was never short and never overridden.\n")
	}

	m.section("Journal")
	last := ""
	if len(journal) > 0 {
		last = journal[len(journal)-1].Hash
	}
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
	if m.err == nil {
		m.err = m.w.Flush()
	}
	if m.err != nil {
		return fmt.Errorf("writing the post-implementation report: %w", m.err)
	}
	return nil
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
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
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
