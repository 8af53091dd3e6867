package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton/engine/executor"
	"github.com/batonhq/baton/engine/version"
	"github.com/batonhq/baton/internal/redact"
)

// uiVersion is the version of the -json event stream.
const uiVersion = "1.0"

// quietFor is how long a step that is only waiting or running stays
// quiet between two lines of plain output, on the run's clock: a minute
// reads as a steady pulse in a CI log or a tailed file (45 lines for a
// 45-minute wait, whatever its poll interval).
const quietFor = time.Minute

// changeGap is the least time between two lines about one wait when what
// its polls see changes (a flapping error does not flood either).
const changeGap = 10 * time.Second

// humanProgress prints one line when something happens in a run: a step
// starting or ending, a retry, an approval to give. What only goes on
// (waits, long steps) is shown on a terminal as one status line rewritten
// in place, elsewhere as a line at most every quietFor of the run's clock.
// Times come from the events (the virtual clock in rehearsals), so the
// output of a rehearsal is deterministic.
type humanProgress struct {
	w       io.Writer
	virtual bool // rehearsal: print virtual time offsets
	start   time.Time

	disp  *display              // how w shows text; detected on the first event
	steps map[string]*stepState // the steps started and not yet ended
	order []string              // their names, in start order
	now   time.Time             // the time of the latest event
	shown string                // the status line on screen
	drawn time.Time             // when it was drawn
}

// stepState is what the progress knows of a step that has started.
type stepState struct {
	class   string
	started time.Time
	said    time.Time     // when its latest line was printed
	polls   int           // a wait: polls seen
	pollAt  time.Time     // a wait: when it last polled
	left    time.Duration // a wait: time left at the last poll
	last    string        // a wait: what the last poll saw
	beat    bool          // a heartbeat was seen
}

// Observe renders e.
func (h *humanProgress) Observe(e executor.Event) {
	if h.disp == nil {
		d := detectDisplay(h.w)
		h.disp, h.steps = &d, map[string]*stepState{}
	}
	if h.start.IsZero() {
		h.start = e.At
	}
	h.now = e.At
	switch e.Type {
	case executor.EventWaitPolled:
		h.polled(e)
	case executor.EventHeartbeat:
		h.beat(e)
	default:
		h.happened(e)
	}
	h.redraw()
}

// happened prints the line of an event that is news, and tracks steps.
func (h *humanProgress) happened(e executor.Event) {
	h.say(e.At, eventLine(e), toneOf(e))
	switch e.Type {
	case executor.EventStepStarted:
		h.track(e)
	case executor.EventStepFinished, executor.EventStepSkipped, executor.EventInDoubt:
		h.untrack(e.Step)
	case executor.EventRunFinished, executor.EventRunPaused:
		h.steps, h.order = map[string]*stepState{}, nil
	}
	if s := h.steps[e.Step]; s != nil {
		s.said = e.At
	}
}

// polled reports a wait's poll: its first, a change of what it sees,
// and otherwise at most one line per quietFor (none on a terminal, whose
// status line shows every poll).
func (h *humanProgress) polled(e executor.Event) {
	s := h.step(e)
	first, changed := s.polls == 0 || e.Attempt == 1, e.Message != s.last
	var line string
	switch {
	case first && !h.disp.tty:
		line = fmt.Sprintf("waiting for %s: %s left; first poll: %s", e.Step, fmtDur(e.Left), e.Message)
	case first:
	case changed && e.At.Sub(s.said) >= changeGap:
		line = fmt.Sprintf("still waiting for %s: %s elapsed, %s left, now: %s (was: %s)", e.Step, fmtDur(e.At.Sub(s.started)), fmtDur(e.Left), e.Message, s.last)
	case !h.disp.tty && e.At.Sub(s.said) >= quietFor:
		line = "still " + waitText(e.Step, e.At.Sub(s.started), e.Left, e.Message)
	}
	s.polls, s.pollAt, s.left, s.last = e.Attempt, e.At, e.Left, e.Message
	if line != "" {
		h.say(e.At, line, toneNone)
		s.said = e.At
	}
}

// beat reports a step still running, at most once per quietFor; a wait
// that polls is reported by its polls instead.
func (h *humanProgress) beat(e executor.Event) {
	s := h.step(e)
	s.beat = true
	if s.polls > 0 || h.disp.tty || e.At.Sub(s.said) < quietFor {
		return
	}
	h.say(e.At, fmt.Sprintf("%s: still running [%s elapsed]", classed(s.class, e.Step), fmtDur(e.Duration)), toneNone)
	s.said = e.At
}

