package executor

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/batonhq/baton/engine/clock"
	"github.com/batonhq/baton/engine/digest"
	"github.com/batonhq/baton/engine/lang"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/state"
	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// maxCapturedOutput bounds what a step's captured output keeps.
const maxCapturedOutput = 64 << 10

// commit records a transition decided by the scheduling loop: it becomes
// durable, with every transition queued with it, in one shared commit
// before the loop launches a step, blocks, or writes the run record
// (flush), so the engine never acts on a transition that is not durable.
func (r *run) commit(rec state.StepRecord, typ string, data map[string]string) {
	r.put(rec, r.stepEntry(rec, typ, data), writeUrgent)
}

// commitNow records a transition of a running step (from its worker)
// and returns once it, and everything queued before it, is durable.
func (r *run) commitNow(rec state.StepRecord, typ string, data map[string]string) error {
	r.put(rec, r.stepEntry(rec, typ, data), writeNow)
	return r.storeFailed()
}

// flush makes the queued transitions that must be durable before the loop
// acts durable; the run stops if it cannot.
func (r *run) flush() error {
	err := r.j.flushUrgent()
	if err != nil {
		r.log.Error("recording step transitions failed", "error", err)
	}
	return err
}

// storeFailed is the first transition the store could not record: from
// then on the run starts nothing and stops (see execute).
func (r *run) storeFailed() error {
	r.j.mu.Lock()
	defer r.j.mu.Unlock()
	return r.j.failed
}

// stepEntry is the journal entry of a step transition.
func (r *run) stepEntry(rec state.StepRecord, typ string, data map[string]string) state.JournalEntry {
	if data == nil {
		data = map[string]string{}
	}
	data["status"] = string(rec.Status)
	if rec.Attempt > 0 {
		data["attempt"] = fmt.Sprint(rec.Attempt)
	}
	return r.entry(typ, rec.Name, data)
}

// put makes rec the step's record and queues it with its journal entry e,
// to be durable as when says.
func (r *run) put(rec state.StepRecord, e state.JournalEntry, when int) {
	if r.log.IsDebug() {
		r.log.Debug("step transition", "run", r.id, "step", rec.Name, "event", e.Type, "status", string(rec.Status),
			"attempt", rec.Attempt, "error", r.red.String(rec.Error))
	}
	r.setRec(rec)
	if err := r.j.put(rec, e, when); err != nil {
		// The transition could not be made durable: the run stops acting
		// (storeFailed).
		r.log.Error("recording a step transition failed", "step", rec.Name, "error", err)
	}
}

// setRec replaces a step's record in memory only: what the next
// transition of the step records starts from it.
func (r *run) setRec(rec state.StepRecord) {
	r.mu.Lock()
	r.recs[rec.Name] = &rec
	r.mu.Unlock()
}

func (r *run) rec(name string) state.StepRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return *r.recs[name]
}

func (r *run) succeed(name string, out cty.Value, note string) {
	rec := r.rec(name)
	rec.Status = state.StepSucceeded
	rec.FinishedAt = r.clk.Now()
	rec.Error = ""
	rec.NextAttemptAt = time.Time{}
	if note != "" {
		rec.Reason = note
	}
	data := map[string]string{}
	if out != cty.NilVal {
		if s := r.steps[name]; s != nil && s.SensitiveOutput && !out.IsMarked() {
			// Its arguments use a secret, so its output is one: it never
			// reaches the store (a resumed run sees null), and the steps
			// that use it see a secret.
			out = out.Mark(steps.Sensitive)
		}
		r.red.AddValue(out)
		b, err := encodeOutput(out)
		if err != nil {
			r.log.Warn("step output could not be stored", "step", name, "error", err)
		} else {
			rec.Output = b
			rec.OutputDigest = digest.Bytes(b)
			data["output_digest"] = rec.OutputDigest
		}
		r.mu.Lock()
		r.outputs[name] = out
		r.mu.Unlock()
	}
	r.commit(rec, "step.succeeded", data)
}

