package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton/engine/executor"
	"github.com/batonhq/baton/engine/version"
	"github.com/batonhq/baton/internal/golden"
)

// script builds the events of a scripted run on its own clock.
type script struct {
	t0     time.Time
	now    time.Duration
	events []executor.Event
}

func (s *script) at(d time.Duration) *script { s.now = d; return s }

func (s *script) emit(e executor.Event) {
	e.RunID = "20260105T220000Z-79f6ac"
	e.At = s.t0.Add(s.now)
	s.events = append(s.events, e)
}

// beats emits heartbeats every 10 s for step, started at from, until to
// (as the executor does on the wall clock), interleaved with nothing.
func (s *script) beats(step string, from, to time.Duration) {
	for d := from + 10*time.Second; d < to; d += 10 * time.Second {
		s.at(d).emit(executor.Event{Type: executor.EventHeartbeat, Step: step, Duration: d - from, Message: "still running"})
	}
}

// runScript is a live run of a planned promotion: a check, an approval
// answered after 20 minutes, an action that succeeds on its third
// attempt, a wait of 90 polls (the first ten failing to connect) with
// heartbeats, then a verification that fails and a backout.
func runScript() []executor.Event {
	s := &script{t0: time.Date(2026, 1, 5, 22, 0, 0, 0, time.UTC)}
	ev := func(typ, class, step string) executor.Event {
		return executor.Event{Type: typ, Class: class, Step: step}
	}
	s.emit(executor.Event{Type: executor.EventRunStarted, Message: "planned_promotion"})
	s.emit(ev(executor.EventStepStarted, "check", "preflight"))
	e := ev(executor.EventStepFinished, "check", "preflight")
	e.Status, e.Duration = "succeeded", 2*time.Second
	s.at(2 * time.Second).emit(e)
	e = ev(executor.EventApprovalRequired, "approval", "cab")
	e.Status, e.Left, e.Message = "awaiting_approval", 8*time.Hour, "Review the plan and the preflight results."
	e.Hint = "baton approve 20260105T220000Z-79f6ac cab --by NAME  (or: baton reject ...)"
	s.emit(e)
	e = ev(executor.EventApprovalGiven, "", "cab")
	e.Status, e.Message = "succeeded", "approved by cab-chair, configmgr-service-owner"
	s.at(20 * time.Minute).emit(e)
	promote(s, 20*time.Minute)
	waitSwitch(s, 23*time.Minute)
	announce(s, 23*time.Minute+5*time.Second)
	failAndBackOut(s, 68*time.Minute)
	sortByTime(s.events)
	return s.events
}

// promote: an action failing twice, then succeeding after 3 minutes.
func promote(s *script, t time.Duration) {
	s.at(t).emit(executor.Event{Type: executor.EventStepStarted, Class: "action", Step: "promote", Message: "Promote cm02"})
	s.beats("promote", t, t+3*time.Minute)
	for i, d := range []time.Duration{5 * time.Second, 45 * time.Second} {
		s.at(t + d).emit(executor.Event{Type: executor.EventStepRetry, Class: "action", Step: "promote", Attempt: i + 1,
			Message: "SMS Provider on cm01.contoso.com: connection reset", Left: 20 * time.Second << i})
	}
	s.at(t + 3*time.Minute).emit(executor.Event{Type: executor.EventStepFinished, Class: "action", Step: "promote",
		Status: "succeeded", Duration: 3 * time.Minute, Attempt: 3})
}

// waitSwitch: a wait polled every 30 s, 90 times before its condition
// holds, with the executor's heartbeats in between.
func waitSwitch(s *script, t time.Duration) {
	s.at(t).emit(executor.Event{Type: executor.EventStepStarted, Class: "wait", Step: "switch_complete", Message: "Wait for the switch"})
	for p := 1; p <= 90; p++ {
		d := time.Duration(p-1) * 30 * time.Second
		msg := "condition not yet true"
		if p <= 10 {
			msg = "cm02.contoso.com: SMS Provider not answering"
		}
		s.at(t + d).emit(executor.Event{Type: executor.EventWaitPolled, Class: "wait", Step: "switch_complete", Attempt: p, Left: time.Hour - d, Message: msg})
		for b := d + 10*time.Second; b < d+30*time.Second; b += 10 * time.Second {
			s.at(t + b).emit(executor.Event{Type: executor.EventHeartbeat, Step: "switch_complete", Duration: b, Message: "still running"})
		}
	}
	s.at(t + 45*time.Minute).emit(executor.Event{Type: executor.EventStepFinished, Class: "wait", Step: "switch_complete",
		Status: "succeeded", Duration: 45 * time.Minute, Attempt: 1})
}

