package executor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/state"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// recoverSteps settles the steps a dead process left behind: a read-only
// step that was running runs again; an action that was running is in
// doubt and is settled by an operator's resolution, by its verify, or by
// being idempotent; otherwise the run holds.
func (r *run) recoverSteps(ctx context.Context) {
	for _, name := range r.order {
		rec := r.rec(name)
		s := r.steps[name]
		if s.IsTemplate() && len(rec.Instances) > 0 {
			continue // expanded: its instances are recovered as steps of their own
		}
		switch rec.Status {
		case state.StepWaiting:
			// Polled again at once, against the deadline stored when it
			// started: the time the runner was away counts against it.
			rec.Status = state.StepPending
			r.commit(rec, "step.wait_resumed", map[string]string{"deadline": rec.Deadline.UTC().Format(time.RFC3339)})
		case state.StepRunning:
			if !s.Mutating() {
				rec.Status = state.StepPending
				r.commit(rec, "step.rerun_after_crash", map[string]string{"reason": "read-only step was running when the process stopped"})
				continue
			}
			rec.Status = state.StepInDoubt
			rec.Error = "the process stopped while this action was running; its effect is unknown"
			r.commit(rec, "step.in_doubt", map[string]string{"reason": "process stopped during the action"})
			delete(r.j.resolved, name) // a new doubt needs a new answer
			r.em.emit(Event{Type: EventInDoubt, RunID: r.id, Step: name, At: r.clk.Now(), Status: string(state.StepInDoubt), Message: rec.Error})
			fallthrough
		case state.StepInDoubt:
			r.settleInDoubt(ctx, s)
		}
	}
}

func (r *run) settleInDoubt(ctx context.Context, s *runbook.Step) {
	r.settleOrphan(ctx, s)
	if e, ok := r.j.resolved[s.Name]; ok && r.decisionCounts(e, state.ApprovalPolicy{AllowRequester: true}) {
		delete(r.j.resolved, s.Name)
		rec := r.rec(s.Name)
		res := &state.Resolution{By: e.Answer.By, Decision: e.Answer.Resolution, Reason: e.Answer.Comment, At: e.At}
		rec.Resolution = res
		data := map[string]string{"by": res.By, "decision": res.Decision, "reason": res.Reason}
		switch res.Decision {
		case "succeeded":
			rec.Status = state.StepSucceeded
			rec.Reason = "resolved as succeeded by " + res.By + ": " + res.Reason
			r.commit(rec, "step.resolved", data)
		case "failed":
			r.setRec(rec)
			r.fail(s.Name, fmt.Errorf("resolved as failed by %s: %s", res.By, res.Reason))
		case "retry":
			rec.Status = state.StepPending
			rec.Resolution = nil
			r.commit(rec, "step.resolved", data)
		}
		return
	}
	if s.Verify != nil {
		ok, err := r.verify(ctx, s)
		rec := r.rec(s.Name)
		switch {
		case err != nil:
			rec.Error = "verify could not tell whether the action took effect: " + r.red.String(err.Error())
			r.commit(rec, "step.verify_failed", map[string]string{"error": rec.Error})
		case ok:
			rec.Status = state.StepSucceeded
			rec.Reason = "verified after a crash: the action had taken effect"
			rec.Error = ""
			rec.FinishedAt = r.clk.Now()
			r.commit(rec, "step.verified", map[string]string{"verified": "true"})
			return
		case s.Idempotent:
			rec.Status = state.StepPending
			rec.Reason = "verified after a crash: not in effect; running it again (idempotent)"
			r.commit(rec, "step.verified", map[string]string{"verified": "false", "rerun": "true"})
			return
		default:
			rec.Error = "verify says the action did not take effect, and it is not idempotent; decide with baton resolve (--retry to run it again)"
			r.commit(rec, "step.verified", map[string]string{"verified": "false", "rerun": "false"})
			return
		}
	}
	if s.Idempotent {
		rec := r.rec(s.Name)
		rec.Status = state.StepPending
		rec.Reason = "in doubt after a crash; running it again because it is idempotent"
		r.commit(rec, "step.rerun_after_crash", map[string]string{"reason": "idempotent"})
	}
	// Otherwise it stays in doubt and the run holds (heldReason).
}

// verify runs an action's verify block and evaluates its condition.
func (r *run) verify(ctx context.Context, s *runbook.Step) (bool, error) {
	v := s.Verify
	out, err := r.invoke(ctx, s, v.Kind, v.Body, v.Target, 0)
	if err != nil {
		return false, err
	}
	val, diags := r.scopeFor(s, stepSelf(out)).Eval(v.Condition, cty.Bool)
	if diags.HasErrors() {
		return false, fmt.Errorf("evaluating verify condition: %s", r.red.String(diags.Error()))
	}
	if !val.IsKnown() || val.IsNull() {
		return false, errors.New("the verify condition is unknown")
	}
	return isTrue(val), nil
}

// restorePhase works out, from the step records, where a resumed run was.
func (r *run) restorePhase() {
	r.phase = phaseMain
	for _, name := range r.order {
		s, st := r.steps[name], r.recp(name).Status
		switch {
		case s.Class == runbook.ClassBackout && st != state.StepPending && st != state.StepSkipped:
			r.backout = true
		case s.IsMain() && st == state.StepFailed && s.OnFailure == runbook.OnFailureBackout:
			r.backout = true // as during the run: any failure asking for it
		}
	}
	if r.failedBy = r.firstFailure(); r.failedBy != "" {
		r.phase = phaseStopping
		if r.backout {
			r.phase = phaseBackout
			r.queueBackout()
		}
		return
	}
	if !slices.ContainsFunc(r.order, func(n string) bool { return r.steps[n].IsMain() && !r.recp(n).Status.Done() }) {
		r.phase = phasePost
	}
}