// fail records a failure and applies the step's on_failure policy.
func (r *run) fail(name string, err error) {
	rec := r.rec(name)
	rec.Status = state.StepFailed
	rec.FinishedAt = r.clk.Now()
	rec.Error = r.red.String(err.Error())
	r.commit(rec, "step.failed", map[string]string{"error": rec.Error})
	s := r.steps[name]
	if s.Class == runbook.ClassBackout || r.phase == phaseBackout {
		return
	}
	switch s.OnFailure {
	case runbook.OnFailureContinue:
		return
	case runbook.OnFailureBackout:
		// Whichever of several failures is recorded first, one that asks
		// for a back-out gets it.
		r.backout = true
	}
	if r.phase != phaseStopping {
		r.failedBy = name
		r.phase = phaseStopping
	}
}

func (r *run) skip(name string, cause state.SkipCause, reason string) {
	rec := r.rec(name)
	rec.Status = state.StepSkipped
	rec.Cause = cause
	rec.Reason = reason
	rec.FinishedAt = r.clk.Now()
	r.commit(rec, "step.skipped", map[string]string{"reason": reason})
	r.em.emit(Event{Type: EventStepSkipped, RunID: r.id, Step: name, Class: string(r.steps[name].Class), At: r.clk.Now(), Status: string(state.StepSkipped), Message: reason})
}

// inDoubt records an action whose outcome is unknown after err (its step
// type panicked): like a crash, it waits for verify or an operator.
func (r *run) inDoubt(s *runbook.Step, err error) {
	rec := r.rec(s.Name)
	rec.Status = state.StepInDoubt
	rec.Error = r.red.String(err.Error()) + "; whether it took effect is unknown"
	rec.FinishedAt = r.clk.Now()
	r.commit(rec, "step.in_doubt", map[string]string{"reason": "step type failed unexpectedly"})
	r.em.emit(Event{Type: EventInDoubt, RunID: r.id, Step: s.Name, Class: string(s.Class), At: r.clk.Now(), Status: string(state.StepInDoubt), Message: rec.Error})
}

// interrupted records a step whose run was interrupted (Ctrl-C): a
// read-only step will simply run again; an action's effect is unknown.
func (r *run) interrupted(s *runbook.Step) {
	rec := r.rec(s.Name)
	switch {
	case s.Class == runbook.ClassWait:
		return // waiting, with its deadline: resumes as it was
	case s.Mutating() && rec.Status == state.StepRunning:
		rec.Status = state.StepInDoubt
		rec.Error = "interrupted while running; its effect is unknown"
		r.commit(rec, "step.in_doubt", map[string]string{"reason": "interrupted"})
	default:
		rec.Status = state.StepPending
		r.commit(rec, "step.interrupted", nil)
	}
}

func (r *run) decide(s *runbook.Step) {
	v, diags := r.scopeFor(s, cty.NilVal).Eval(s.Condition, cty.Bool)
	if diags.HasErrors() {
		r.fail(s.Name, fmt.Errorf("evaluating the decision: %s", r.red.String(diags.Error())))
		return
	}
	if !v.IsKnown() || v.IsNull() {
		r.fail(s.Name, errors.New("the decision's condition is null or unknown: a step it depends on produced no value"))
		return
	}
	if lang.Sensitive(v) {
		// Validate refuses this; a value only a run knows to be secret (a
		// step type's sensitive output) gets here.
		r.fail(s.Name, errors.New("the decision's condition depends on a sensitive value, and a decision's outcome is shown and journaled: decide on something safe to show, or wrap it in nonsensitive(...)"))
		return
	}
	r.succeed(s.Name, v, "decided "+fmt.Sprint(v.True()))
	r.em.emit(Event{Type: EventStepFinished, RunID: r.id, Step: s.Name, Class: string(s.Class), At: r.clk.Now(), Status: string(state.StepSucceeded), Message: fmt.Sprintf("%s: %v", s.Description, v.True())})
}

