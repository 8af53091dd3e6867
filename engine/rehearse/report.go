package rehearse

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/batonhq/baton/state"
)

// WriteText prints the report for a person: the outcome first, then the
// timeline in virtual time, the branches, what blocked and what the
// simulated site did.
func (r *Report) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "Rehearsal of %s %s against %s/%s: %s\n", r.Runbook, r.Version, r.Fixture, r.Scenario, r.Verdict())
	if r.Reason != "" {
		fmt.Fprintf(w, "  %s\n", r.Reason)
	}
	fmt.Fprintf(w, "  run %s, %s of virtual time, journal head %s\n\n", r.RunID, vdur(r.Duration), r.JournalHead[:min(16, len(r.JournalHead))])

	fmt.Fprintln(w, "Timeline (virtual time):")
	tl := r.Timeline
	for i := 0; i < len(tl); i++ {
		fmt.Fprintf(w, "  T+%-8s %s\n", vdur(tl[i].At), describe(tl[i]))
		// A run of retries of one step (a back-out check polling every
		// minute) shows as its first and last attempts.
		last := i
		for tl[i].Event == "step_retry" && last+1 < len(tl) && tl[last+1].Event == "step_retry" && tl[last+1].Step == tl[i].Step {
			last++
		}
		if last > i+1 {
			fmt.Fprintf(w, "  %-10s ... %d more attempts ...\n", "", last-i-1)
		}
		if last > i {
			fmt.Fprintf(w, "  T+%-8s %s\n", vdur(tl[last].At), describe(tl[last]))
			i = last
		}
	}
	section(w, "Branches taken", r.Branches, func(b Branch) string {
		return fmt.Sprintf("%s: %v  (%s)", b.Decision, b.Taken, b.Note)
	})
	section(w, "Blocked", r.Blocked, func(b Blocked) string {
		return fmt.Sprintf("%s %s: %s", b.Class, b.Step, b.Message)
	})
	section(w, "Notifications (not sent in a rehearsal)", r.Notifications, func(n Notification) string {
		return n.Step + ":\n    " + strings.ReplaceAll(n.Message, "\n", "\n    ")
	})
	section(w, "Simulated site", r.SiteEvents, fmt.Stringer.String)
	return nil
}

// section prints a titled list of items, one indented line each; nothing
// when there are none.
func section[T any](w io.Writer, title string, items []T, line func(T) string) {
	if len(items) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s:\n", title)
	for _, it := range items {
		fmt.Fprintf(w, "  %s\n", line(it))
	}
}

// Verdict is the outcome in a few words: WOULD SUCCEED, WOULD FAIL, WOULD
// FAIL AND BACK OUT, PAUSED.
func (r *Report) Verdict() string {
	switch state.RunStatus(r.Status) {
	case state.RunSucceeded:
		return "WOULD SUCCEED"
	case state.RunPaused:
		return "PAUSED"
	case state.RunBackedOut:
		return "WOULD FAIL AND BACK OUT"
	}
	return "WOULD FAIL"
}

// WriteSummaries prints one line per rehearsal (one runbook against many
// scenarios): the scenario, the verdict, the virtual duration and what
// stopped it.
func WriteSummaries(w io.Writer, reps []*Report) error {
	width := len("scenario")
	for _, r := range reps {
		width = max(width, len(r.Scenario))
	}
	fmt.Fprintf(w, "%-*s  %-23s  %-9s  %s\n", width, "scenario", "outcome", "virtual", "reason")
	for _, r := range reps {
		why := "-"
		if r.Reason != "" {
			why, _, _ = strings.Cut(r.Reason, "\n")
			if rs := []rune(why); len(rs) > 120 {
				why = string(rs[:117]) + "..."
			}
		}
		fmt.Fprintf(w, "%-*s  %-23s  %-9s  %s\n", width, r.Scenario, r.Verdict(), vdur(r.Duration), why)
	}
	return nil
}

// describe words a timeline line: its step, then what happened to it.
func describe(l Line) string {
	what := strings.TrimSpace(l.Class + " " + l.Step)
	var s string
	switch l.Event {
	case "step_started":
		return what + ": started"
	case "step_skipped":
		return what + ": skipped (" + l.Message + ")"
	case "approval_required":
		return what + ": approval requested"
	case "approval_given":
		return what + ": " + l.Message
	case "step_finished":
		s = what + ": " + l.Status
	default:
		s = strings.ReplaceAll(l.Event, "_", " ")
		if what != "" {
			s = what + ": " + s
		}
		if l.Status != "" {
			s += " " + l.Status
		}
	}
	if l.Message != "" {
		s += ": " + l.Message
	}
	return s
}

func vdur(d time.Duration) string { return d.Round(time.Second).String() }