// checkWindow returns a reason to pause when the change window left does
// not cover what remains plus the back-out time.
func (r *run) checkWindow(s *runbook.Step) string {
	if r.rb.Change.WindowEnd == nil || r.resume.OverrideWindow {
		return ""
	}
	end, err := r.windowBound(r.rb.Change.WindowEnd)
	if err == nil && r.rb.Change.WindowStart != nil {
		_, err = r.windowBound(r.rb.Change.WindowStart)
	}
	if err == nil && end.IsZero() {
		return "" // no window declared (null)
	}
	if err != nil {
		// Fail closed: a window nobody can read is not a window that fits.
		reason := fmt.Sprintf("change window: %v, so baton cannot tell whether %s fits in it; fix the input, or resume with --override-window --by NAME --reason TEXT, or cancel", err, s.Name)
		return r.windowHolds(s, reason, 0, "window.unreadable", map[string]string{"error": err.Error()})
	}
	remaining, backout := r.remainingExpected(), r.backoutExpected()
	left := end.Sub(r.clk.Now())
	if left >= remaining+backout {
		return ""
	}
	reason := fmt.Sprintf("change window: %s left until %s, but %s needs %s (remaining steps %s + back-out %s); resume with --override-window --by NAME --reason TEXT, or cancel",
		roundDur(left), end.UTC().Format(time.RFC3339), s.Name, roundDur(remaining+backout), roundDur(remaining), roundDur(backout))
	return r.windowHolds(s, reason, left, "window.insufficient", map[string]string{
		"left": left.String(), "remaining": remaining.String(), "backout": backout.String(), "window_end": end.UTC().Format(time.RFC3339)})
}

// windowHolds journals and reports why the change window holds s back,
// and returns the reason.
func (r *run) windowHolds(s *runbook.Step, reason string, left time.Duration, typ string, data map[string]string) string {
	r.appendEntry(r.entry(typ, s.Name, data))
	r.em.emit(Event{Type: EventWindow, RunID: r.id, Step: s.Name, At: r.clk.Now(), Left: left, Message: reason})
	return reason
}

// windowBound evaluates one bound of the change window as an RFC 3339
// time (zero when null: no window), saying why when it cannot.
func (r *run) windowBound(e hcl.Expression) (time.Time, error) {
	v, diags := r.scopeFor(nil, cty.NilVal).Eval(e, cty.String)
	switch {
	case diags.HasErrors():
		return time.Time{}, fmt.Errorf("the window bound %s cannot be evaluated (%s)", r.rb.ExprText(e), r.red.String(diags.Error()))
	case !v.IsKnown():
		return time.Time{}, fmt.Errorf("the window bound %s has no value", r.rb.ExprText(e))
	case v.IsNull():
		return time.Time{}, nil // no window declared
	}
	v, _ = v.Unmark()
	t, err := time.Parse(time.RFC3339, v.AsString())
	if err != nil {
		return time.Time{}, fmt.Errorf("the window bound %s is %q, not an RFC 3339 timestamp like \"2026-03-14T20:00:00Z\"", r.rb.ExprText(e), r.red.String(v.AsString()))
	}
	return t, nil
}

// remainingExpected is the critical path of expected durations over the
// main and post steps not yet done.
func (r *run) remainingExpected() time.Duration {
	longest := map[string]time.Duration{}
	var total time.Duration
	for _, name := range r.order {
		s := r.steps[name]
		if s.Class == runbook.ClassBackout || r.recp(name).Status.Done() {
			continue
		}
		var start time.Duration
		for _, d := range s.Deps {
			start = max(start, longest[d])
		}
		longest[name] = start + s.ExpectedDuration
		total = max(total, longest[name])
	}
	return total
}

func (r *run) backoutExpected() time.Duration {
	var d time.Duration
	for _, s := range r.rb.Steps {
		if s.Class == runbook.ClassBackout {
			d += s.ExpectedDuration
		}
	}
	return d
}

func roundDur(d time.Duration) time.Duration { return d.Round(time.Second) }

// pause records that the run stopped and can be resumed.
func (r *run) pause(reason string) (Result, error) { return r.setStatus(state.RunPaused, reason) }

// end records the final state of the run and releases its lock.
func (r *run) end(status state.RunStatus, reason string) (Result, error) {
	if status == state.RunCancelled {
		for _, n := range r.order {
			rec := r.rec(n)
			if !rec.Status.Done() && rec.Status != state.StepInDoubt {
				rec.Status = state.StepCancelled
				rec.Reason = "run cancelled"
				r.commit(rec, "step.cancelled", nil)
			}
		}
	}
	return r.setStatus(status, reason)
}

// setStatus records that the run paused or ended (status), journaled as
// run.<status>, then tells the observers. Ending the run releases its
// lease and its lock in the same write.
func (r *run) setStatus(status state.RunStatus, reason string) (Result, error) {
	ev, what := EventRunPaused, "the pause"
	now := r.clk.Now()
	r.mu.Lock()
	r.record.Status = status
	r.record.Reason = reason
	r.record.UpdatedAt = now
	if status.Done() {
		ev, what = EventRunFinished, "the end of the run"
		r.record.FinishedAt = now
	}
	rec := r.record
	r.mu.Unlock()
	res := Result{RunID: r.id, Status: status, Reason: reason}
	if err := r.updateRun(rec, r.entry("run."+string(status), "", map[string]string{"reason": reason})); err != nil {
		return res, fmt.Errorf("recording %s: %w", what, err)
	}
	r.em.emit(Event{Type: ev, RunID: r.id, At: now, Status: string(status), Message: reason})
	return res, nil
}