func (r *run) requestApproval(s *runbook.Step) {
	rec := r.rec(s.Name)
	now := r.clk.Now()
	rec.Status = state.StepAwaitingApproval
	rec.StartedAt = now
	if rec.Deadline.IsZero() && s.ExpiresAfter > 0 {
		rec.Deadline = now.Add(s.ExpiresAfter)
	}
	pol := r.policyOf(s, state.StepRecord{})
	rec.Policy = &pol
	data := map[string]string{}
	if r.record.PlanDigest != "" {
		data["plan_digest"] = r.record.PlanDigest
	}
	e := r.stepEntry(rec, "approval.requested", data)
	e.Policy = rec.Policy // the policy it asks under
	r.put(rec, e, writeUrgent)
	ev := Event{Type: EventApprovalRequired, RunID: r.id, Step: s.Name, Class: string(s.Class), At: now, Status: string(rec.Status),
		Message: cmp.Or(r.red.String(s.InstructionsIn(r.scopeFor(s, cty.NilVal).EvalContext())), s.Description), Hint: fmt.Sprintf("baton approve %s %s --by NAME  (or: baton reject ...)", r.id, runbook.CommandWord(s.Name))}
	if !rec.Deadline.IsZero() {
		ev.Left = rec.Deadline.Sub(now)
	}
	r.em.emit(ev)
	if r.opts.AutoApprove != nil {
		for _, a := range r.opts.AutoApprove(s) {
			r.answers = append(r.answers, scheduledAnswer{step: s.Name, at: now.Add(max(0, a.After)), a: a.Approval})
		}
		r.giveDueAnswers()
	}
}

// giveDueAnswers records the automatic answers whose time has come, then
// settles the steps they answer.
func (r *run) giveDueAnswers() {
	now := r.clk.Now()
	kept := r.answers[:0:0] // a new array: r.answers stays whole if this returns early
	given := false
	for _, sa := range r.answers {
		if sa.at.After(now) {
			kept = append(kept, sa)
			continue
		}
		if rec := r.recp(sa.step); rec == nil || rec.Status != state.StepAwaitingApproval {
			continue // settled meanwhile (rejected, expired)
		}
		if err := r.j.flush(); err != nil {
			return // the run stops: storeFailed
		}
		if _, err := r.store.Answer(r.id, answerEntry(now, sa.step, sa.a, r.record.PlanDigest)); err != nil {
			r.log.Warn("automatic approval failed", "step", sa.step, "error", err)
		}
		given = true
	}
	r.answers = kept
	if given {
		r.checkApprovals()
	}
}

// nextAnswerEvent is when the run must look at its approvals again while
// nothing else happens: the next automatic answer, or an expiry before it.
// ok is false when no automatic answer is due, so waiting is pointless.
func (r *run) nextAnswerEvent() (at time.Time, ok bool) {
	for _, sa := range r.answers {
		if rec := r.recp(sa.step); rec != nil && rec.Status == state.StepAwaitingApproval && (!ok || sa.at.Before(at)) {
			at, ok = sa.at, true
		}
	}
	if !ok {
		return at, false
	}
	for _, name := range r.order {
		if rec := r.recp(name); rec.Status == state.StepAwaitingApproval && !rec.Deadline.IsZero() && rec.Deadline.Before(at) {
			at = rec.Deadline
		}
	}
	return at, true
}