// step is the state of e's step, tracked from now if its start was not
// seen.
func (h *humanProgress) step(e executor.Event) *stepState {
	if s := h.steps[e.Step]; s != nil {
		return s
	}
	start := e.At.Add(-e.Duration)
	h.track(executor.Event{Step: e.Step, Class: e.Class, At: start})
	s := h.steps[e.Step]
	s.said = e.At
	return s
}

func (h *humanProgress) track(e executor.Event) {
	if h.steps[e.Step] == nil {
		h.order = append(h.order, e.Step)
	}
	h.steps[e.Step] = &stepState{class: e.Class, started: e.At, said: e.At}
}

func (h *humanProgress) untrack(step string) {
	if h.steps[step] == nil {
		return
	}
	delete(h.steps, step)
	for i, n := range h.order {
		if n == step {
			h.order = append(h.order[:i], h.order[i+1:]...)
			break
		}
	}
}

// say prints a line at time at, clearing the status line first.
func (h *humanProgress) say(at time.Time, line string, t tone) {
	if line == "" {
		return
	}
	h.clear()
	fmt.Fprintln(h.w, h.prefix(at)+h.disp.paint(line, t))
}

func (h *humanProgress) prefix(at time.Time) string {
	if !h.virtual {
		return ""
	}
	return fmt.Sprintf("[T+%s] ", fmtDur(at.Sub(h.start)))
}

// eventLine is the line of an event that is news ("" for none).
func eventLine(e executor.Event) string {
	switch e.Type {
	case executor.EventRunStarted:
		return fmt.Sprintf("Run %s started (%s)", e.RunID, e.Message)
	case executor.EventRunResumed:
		return fmt.Sprintf("Run %s resumed", e.RunID)
	case executor.EventStepStarted:
		return classed(e.Class, e.Step) + ": started"
	case executor.EventStepFinished:
		return finishedLine(e)
	case executor.EventStepSkipped:
		return fmt.Sprintf("%s: skipped (%s)", classed(e.Class, e.Step), e.Message)
	case executor.EventStepRetry:
		return fmt.Sprintf("%s: attempt %d failed (%s); retrying in %s", classed(e.Class, e.Step), e.Attempt, e.Message, fmtDur(e.Left))
	case executor.EventApprovalRequired:
		return approvalLine(e)
	case executor.EventApprovalGiven:
		return fmt.Sprintf("%s: %s", e.Step, e.Message)
	case executor.EventInDoubt:
		return fmt.Sprintf("%s: IN DOUBT: %s", e.Step, e.Message)
	case executor.EventBackout:
		return "BACKING OUT: " + e.Message
	case executor.EventWindow:
		return "CHANGE WINDOW: " + e.Message
	case executor.EventRunPaused:
		return fmt.Sprintf("Run %s paused: %s", e.RunID, e.Message)
	case executor.EventRunFinished:
		return fmt.Sprintf("Run %s %s%s", e.RunID, e.Status, suffix(": ", e.Message))
	}
	return ""
}

func finishedLine(e executor.Event) string {
	line := classed(e.Class, e.Step) + ": " + e.Status
	if e.Duration > 0 {
		line += " in " + fmtDur(e.Duration)
	}
	return line + suffix(": ", e.Message)
}

func approvalLine(e executor.Event) string {
	left := ""
	if e.Left > 0 {
		left = fmt.Sprintf(" (expires in %s)", fmtDur(e.Left))
	}
	return fmt.Sprintf("%s: awaiting approval%s: %s\n    answer with: %s", classed(e.Class, e.Step), left, e.Message, e.Hint)
}

// waitText describes a wait: "waiting for X: 2m30s elapsed, 42m30s
// left, last: condition not yet true".
func waitText(step string, elapsed, left time.Duration, last string) string {
	return fmt.Sprintf("waiting for %s: %s elapsed, %s left, last: %s", step, fmtDur(elapsed), fmtDur(max(left, 0)), last)
}

func classed(class, step string) string {
	if class == "" {
		return step
	}
	return class + " " + step
}

func suffix(sep, s string) string {
	if s == "" {
		return ""
	}
	return sep + s
}