// announce: a 40-second action running alongside the wait.
func announce(s *script, t time.Duration) {
	s.at(t).emit(executor.Event{Type: executor.EventStepStarted, Class: "action", Step: "announce_start", Message: "Tell the service desk"})
	s.beats("announce_start", t, t+40*time.Second)
	s.at(t + 40*time.Second).emit(executor.Event{Type: executor.EventStepFinished, Class: "action", Step: "announce_start", Status: "succeeded", Duration: 40 * time.Second, Attempt: 1})
}

// failAndBackOut: a verification fails, the run backs out.
func failAndBackOut(s *script, t time.Duration) {
	s.at(t).emit(executor.Event{Type: executor.EventStepStarted, Class: "check", Step: "site_after"})
	const why = "cm02.contoso.com is not the active site server (status Promoting)"
	s.at(t + time.Second).emit(executor.Event{Type: executor.EventStepFinished, Class: "check", Step: "site_after", Status: "failed", Duration: time.Second, Attempt: 1, Message: why})
	s.emit(executor.Event{Type: executor.EventStepSkipped, Class: "action", Step: "announce_done", Status: "skipped", Message: `condition is false: var.webhook_url != ""`})
	s.emit(executor.Event{Type: executor.EventBackout, Message: "backing out after site_after failed"})
	s.emit(executor.Event{Type: executor.EventStepStarted, Class: "backout", Step: "promote_back", Message: "Promote cm01 back"})
	s.at(t + 2*time.Minute + time.Second).emit(executor.Event{Type: executor.EventStepFinished, Class: "backout", Step: "promote_back", Status: "succeeded", Duration: 2 * time.Minute, Attempt: 1})
	s.emit(executor.Event{Type: executor.EventRunFinished, Status: "failed", Message: "site_after failed: " + why})
}

// sortByTime orders events by time, keeping the order of equal times.
func sortByTime(es []executor.Event) {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].At.Before(es[j-1].At); j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}

// TestProgressJSON: -json streams every event, one object a line, as it
// did before the human output learned its cadence.
func TestProgressJSON(t *testing.T) {
	var b bytes.Buffer
	j := newJSONProgress(&b)
	events := runScript()
	for _, e := range events {
		j.Observe(e)
	}
	if n := strings.Count(b.String(), "\n"); n != len(events)+1 {
		t.Errorf("%d lines for %d events and the version line", n, len(events))
	}
	golden.Check(t, filepath.Join("testdata", "progress.json.golden"), []byte(strings.Replace(b.String(), `"baton":"`+version.Version+`"`, `"baton":"VERSION"`, 1)))
}

// render feeds events to a humanProgress showing on d.
func render(events []executor.Event, d display, virtual bool) string {
	var b bytes.Buffer
	h := &humanProgress{w: &b, virtual: virtual, disp: &d, steps: map[string]*stepState{}}
	for _, e := range events {
		h.Observe(e)
	}
	return b.String()
}

func width(n int) func() int { return func() int { return n } }

// visible shows escapes as \e and puts each rewrite of the status line on
// a line of its own.
func visible(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\x1b", `\e`), "\r", "\\r\n")
}

// TestProgressHuman: the human progress of a scripted run, as plain lines
// (a run, a rehearsal) and on a terminal (with colour, and NO_COLOR).
func TestProgressHuman(t *testing.T) {
	tests := []struct {
		name    string
		disp    display
		virtual bool
		golden  string
	}{
		{"plain", display{}, false, "progress.plain.golden"},
		{"rehearsal", display{}, true, "progress.rehearsal.golden"},
		{"terminal", display{tty: true, ansi: true, width: width(100)}, false, "progress.terminal.golden"},
		{"terminal NO_COLOR", display{tty: true, width: width(100)}, false, "progress.terminal-nocolor.golden"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := render(runScript(), tc.disp, tc.virtual)
			if !tc.disp.ansi && strings.Contains(out, "\x1b") {
				t.Error("escape sequences without ANSI")
			}
			if tc.disp.tty {
				out = visible(out)
			}
			golden.Check(t, filepath.Join("testdata", tc.golden), []byte(out))
		})
	}
}

// screen replays what a terminal shows of out: \r returns to the start of
// the row, ESC[K erases to its end, colours are dropped. It also returns
// the widest row that a \r rewrote (the status line).
func screen(out string) (rows []string, widest int) {
	var row []rune
	col := 0
	for i := 0; i < len(out); {
		switch {
		case strings.HasPrefix(out[i:], "\x1b["):
			j := i + 2 + strings.IndexAny(out[i+2:], "Km")
			if out[j] == 'K' {
				row = row[:col]
			}
			i = j + 1
			continue
		case out[i] == '\r':
			widest, col = max(widest, len(row)), 0
		case out[i] == '\n':
			rows, row, col = append(rows, strings.TrimRight(string(row), " ")), nil, 0
		default:
			r, n := utf8.DecodeRuneInString(out[i:])
			if col < len(row) {
				row[col] = r
			} else {
				row = append(row, r)
			}
			col++
			i += n
			continue
		}
		i++
	}
	return append(rows, string(row)), widest
}