// checkApprovals settles approval and manual steps from the answers in
// the journal (given by `baton approve` from any process).
func (r *run) checkApprovals() {
	now := r.clk.Now()
	if r.anyIn(state.StepAwaitingApproval) {
		r.readAnswers()
	}
	for _, name := range r.order {
		if r.recp(name).Status != state.StepAwaitingApproval {
			continue
		}
		s := r.steps[name]
		rec := r.rec(name)
		pol := r.policyOf(s, rec)
		rec.Approvals = r.approvalsOf(name, pol)
		need := max(1, pol.MinApprovals)
		approvedBy, comments, rejected := tally(pol, rec)
		expired := !rec.Deadline.IsZero() && !now.Before(rec.Deadline)
		if rejected == "" && len(approvedBy) < need && !expired {
			continue // still waiting
		}
		r.setRec(rec)
		switch {
		case rejected != "":
			r.fail(name, errors.New(rejected))
		case len(approvedBy) >= need:
			by := "approved by " + strings.Join(approvedBy, ", ")
			r.succeed(name, approvalOutput(approvedBy, comments), by)
			r.em.emit(Event{Type: EventApprovalGiven, RunID: r.id, Step: name, At: now, Status: string(state.StepSucceeded), Message: by})
		default:
			r.fail(name, fmt.Errorf("approval expired at %s with %d of %d approvals", rec.Deadline.UTC().Format(time.RFC3339), len(approvedBy), need))
		}
	}
}

// tally reads a step's approvals: who approved in time, their comments,
// and, when someone who may answer rejected it, why. Who may answer is
// the policy the step asked under, which AnswerWith checks too.
func tally(pol state.ApprovalPolicy, rec state.StepRecord) (approvedBy, comments []string, rejected string) {
	for _, a := range rec.Approvals {
		if !pol.Allows(a.By) {
			continue
		}
		if a.Decision == "rejected" {
			rejected = fmt.Sprintf("rejected by %s", a.By)
			if a.Comment != "" {
				rejected += ": " + a.Comment
			}
			return approvedBy, comments, rejected
		}
		if !rec.Deadline.IsZero() && !a.At.Before(rec.Deadline) {
			continue // journaled after the expiry: too late, whatever time it claims
		}
		approvedBy = append(approvedBy, a.By)
		if a.Comment != "" {
			comments = append(comments, a.Comment)
		}
	}
	return approvedBy, comments, ""
}

// policyOf is the approval policy a step asked under.
func (r *run) policyOf(s *runbook.Step, rec state.StepRecord) state.ApprovalPolicy {
	if rec.Policy != nil {
		return *rec.Policy
	}
	return state.ApprovalPolicy{Approvers: s.Approvers, MinApprovals: max(1, s.MinApprovals),
		AllowRequester: s.AllowRequester || s.Class == runbook.ClassManual, Requester: r.record.Requester}
}

// anyIn reports whether a step of the run is in status st.
func (r *run) anyIn(st state.StepStatus) bool {
	return slices.ContainsFunc(r.order, func(n string) bool { return r.recp(n).Status == st })
}

// answerEntry is the journal entry of an approval or rejection.
func answerEntry(at time.Time, step string, a state.Approval, planDigest string) state.JournalEntry {
	kind := state.AnswerApprove
	if a.Decision == "rejected" {
		kind = state.AnswerReject
	}
	return state.JournalEntry{At: at, Step: step, Actor: a.By,
		Answer: &state.Answer{Kind: kind, By: a.By, Comment: a.Comment, PlanDigest: planDigest}}
}

// simulated reports whether s may run in a rehearsal: its type is pure,
// offers a stand-in, or acts through a simulated target.
func (r *run) simulated(s *runbook.Step) bool {
	switch s.Kind.(type) {
	case steps.Pure, steps.StandIn:
		return true
	}
	tt := s.Kind.TargetType()
	if tt == "" {
		return false
	}
	_, byName := r.opts.Targets[s.Target]
	_, byType := r.opts.Targets[tt]
	return byName || byType
}