// status is the terminal's status line at the time of the latest event:
// the wait that polls or the step still running, in full, or several of
// them in short.
func (h *humanProgress) status() string {
	var full, short []string
	for _, n := range h.order {
		s := h.steps[n]
		elapsed := h.now.Sub(s.started).Truncate(time.Second) // whole seconds: the line changes once a second
		switch {
		case s.polls > 0:
			left := (s.left - h.now.Sub(s.pollAt)).Truncate(time.Second)
			full = append(full, waitText(n, elapsed, left, s.last))
			short = append(short, fmt.Sprintf("waiting for %s (%s left)", n, fmtDur(max(left, 0))))
		case s.beat:
			full = append(full, fmt.Sprintf("%s: running [%s elapsed]", classed(s.class, n), fmtDur(elapsed)))
			short = append(short, fmt.Sprintf("%s running (%s)", n, fmtDur(elapsed)))
		}
	}
	switch len(full) {
	case 0:
		return ""
	case 1:
		return h.prefix(h.now) + full[0]
	}
	return h.prefix(h.now) + strings.Join(short, " | ")
}

// redraw rewrites the status line on a terminal when its text changed, at
// most once a second of the run's clock: without escape sequences, spaces
// cover what a longer line left.
func (h *humanProgress) redraw() {
	if !h.disp.tty {
		return
	}
	text := fit(h.status(), h.disp.columns()-1)
	switch {
	case text == h.shown, text != "" && h.shown != "" && h.now.Sub(h.drawn) < time.Second:
		return
	case text == "":
		h.clear()
	case h.disp.ansi:
		fmt.Fprint(h.w, "\r\x1b[K"+text)
	default:
		pad := max(0, utf8.RuneCountInString(h.shown)-utf8.RuneCountInString(text))
		fmt.Fprint(h.w, "\r"+text+strings.Repeat(" ", pad))
	}
	h.shown, h.drawn = text, h.now
}

// clear erases the status line, leaving the cursor at its start.
func (h *humanProgress) clear() {
	if h.shown == "" {
		return
	}
	if h.disp.ansi {
		fmt.Fprint(h.w, "\r\x1b[K")
	} else {
		fmt.Fprint(h.w, "\r"+strings.Repeat(" ", utf8.RuneCountInString(h.shown))+"\r")
	}
	h.shown = ""
}

// fit shortens s to n characters, ending in "..." when cut.
func fit(s string, n int) string {
	if n < 4 || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-3]) + "..."
}

// display is how a writer shows progress.
type display struct {
	tty   bool       // a terminal: rewrite a status line in place
	ansi  bool       // escape sequences allowed (colour, erasing a line)
	width func() int // the terminal's columns, 0 when unknown
}

// detectDisplay looks at w: a terminal gets the status line, and colour
// unless NO_COLOR is set (https://no-color.org) or TERM is "dumb", which
// also gets plain lines.
func detectDisplay(w io.Writer) display {
	f, ok := redact.Underlying(w).(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return display{}
	}
	tty, vt := terminal(f)
	if !tty {
		return display{}
	}
	return display{tty: true, ansi: vt && os.Getenv("NO_COLOR") == "", width: func() int { return columns(f) }}
}

func (d *display) columns() int {
	if d.width != nil {
		if n := d.width(); n > 0 {
			return n
		}
	}
	return 80
}

// tone is what a line means to the reader, shown as a colour.
type tone int

const (
	toneNone tone = iota
	toneGood
	toneHeed
	toneBad
)

func toneOf(e executor.Event) tone {
	switch e.Type {
	case executor.EventStepFinished:
		if e.Status != "succeeded" {
			return toneBad
		}
	case executor.EventInDoubt, executor.EventBackout:
		return toneBad
	case executor.EventRunFinished:
		if e.Status == "succeeded" {
			return toneGood
		}
		return toneBad
	case executor.EventApprovalRequired, executor.EventRunPaused, executor.EventStepRetry, executor.EventWindow:
		return toneHeed
	}
	return toneNone
}

// paint colours line by t when escape sequences are allowed.
func (d *display) paint(line string, t tone) string {
	codes := [...]string{toneGood: "32", toneHeed: "33", toneBad: "31"}
	if !d.ansi || t == toneNone {
		return line
	}
	return "\x1b[" + codes[t] + "m" + line + "\x1b[0m"
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