// TestProgressTerminalScreen: on a terminal the screen ends with the lines
// of what happened (the plain output without its waiting and running
// lines), no status line left over, and status lines that fit its width.
func TestProgressTerminalScreen(t *testing.T) {
	var want []string
	for _, l := range strings.Split(render(runScript(), display{}, false), "\n") {
		waiting := strings.HasPrefix(l, "waiting for ") || strings.HasPrefix(l, "still waiting for ")
		if (waiting && !strings.Contains(l, ", now: ")) || strings.Contains(l, ": still running [") {
			continue
		}
		want = append(want, l)
	}
	for _, ansi := range []bool{true, false} {
		t.Run(fmt.Sprint("ansi=", ansi), func(t *testing.T) {
			rows, widest := screen(render(runScript(), display{tty: true, ansi: ansi, width: width(60)}, false))
			if got := strings.Join(rows, "\n"); got != strings.Join(want, "\n") {
				t.Errorf("screen differs from the lines of what happened:\n%s", golden.FirstDiff([]byte(strings.Join(want, "\n")), []byte(got)))
			}
			if widest > 59 {
				t.Errorf("a status line of %d columns on a terminal of 60", widest)
			}
		})
	}
}

// waitEvents is a wait polled every interval for total, then succeeding;
// flap alternates what the polls see.
func waitEvents(interval, total time.Duration, flap bool) []executor.Event {
	s := &script{t0: time.Date(2026, 1, 5, 22, 0, 0, 0, time.UTC)}
	s.emit(executor.Event{Type: executor.EventStepStarted, Class: "wait", Step: "drained"})
	p := 0
	for d := time.Duration(0); d < total; d += interval {
		p++
		msg := "condition not yet true"
		if flap && p%2 == 0 {
			msg = "connection refused"
		}
		s.at(d).emit(executor.Event{Type: executor.EventWaitPolled, Class: "wait", Step: "drained", Attempt: p, Left: time.Hour - d, Message: msg})
	}
	s.at(total).emit(executor.Event{Type: executor.EventStepFinished, Class: "wait", Step: "drained", Status: "succeeded", Duration: total})
	return s.events
}

// TestProgressCadence: how many lines a wait prints, whatever its poll
// interval: one a minute of the run's clock, one per 10 s at most when
// what the polls see keeps changing, and on a terminal none but its
// start and end (the status line is rewritten at most once per second).
func TestProgressCadence(t *testing.T) {
	tests := []struct {
		name     string
		interval time.Duration
		total    time.Duration
		flap     bool
		tty      bool
		lines    int
	}{
		{"30s polls, 14 minutes", 30 * time.Second, 14 * time.Minute, false, false, 2 + 1 + 13},
		{"20ms polls, 2 minutes", 20 * time.Millisecond, 2 * time.Minute, false, false, 2 + 1 + 1},
		{"20ms polls flapping, 2 minutes", 20 * time.Millisecond, 2 * time.Minute, true, false, 2 + 1 + 11},
		{"20ms polls on a terminal", 20 * time.Millisecond, 2 * time.Minute, false, true, 2},
		{"20ms polls flapping on a terminal", 20 * time.Millisecond, 2 * time.Minute, true, true, 2 + 11},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := render(waitEvents(tc.interval, tc.total, tc.flap), display{tty: tc.tty, width: width(200)}, false)
			if n := strings.Count(out, "\n"); n != tc.lines {
				t.Errorf("%d lines, want %d:\n%s", n, tc.lines, strings.ReplaceAll(out, "\r", "\n"))
			}
			if redraws := strings.Count(out, "\r"); redraws > int(tc.total/time.Second)+2*tc.lines+2 {
				t.Errorf("%d rewrites of the status line in %s", redraws, tc.total)
			}
		})
	}
}

// TestProgressDisplay: only a terminal gets the status line; these
// writers are not one.
func TestProgressDisplay(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "progress.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tests := []struct {
		name string
		w    io.Writer
	}{
		{"buffer", &bytes.Buffer{}},
		{"file", f},
		{"discard", io.Discard},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := detectDisplay(tc.w); d.tty || d.ansi {
				t.Errorf("%s shows as a terminal: %+v", tc.name, d)
			}
		})
	}
}