// target returns the opened target for a step, opening it on first use.
func (r *run) target(ctx context.Context, name string, kind steps.Kind) (steps.Target, error) {
	if kind.TargetType() == "" {
		return nil, nil
	}
	if t, ok := r.opts.Targets[name]; ok && name != "" {
		return t, nil
	}
	if t, ok := r.opts.Targets[kind.TargetType()]; ok {
		return t, nil
	}
	r.targetsMu.Lock()
	defer r.targetsMu.Unlock()
	if t, ok := r.targets[name]; ok {
		return t, nil
	}
	i := slices.IndexFunc(r.rb.Targets, func(t *runbook.Target) bool { return t.Name == name })
	if i < 0 {
		return nil, fmt.Errorf("step type %s needs a target of type %q and the runbook declares none", kind.Name(), kind.TargetType())
	}
	decl := r.rb.Targets[i]
	args, diags := r.scopeFor(nil, cty.NilVal).DecodeBody(decl.Body, decl.Kind.Spec())
	if diags.HasErrors() {
		return nil, fmt.Errorf("target %s: %s", name, r.red.String(diags.Error()))
	}
	if !args.IsWhollyKnown() {
		return nil, fmt.Errorf("target %s: some arguments are not known", name)
	}
	un, _ := args.UnmarkDeep()
	t, err := decl.Kind.Open(ctx, un, r.log.Named("target."+name))
	if err != nil {
		return nil, fmt.Errorf("opening target %s: %s", name, r.red.String(err.Error()))
	}
	r.targets[name] = t
	return t, nil
}

func (r *run) closeTargets() {
	r.targetsMu.Lock()
	defer r.targetsMu.Unlock()
	for name, t := range r.targets {
		if err := t.Close(); err != nil {
			r.log.Warn("closing target", "target", name, "error", err)
		}
		delete(r.targets, name)
	}
}

// invoke runs a step type once with the step's current arguments.
func (r *run) invoke(ctx context.Context, s *runbook.Step, kind steps.Kind, body hcl.Body, target string, attempt int) (cty.Value, error) {
	if si, ok := kind.(steps.StandIn); ok && r.opts.Rehearsal {
		kind = si.RehearsalStandIn()
	}
	args, diags := r.scopeFor(s, cty.NilVal).DecodeBody(body, kind.Spec())
	if diags.HasErrors() {
		return cty.NilVal, fmt.Errorf("evaluating arguments: %s", r.red.String(diags.Error()))
	}
	return r.invokeArgs(ctx, s, kind, args, target, attempt)
}

// invokeArgs runs a step type once with evaluated arguments.
func (r *run) invokeArgs(ctx context.Context, s *runbook.Step, kind steps.Kind, args cty.Value, target string, attempt int) (cty.Value, error) {
	if !args.IsWhollyKnown() {
		return cty.NilVal, errors.New("some arguments are not known: a step they refer to was skipped or produced no value")
	}
	// Every secret the arguments hold, derived ones included (upper of a
	// password), is hidden from now on wherever the run writes.
	r.red.AddValue(args)
	if err := checkSinks(s, kind, args); err != nil {
		return cty.NilVal, err
	}
	un, _ := args.UnmarkDeep()
	tgt, err := r.target(ctx, target, kind)
	if err != nil {
		return cty.NilVal, err
	}
	var buf limitedBuffer
	req := steps.Request{
		Args: un, Target: tgt, Clock: r.clk, Log: r.log.Named("step." + s.Name), Output: &buf,
		RunID: r.id, Step: s.Name, Attempt: attempt, IdempotencyKey: r.id + "/" + s.Name,
	}
	if kind == s.Kind {
		req.OnProcess = r.processRecorder(s)
	}
	runCtx := ctx
	if s.Timeout > 0 && s.Class != runbook.ClassWait {
		var cancel context.CancelFunc
		runCtx, cancel = clock.WithTimeout(ctx, r.clk, s.Timeout)
		defer cancel()
	}
	out, err := r.runKind(runCtx, kind, req)
	if buf.Len() > 0 && r.store != nil { // planning (no store) records nothing
		if lerr := r.j.lease.AppendLog(s.Name, []byte(r.red.String(buf.String()))); lerr != nil {
			r.log.Warn("storing step output", "step", s.Name, "error", lerr)
		}
	}
	if err != nil {
		if runCtx.Err() != nil && ctx.Err() == nil {
			return cty.NilVal, fmt.Errorf("timed out after %s: %s", s.Timeout, r.red.String(err.Error()))
		}
		if ctx.Err() != nil {
			return cty.NilVal, ctx.Err()
		}
		if _, ok := errors.AsType[*stepPanic](err); ok {
			return cty.NilVal, err
		}
		return cty.NilVal, errors.New(r.red.String(err.Error()))
	}
	if out == cty.NilVal {
		out = cty.NullVal(kind.OutputType())
	}
	if lang.Sensitive(args) {
		// A step whose arguments use a secret has a sensitive output.
		out = out.Mark(steps.Sensitive)
		r.red.AddValue(out)
	}
	return out, nil
}

