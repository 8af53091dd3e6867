package rehearse

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteText prints the report for a person: the outcome first, then the
// timeline in virtual time, the branches, what blocked and what the
// simulated site did.
func (r *Report) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "Rehearsal of %s %s against %s/%s: %s\n", r.Runbook, r.Version, r.Fixture, r.Scenario, r.Verdict())
	if r.Reason != "" {
		fmt.Fprintf(w, "  %s\n", r.Reason)
	}
	fmt.Fprintf(w, "  run %s, %s of virtual time, journal head %s\n\n", r.RunID, vdur(r.Duration), short(r.JournalHead))

	fmt.Fprintln(w, "Timeline (virtual time):")
	for i := 0; i < len(r.Timeline); i++ {
		l := r.Timeline[i]
		fmt.Fprintf(w, "  T+%-8s %s\n", vdur(l.At), describe(l))
		// A run of retries of one step (a back-out check polling every
		// minute) shows as its first and last attempts.
		j := i
		for j+1 < len(r.Timeline) && r.Timeline[j+1].Event == "step_retry" && l.Event == "step_retry" && r.Timeline[j+1].Step == l.Step {
			j++
		}
		if j > i+1 {
			fmt.Fprintf(w, "  %-10s ... %d more attempts ...\n", "", j-i-1)
		}
		if j > i {
			fmt.Fprintf(w, "  T+%-8s %s\n", vdur(r.Timeline[j].At), describe(r.Timeline[j]))
			i = j
		}
	}
	if len(r.Branches) > 0 {
		fmt.Fprintln(w, "\nBranches taken:")
		for _, b := range r.Branches {
			fmt.Fprintf(w, "  %s: %v  (%s)\n", b.Decision, b.Taken, b.Note)
		}
	}
	if len(r.Blocked) > 0 {
		fmt.Fprintln(w, "\nBlocked:")
		for _, b := range r.Blocked {
			fmt.Fprintf(w, "  %s %s: %s\n", b.Class, b.Step, b.Message)
		}
	}
	if len(r.Notifications) > 0 {
		fmt.Fprintln(w, "\nNotifications (not sent in a rehearsal):")
		for _, n := range r.Notifications {
			fmt.Fprintf(w, "  %s:\n", n.Step)
			for _, line := range strings.Split(n.Message, "\n") {
				fmt.Fprintf(w, "    %s\n", line)
			}
		}
	}
	if len(r.SiteEvents) > 0 {
		fmt.Fprintln(w, "\nSimulated site:")
		for _, e := range r.SiteEvents {
			fmt.Fprintf(w, "  %s\n", e.String())
		}
	}
	return nil
}

// Verdict is the outcome in a few words: WOULD SUCCEED, WOULD FAIL, WOULD
// FAIL AND BACK OUT, PAUSED.
func (r *Report) Verdict() string {
	switch r.Status {
	case "succeeded":
		return "WOULD SUCCEED"
	case "paused":
		return "PAUSED"
	case "backed_out":
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

func describe(l Line) string {
	what := strings.TrimSpace(l.Class + " " + l.Step)
	switch l.Event {
	case "step_started":
		return what + ": started"
	case "step_finished":
		s := what + ": " + l.Status
		if l.Message != "" {
			s += ": " + l.Message
		}
		return s
	case "step_skipped":
		return what + ": skipped (" + l.Message + ")"
	case "approval_required":
		return what + ": approval requested"
	case "approval_given":
		return what + ": " + l.Message
	}
	s := strings.ReplaceAll(l.Event, "_", " ")
	if what != "" {
		s = what + ": " + s
	}
	if l.Status != "" {
		s += " " + l.Status
	}
	if l.Message != "" {
		s += ": " + l.Message
	}
	return s
}

func vdur(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	return d.Round(time.Second).String()
}

func short(h string) string {
	if len(h) > 16 {
		return h[:16]
	}
	return h
}
