package main

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/batonhq/baton/engine/executor"
	"github.com/batonhq/baton/engine/version"
)

// uiVersion is the version of the -json event stream.
const uiVersion = "1.0"

// humanProgress prints one line per event, as a person expects on long
// work: each step starting and finishing with its duration, waits with
// the time left, approvals with the command that answers them.
type humanProgress struct {
	w       io.Writer
	virtual bool // rehearsal: print virtual time offsets
	start   time.Time
}

func (h *humanProgress) Observe(e executor.Event) {
	at := ""
	if h.virtual {
		if h.start.IsZero() {
			h.start = e.At
		}
		at = fmt.Sprintf("[T+%s] ", fmtDur(e.At.Sub(h.start)))
	}
	switch e.Type {
	case executor.EventRunStarted:
		fmt.Fprintf(h.w, "%sRun %s started (%s)\n", at, e.RunID, e.Message)
	case executor.EventRunResumed:
		fmt.Fprintf(h.w, "%sRun %s resumed\n", at, e.RunID)
	case executor.EventStepStarted:
		fmt.Fprintf(h.w, "%s%s %s: started\n", at, e.Class, e.Step)
	case executor.EventStepFinished:
		line := fmt.Sprintf("%s%s %s: %s", at, e.Class, e.Step, e.Status)
		if e.Duration > 0 {
			line += " in " + fmtDur(e.Duration)
		}
		if e.Message != "" {
			line += ": " + e.Message
		}
		fmt.Fprintln(h.w, line)
	case executor.EventStepSkipped:
		fmt.Fprintf(h.w, "%s%s %s: skipped (%s)\n", at, e.Class, e.Step, e.Message)
	case executor.EventStepRetry:
		fmt.Fprintf(h.w, "%s%s %s: attempt %d failed (%s); retrying in %s\n", at, e.Class, e.Step, e.Attempt, e.Message, fmtDur(e.Left))
	case executor.EventWaitPolled:
		fmt.Fprintf(h.w, "%swait %s: not yet (%s); %s left\n", at, e.Step, e.Message, fmtDur(e.Left))
	case executor.EventApprovalRequired:
		left := ""
		if e.Left > 0 {
			left = fmt.Sprintf(" (expires in %s)", fmtDur(e.Left))
		}
		fmt.Fprintf(h.w, "%s%s %s: awaiting approval%s: %s\n    answer with: %s\n", at, e.Class, e.Step, left, e.Message, e.Hint)
	case executor.EventApprovalGiven:
		fmt.Fprintf(h.w, "%s%s: %s\n", at, e.Step, e.Message)
	case executor.EventInDoubt:
		fmt.Fprintf(h.w, "%s%s: IN DOUBT: %s\n", at, e.Step, e.Message)
	case executor.EventHeartbeat:
		fmt.Fprintf(h.w, "%s%s: still running [%s elapsed]\n", at, e.Step, fmtDur(e.Duration))
	case executor.EventBackout:
		fmt.Fprintf(h.w, "%sBACKING OUT: %s\n", at, e.Message)
	case executor.EventWindow:
		fmt.Fprintf(h.w, "%sCHANGE WINDOW: %s\n", at, e.Message)
	case executor.EventRunPaused:
		fmt.Fprintf(h.w, "%sRun %s paused: %s\n", at, e.RunID, e.Message)
	case executor.EventRunFinished:
		msg := ""
		if e.Message != "" {
			msg = ": " + e.Message
		}
		fmt.Fprintf(h.w, "%sRun %s %s%s\n", at, e.RunID, e.Status, msg)
	}
}

// jsonProgress streams one JSON object per event (JSON Lines), after a
// version line.
type jsonProgress struct {
	enc *json.Encoder
}

func newJSONProgress(w io.Writer) *jsonProgress {
	j := &jsonProgress{enc: json.NewEncoder(w)}
	_ = j.enc.Encode(map[string]string{"type": "version", "ui_version": uiVersion, "baton": version.Version})
	return j
}

func (j *jsonProgress) Observe(e executor.Event) { _ = j.enc.Encode(e) }

func fmtDur(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