// checkAsserts evaluates a step's assertions on its output.
func (r *run) checkAsserts(s *runbook.Step, out cty.Value) error {
	if len(s.Asserts) == 0 {
		return nil
	}
	sc := r.scopeFor(s, stepSelf(out))
	for _, a := range s.Asserts {
		ok, diags := sc.Eval(a.Condition, cty.Bool)
		if diags.HasErrors() {
			return fmt.Errorf("evaluating assertion: %s", r.red.String(diags.Error()))
		}
		if isFalse(ok) {
			text, ok := evalMessage(sc, a.Message)
			if !ok {
				text = "assertion failed"
			}
			return errors.New(r.red.String(text))
		}
	}
	return nil
}

// runStep runs a check, action, back-out or post step with its retries.
func (r *run) runStep(ctx context.Context, s *runbook.Step) (res result) {
	attempts := max(1, s.Retry.Attempts)
	for attempt := r.rec(s.Name).Attempt + 1; ; attempt++ {
		rec := r.rec(s.Name)
		rec.Status = state.StepRunning
		rec.Attempt = attempt
		rec.IdempotencyKey = r.id + "/" + s.Name
		rec.StartedAt = r.clk.Now()
		rec.NextAttemptAt = time.Time{}
		data := map[string]string{"idempotency_key": rec.IdempotencyKey}
		if s.Mutating() {
			if err := r.commitNow(rec, "step.intent", data); err != nil {
				return result{storeErr: err} // durable before the side effect, or no side effect
			}
		} else {
			r.put(rec, r.stepEntry(rec, "step.running", data), writeLazy) // the next commit carries it
		}
		out, err := r.invoke(ctx, s, s.Kind, s.Body, s.Target, attempt)
		if err == nil {
			err = r.checkAsserts(s, out)
		}
		if err == nil {
			return result{output: out}
		}
		if ctx.Err() != nil {
			return result{err: ctx.Err()}
		}
		if _, ok := errors.AsType[*stepPanic](err); ok {
			// Never retried: an action may have half happened.
			return result{err: err, panicked: true}
		}
		if attempt >= attempts {
			return result{err: err}
		}
		delay := r.backoffDelay(s, attempt)
		rec = r.rec(s.Name)
		rec.Error = r.red.String(err.Error())
		rec.NextAttemptAt = r.clk.Now().Add(delay)
		if err := r.commitNow(rec, "step.retry", map[string]string{"error": rec.Error, "delay": delay.String()}); err != nil {
			return result{storeErr: err}
		}
		r.em.emit(Event{Type: EventStepRetry, RunID: r.id, Step: s.Name, Class: string(s.Class), At: r.clk.Now(), Attempt: attempt, Message: rec.Error, Left: delay})
		if err := r.clk.Sleep(ctx, delay); err != nil {
			return result{err: err}
		}
	}
}

// backoffDelay is exponential with ±20% jitter, capped by max_delay.
func (r *run) backoffDelay(s *runbook.Step, attempt int) time.Duration {
	base := s.Retry.Backoff
	if base <= 0 {
		base = 10 * time.Second
	}
	d := base << min(attempt-1, 20)
	if s.Retry.MaxDelay > 0 && d > s.Retry.MaxDelay {
		d = s.Retry.MaxDelay
	}
	r.mu.Lock()
	j := 0.8 + 0.4*r.rnd.Float64()
	r.mu.Unlock()
	return time.Duration(float64(d) * j)
}

