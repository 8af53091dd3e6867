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
	verdict := "WOULD SUCCEED"
	switch r.Status {
	case "succeeded":
	case "paused":
		verdict = "PAUSED"
	case "backed_out":
		verdict = "WOULD FAIL AND BACK OUT"
	default:
		verdict = "WOULD FAIL"
	}
	fmt.Fprintf(w, "Rehearsal of %s %s against %s/%s: %s\n", r.Runbook, r.Version, r.Fixture, r.Scenario, verdict)
	if r.Reason != "" {
		fmt.Fprintf(w, "  %s\n", r.Reason)
	}
	fmt.Fprintf(w, "  run %s, %s of virtual time, journal head %s\n\n", r.RunID, vdur(r.Duration), short(r.JournalHead))

	fmt.Fprintln(w, "Timeline (virtual time):")
	for _, l := range r.Timeline {
		fmt.Fprintf(w, "  T+%-8s %s\n", vdur(l.At), describe(l))
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
