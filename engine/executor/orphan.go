package executor

import (
	"context"
	"fmt"
	"time"

	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/internal/proc"
	"github.com/batonhq/baton/state"
	"github.com/batonhq/baton/steps"
)

// defaultOrphanWait bounds the wait for a previous attempt's process when
// the step declares no timeout.
const defaultOrphanWait = time.Hour

// processRecorder returns the hook that records, durably, the process an
// action's attempt started, so that a resume can tell whether it still
// runs. Read-only steps are not recorded: running one again is harmless.
func (r *run) processRecorder(s *runbook.Step) func(steps.Process) {
	if !s.Mutating() {
		return nil
	}
	return func(p steps.Process) {
		rec := r.rec(s.Name)
		rec.Process = &state.ChildProcess{PID: p.PID, Start: p.Start, Host: r.opts.Host, Since: r.clk.Now()}
		r.commitNow(rec, "step.process_started", map[string]string{"pid": fmt.Sprint(p.PID)})
	}
}

// settleOrphan waits, before an in-doubt action is verified or retried,
// for the process its interrupted attempt started: bounded by the step's
// timeout (counted from the attempt's start), then the process tree is
// killed. Both are journaled; nothing is verified while it runs.
func (r *run) settleOrphan(ctx context.Context, s *runbook.Step) {
	rec := r.rec(s.Name)
	p := rec.Process
	if p == nil {
		return
	}
	defer func() { // settled either way: the records no longer name it
		settled := r.rec(s.Name)
		settled.Process = nil
		r.setRec(settled)
	}()
	if host, err := state.HostID(); err != nil || host != p.Host || !proc.TreeAlive(p.PID, p.Start) {
		return
	}
	bound := s.Timeout
	if bound <= 0 {
		bound = defaultOrphanWait
	}
	pid, deadline := fmt.Sprint(p.PID), rec.StartedAt.Add(bound)
	until := deadline.UTC().Format(time.RFC3339)
	r.appendEntry(r.entry("step.orphan_found", s.Name, map[string]string{"pid": pid, "until": until}))
	r.em.emit(Event{Type: EventInDoubt, RunID: r.id, Step: s.Name, At: r.clk.Now(), Status: string(rec.Status),
		Message: fmt.Sprintf("the previous attempt's process (pid %d) is still running; waiting for it to end (until %s) before verifying", p.PID, until)})
	for proc.TreeAlive(p.PID, p.Start) && r.clk.Now().Before(deadline) {
		if r.clk.Sleep(ctx, time.Second) != nil {
			return
		}
	}
	typ, data := "step.orphan_ended", map[string]string{"pid": pid}
	if proc.TreeAlive(p.PID, p.Start) {
		typ, data["error"] = "step.orphan_killed", errText(proc.KillTree(p.PID))
	}
	r.appendEntry(r.entry(typ, s.Name, data))
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