// waitStep polls a read-only step until its condition holds, failing at
// the durable deadline.
func (r *run) waitStep(ctx context.Context, s *runbook.Step) (res result) {
	rec := r.rec(s.Name)
	now := r.clk.Now()
	if rec.Deadline.IsZero() {
		rec.Deadline = now.Add(s.Timeout)
		rec.StartedAt = now
	}
	rec.Status = state.StepWaiting
	rec.Attempt++
	if err := r.commitNow(rec, "step.waiting", map[string]string{"deadline": rec.Deadline.UTC().Format(time.RFC3339)}); err != nil {
		return result{storeErr: err}
	}
	deadline := rec.Deadline
	interval := s.Interval
	if interval <= 0 {
		interval = 30 * time.Second
	}
	var last string
	streak := stableStreak{need: s.StableFor}
	for polls := 1; ; polls++ {
		pollCtx, cancel := clock.WithTimeout(ctx, r.clk, max(deadline.Sub(r.clk.Now()), time.Second))
		out, err := r.invoke(pollCtx, s, s.Kind, s.Body, s.Target, polls)
		cancel()
		if ctx.Err() != nil {
			return result{err: ctx.Err()}
		}
		if _, ok := errors.AsType[*stepPanic](err); ok {
			return result{err: err}
		}
		if err == nil {
			sc := r.scopeFor(s, stepSelf(out))
			if s.FailIf != nil {
				v, diags := sc.Eval(s.FailIf, cty.Bool)
				if diags.HasErrors() {
					return result{err: fmt.Errorf("evaluating fail_if: %s", r.red.String(diags.Error()))}
				}
				if isTrue(v) {
					return result{output: out, err: r.failIfError(s, sc)}
				}
			}
			v, diags := sc.Eval(s.Until, cty.Bool)
			if diags.HasErrors() {
				return result{err: fmt.Errorf("evaluating until: %s", r.red.String(diags.Error()))}
			}
			done, why := streak.observe(isTrue(v), r.clk.Now())
			if done {
				return result{output: out}
			}
			last = why
		} else {
			streak.observe(false, r.clk.Now())
			last = err.Error()
		}
		now := r.clk.Now()
		left := deadline.Sub(now)
		if left <= 0 {
			return result{err: fmt.Errorf("timed out after %s waiting for %s (%d polls; last: %s)", s.Timeout, r.rb.ExprText(s.Until), polls, last)}
		}
		r.em.emit(Event{Type: EventWaitPolled, RunID: r.id, Step: s.Name, Class: string(s.Class), At: now, Attempt: polls, Left: left, Message: last})
		if err := r.clk.Sleep(ctx, min(interval, left)); err != nil {
			return result{err: err}
		}
	}
}

// stableStreak tracks how long a wait's until has held on every poll, for
// stable_for. A resumed wait starts a new streak: the polls before the
// interruption are not evidence of what happened while nobody looked.
type stableStreak struct {
	need  time.Duration
	since time.Time // first poll of the current streak; zero: none
	polls int       // polls in the current streak
}

// observe records one poll and says whether the wait is done, or why not.
func (s *stableStreak) observe(held bool, now time.Time) (bool, string) {
	if !held {
		why := "condition not yet true"
		if polls := "polls"; s.polls > 0 {
			if s.polls == 1 {
				polls = "poll"
			}
			why = fmt.Sprintf("condition no longer true after %d consecutive %s; it must hold for %s", s.polls, polls, s.need)
		}
		s.since, s.polls = time.Time{}, 0
		return false, why
	}
	if s.polls == 0 {
		s.since = now
	}
	s.polls++
	heldFor := now.Sub(s.since)
	if heldFor >= s.need {
		return true, ""
	}
	// The same words on every poll of the streak, so progress shows the
	// streak once rather than every poll.
	return false, fmt.Sprintf("condition true since %s; it must hold for %s", s.since.UTC().Format(time.RFC3339), s.need)
}

// failIfError says why a wait's fail_if stopped it: its fail_message, else
// the condition's text.
func (r *run) failIfError(s *runbook.Step, sc *lang.Scope) error {
	if s.FailMessage != nil {
		if m, ok := evalMessage(sc, s.FailMessage); ok {
			return errors.New(r.red.String(m))
		}
	}
	return fmt.Errorf("fail_if holds: %s", r.rb.ExprText(s.FailIf))
}

// evalMessage evaluates a message expression; ok is false when it has no
// string value.
func evalMessage(sc *lang.Scope, e hcl.Expression) (msg string, ok bool) {
	m, diags := sc.Eval(e, cty.String)
	if diags.HasErrors() || !m.IsKnown() || m.IsNull() {
		return "", false
	}
	m, _ = m.Unmark()
	return m.AsString(), true
}

// stepPanic is a step type that panicked: a bug in baton. Its message
// carries no stack (that goes to the debug log).
type stepPanic struct {
	kind  string
	value any
}

func (e *stepPanic) Error() string {
	return fmt.Sprintf("step type %s failed unexpectedly (%v): this is a bug in baton, please report it; BATON_LOG=debug logs where it happened", e.kind, e.value)
}

// runKind runs a step type, turning a panic into a *stepPanic error.
func (r *run) runKind(ctx context.Context, kind steps.Kind, req steps.Request) (out cty.Value, err error) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Debug("step type panicked", "step", req.Step, "type", kind.Name(), "panic", r.red.String(fmt.Sprint(p)), "stack", string(debug.Stack()))
			out, err = cty.NilVal, &stepPanic{kind: kind.Name(), value: p}
		}
	}()
	return kind.Run(ctx, req)
}

func stepSelf(out cty.Value) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{"output": out})
}

// limitedBuffer keeps the first maxCapturedOutput bytes of a step's output.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	room := max(0, maxCapturedOutput-b.Len())
	b.Buffer.Write(p[:min(len(p), room)])
	return len(p), nil
}

// recp returns a step's record (nil when unknown), safe to read while
// workers record transitions: stored records are never modified, each
// transition stores a new one. Callers must not modify it.
func (r *run) recp(name string) *state.StepRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.recs[name]
}

// checkSinks refuses arguments holding a secret where the step's type
// does not declare a secret sink (validate reports the flow first; this
// is the guard for what validation could not see).
func checkSinks(s *runbook.Step, kind steps.Kind, args cty.Value) error {
	bad := steps.SensitiveOutsideSinks(declaredKind(s, kind), args)
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("argument %s of step %s holds a sensitive value, and step type %s shows, sends or logs it as it is: pass the secret in an argument the type keeps secret, or wrap what is safe to show in nonsensitive(...); baton validate shows where it comes from",
		steps.PathString(bad[0]), s.Name, kind.Name())
}

// declaredKind is the step type the runbook declared for kind (a
// rehearsal's stand-in runs in its place, with its name).
func declaredKind(s *runbook.Step, kind steps.Kind) steps.Kind {
	if v := s.Verify; v != nil && v.Kind != nil && v.Kind.Name() == kind.Name() {
		return v.Kind
	}
	if s.Kind != nil && s.Kind.Name() == kind.Name() {
		return s.Kind
	}
	return kind
}

// isTrue and isFalse read a condition's result, which may be sensitive
// (a condition on a secret only says pass or fail); unknown or null is
// neither.
func isTrue(v cty.Value) bool {
	v, _ = v.Unmark()
	return v.IsKnown() && !v.IsNull() && v.True()
}

func isFalse(v cty.Value) bool {
	v, _ = v.Unmark()
	return v.IsKnown() && !v.IsNull() && v.False()
}

// approvalOutput is an approval's or a manual step's output, of type
// runbook.ApprovalOutputType: who approved (or confirmed), and their
// comments.
func approvalOutput(by, comments []string) cty.Value {
	list := make([]cty.Value, len(by))
	for i, b := range by {
		list[i] = cty.StringVal(b)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"approved_by": cty.ListVal(list),
		"comment":     cty.StringVal(strings.Join(comments, "; ")),
	})
}
