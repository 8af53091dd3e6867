package executor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/batonhq/baton/engine/clock"
	"github.com/batonhq/baton/engine/lang"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/state"
	"github.com/zclconf/go-cty/cty"
)

const (
	reasonDepFailed    = "dependency did not succeed: "
	reasonBranch       = "branch not taken: "
	reasonWhenFalse    = "condition is false: "
	reasonRunStopped   = "not run: the run stopped after "
	reasonNotSimulated = "not simulated in rehearsal: "
)

// execute runs the scheduling loop until the run ends or pauses.
func (r *run) execute(ctx context.Context) (res Result, err error) {
	defer r.closeTargets()
	r.log.Debug("run executing", "run", r.id, "steps", len(r.order), "rehearsal", r.opts.Rehearsal)
	defer func() {
		r.log.Debug("run stopped", "run", r.id, "status", string(res.Status), "reason", r.red.String(res.Reason))
	}()
	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	leaseCtx, stopLease := context.WithCancel(context.Background())
	defer stopLease()
	go r.keepLease(leaseCtx, cancelRun)
	if !r.record.Deadline.IsZero() {
		var cancelDeadline context.CancelFunc
		runCtx, cancelDeadline = clock.WithTimeout(runCtx, r.clk, r.record.Deadline.Sub(r.clk.Now()))
		defer cancelDeadline()
	}
	cancelled := false
	for {
		storeErr := r.storeFailed()
		if storeErr != nil {
			cancelRun() // nothing acts on what the store did not record
		}
		if ctx.Err() != nil || cancelled || runCtx.Err() != nil {
			return r.stop(ctx, storeErr, cancelled)
		}
		if r.disc == nil && r.readAnswers() { // a cancel journaled by another process
			cancelled = true
			cancelRun()
			continue
		}
		if r.disc != nil && len(r.running) > 0 && r.disc.Active() > 1 {
			// Another step is still working at this virtual instant: take
			// its result before deciding anything, so that what runs next
			// depends on virtual time only, never on goroutine timing.
			r.awaitResult(ctx, runCtx)
			continue
		}
		r.checkApprovals()
		progress, pauseReason := r.schedule(runCtx)
		if pauseReason != "" && len(r.running) == 0 {
			return r.pause(pauseReason)
		}
		if len(r.running) == 0 && !progress {
			before := r.phase
			if done, status, reason := r.settle(); done {
				return r.end(status, reason)
			}
			if r.phase != before {
				continue // a new phase (post-tasks, back-out) has steps to start
			}
			reason, awaiting := r.heldReason()
			_, answerDue := r.nextAnswerEvent()
			switch {
			case reason == "":
				// Nothing runs, nothing can start and nothing is awaited:
				// stop rather than wait forever.
				return r.pause("no step can start: " + r.pendingSummary())
			case !r.anyIn(state.StepInDoubt) && r.opts.WaitForApprovals && r.disc == nil:
				// keep polling the store below
			case answerDue:
				// an automatic answer (or an expiry) is due: wait for it below
			default:
				res, err := r.pause(reason)
				res.AwaitingAnswer = awaiting
				return res, err
			}
		}
		if progress && len(r.running) == 0 {
			continue
		}
		r.awaitEvent(ctx, runCtx, cancelRun)
	}
}

// stop ends the loop once the run was interrupted, cancelled, timed out,
// lost its lease or could not record a transition: it waits for the
// running steps to notice, settles them, and says how the run ended.
func (r *run) stop(ctx context.Context, storeErr error, cancelled bool) (Result, error) {
	for len(r.running) > 0 {
		// Only results end this wait: the workers are drained, whatever
		// ended the run (a background context never ends).
		r.awaitResult(context.Background(), context.Background())
	}
	r.mu.Lock()
	lost := r.lost // the error that ended this process's lease, if any
	r.mu.Unlock()
	switch {
	case storeErr != nil:
		if err := r.j.lease.Release(); err != nil { // best effort: else it lapses
			r.log.Warn("releasing the run's ownership failed", "error", err)
		}
		return Result{RunID: r.id, Status: state.RunPaused}, fmt.Errorf("the state store could not record a transition; the run stopped, every step it had started has ended, and it can be resumed once the state store is writable: %w", storeErr)
	case lost != nil:
		r.log.Error("this process lost the run's ownership and stopped acting on it", "error", lost)
		return Result{RunID: r.id, Status: state.RunRunning}, fmt.Errorf("run %s: %w", r.id, lost)
	case cancelled:
		return r.end(state.RunCancelled, "cancelled by "+r.record.CancelledBy)
	case ctx.Err() != nil:
		return r.pause("interrupted; resume with: baton resume " + r.id)
	default:
		return r.end(state.RunFailed, "the run timed out (runbook timeout)")
	}
}

// awaitEvent blocks until something the loop acts on happens: a step's
// result, an automatic answer or expiry that is due, the poll tick (wall
// clock: answers, heartbeats), or the run's end. On the virtual clock,
// time moves only when every participant is idle or asleep: no real-time
// timer here, so a rehearsal's timeline never depends on the machine's
// speed.
func (r *run) awaitEvent(ctx, runCtx context.Context, cancelRun context.CancelFunc) {
	var tick <-chan time.Time
	if r.disc == nil {
		tick = time.After(r.opts.PollInterval)
	}
	answer, stopAnswer := r.answerAlarm()
	r.flush()
	r.idle()
	act := func() {} // the run's end: the loop sees it
	select {
	case res := <-r.results:
		act = func() {
			r.finish(res)
			r.finishReady() // results that arrived meanwhile share the commit
		}
	case <-answer:
		act = func() {
			r.giveDueAnswers()
			r.checkApprovals()
		}
	case <-tick:
		act = r.heartbeat
	case <-ctx.Done():
		act = cancelRun
	case <-runCtx.Done():
	}
	r.wake()
	stopAnswer() // after wake: a fired alarm holds time until then
	act()
}

// awaitResult takes the next step result (on the virtual clock: see
// execute), unless ctx or runCtx ends first.
func (r *run) awaitResult(ctx, runCtx context.Context) {
	r.flush()
	r.idle()
	select {
	case res := <-r.results:
		r.wake()
		r.finish(res)
	case <-ctx.Done():
		r.wake()
	case <-runCtx.Done():
		r.wake()
	}
}

// answerAlarm fires when the next automatic answer or approval expiry is
// due (a nil channel when none is). On the virtual clock it is an alarm,
// so virtual time stops at that moment even while steps run.
func (r *run) answerAlarm() (<-chan struct{}, func() bool) {
	at, ok := r.nextAnswerEvent()
	if !ok {
		return nil, func() bool { return false }
	}
	d := at.Sub(r.clk.Now())
	if r.disc != nil {
		return r.disc.Alarm(d)
	}
	ch := make(chan struct{})
	t := time.AfterFunc(max(d, 0), func() { close(ch) })
	return ch, func() bool { t.Stop(); return false }
}

// idle and wake tell a discrete clock that the loop blocks on a channel
// and runs again.
func (r *run) idle() {
	if r.disc != nil {
		r.disc.Idle()
	}
}

func (r *run) wake() {
	if r.disc != nil {
		r.disc.Wake()
	}
}

func (r *run) heartbeat() {
	if r.opts.Heartbeat < 0 {
		return
	}
	now := r.clk.Now()
	for _, name := range slices.Sorted(maps.Keys(r.running)) { // events in a stable order
		if w := r.running[name]; now.Sub(w.lastBeat) >= r.opts.Heartbeat {
			w.lastBeat = now
			r.running[name] = w
			r.em.emit(Event{Type: EventHeartbeat, RunID: r.id, Step: name, At: now, Duration: now.Sub(w.started), Message: "still running"})
		}
	}
}

// phaseAllows reports whether s may start in the current phase.
func (r *run) phaseAllows(s *runbook.Step) bool {
	switch r.phase {
	case phaseMain:
		return s.IsMain()
	case phasePost:
		return s.IsMain() || s.Class == runbook.ClassPost
	case phaseStopping:
		// Checks only read the world: those that can still run do, so the
		// run reports every blocker at once, not whichever failed first.
		// Steps marked always (reports, verdicts) run too.
		if !s.IsMain() || s.Class != runbook.ClassCheck && !s.Always {
			return false
		}
		for _, d := range s.Deps {
			if s.Always {
				if !r.settled(d) {
					return false
				}
			} else if rec := r.recp(d); rec != nil && !rec.Status.Done() {
				return false
			}
		}
		return true
	default:
		return false
	}
}

// settled reports whether step name is done, or, once the run is stopping,
// will never start (what always-steps wait for).
func (r *run) settled(name string) bool {
	rec := r.recp(name)
	if rec == nil || rec.Status.Done() {
		return true
	}
	if r.phase != phaseStopping || rec.Status != state.StepPending {
		return false
	}
	if _, busy := r.running[name]; busy {
		return false
	}
	return !r.phaseAllows(r.steps[name])
}

// firstFailure is the main step, first in the graph's order, whose failure
// stops the run: the one reports name, whatever the timing of failures.
func (r *run) firstFailure() string {
	for _, n := range r.order {
		s := r.steps[n]
		if s.IsMain() && s.OnFailure != runbook.OnFailureContinue && r.recp(n).Status == state.StepFailed {
			return n
		}
	}
	return r.failedBy
}

// depsState applies the skip rule (runbook.DepsVerdict) to the records of
// s's dependencies: whether they are settled and, if s must be skipped
// because of them, why. Steps marked always wait until each has settled.
func (r *run) depsState(s *runbook.Step) (ready bool, skip bool, cause state.SkipCause, reason string) {
	deps := make(map[string]runbook.DepState, len(s.Deps))
	for _, d := range s.Deps {
		rec := r.recp(d)
		switch {
		case rec == nil:
		case s.Always && !r.settled(d):
			deps[d] = runbook.DepPending
		case s.Always:
			deps[d] = runbook.DepSucceeded // whatever the outcome
		case rec.Status == state.StepSucceeded:
			deps[d] = runbook.DepSucceeded
		case rec.Status == state.StepSkipped && rec.Cause == state.SkipDependencyFailed:
			deps[d] = runbook.DepFailed
		case rec.Status == state.StepSkipped:
			deps[d] = runbook.DepSkipped
		case rec.Status == state.StepFailed, rec.Status == state.StepCancelled:
			deps[d] = runbook.DepFailed
		default:
			deps[d] = runbook.DepPending
		}
	}
	v := runbook.DepsVerdict(s, deps)
	switch {
	case !v.Ready || !v.Skip:
		return v.Ready, false, "", ""
	case v.Cause == runbook.SkipDependencyFailed:
		d := v.Failed[0]
		reason := reasonDepFailed + d
		if st := r.recp(d).Status; st != state.StepSkipped {
			reason += " " + string(st)
		}
		return true, true, state.SkipDependencyFailed, reason
	default:
		return true, true, state.SkipBranch, reasonBranch + "every dependency was skipped"
	}
}

// schedule starts every step that can start. It returns whether anything
// changed, and a reason when the run must pause (change window).
func (r *run) schedule(ctx context.Context) (bool, string) {
	if r.phase == phaseBackout {
		return r.scheduleBackout(ctx), ""
	}
	progress := r.settleTemplates()
	for _, name := range r.order {
		s := r.steps[name]
		rec := r.recp(name)
		if _, busy := r.running[name]; busy || rec.Status != state.StepPending || !r.phaseAllows(s) {
			continue // a launched worker records "running" itself, a moment later
		}
		acted, pause, full := r.scheduleStep(ctx, s)
		progress = progress || acted
		if full || pause != "" {
			return progress, pause
		}
	}
	return progress, ""
}

// scheduleBackout starts the next back-out step once none runs: back-out
// steps run one at a time, in backoutOrder.
func (r *run) scheduleBackout(ctx context.Context) bool {
	if len(r.running) > 0 {
		return false
	}
	for _, name := range r.backoutOrder {
		if _, busy := r.running[name]; !busy && r.recp(name).Status == state.StepPending {
			r.launch(ctx, r.steps[name])
			return true
		}
	}
	return false
}

// scheduleStep settles or starts one pending step. It returns whether it
// did, a reason when the run must pause for it, and whether the run
// already runs as many steps as it may.
func (r *run) scheduleStep(ctx context.Context, s *runbook.Step) (acted bool, pause string, full bool) {
	ready, skip, cause, reason := r.depsState(s)
	switch {
	case !ready:
		return false, "", false
	case skip:
		r.skip(s.Name, cause, reason)
		return true, "", false
	}
	if s.When != nil && !(s.IsTemplate() && runbook.UsesEach(s.When)) {
		v, diags := r.scopeFor(s, cty.NilVal).Eval(s.When, cty.Bool)
		if diags.HasErrors() {
			r.fail(s.Name, fmt.Errorf("evaluating when: %s", r.red.String(diags.Error())))
			return true, "", false
		}
		if skip, _ := runbook.WhenSkips(v); skip {
			r.skip(s.Name, state.SkipWhenFalse, reasonWhenFalse+r.rb.ExprText(s.When))
			return true, "", false
		}
	}
	if reason := r.offPlan(s); reason != "" {
		return false, r.pauseIfIdle(reason), false
	}
	switch {
	case s.IsTemplate():
		r.expand(s)
	case r.opts.Rehearsal && s.Kind != nil && !r.simulated(s):
		r.skip(s.Name, state.SkipNotSimulated, reasonNotSimulated+"step type "+s.Uses+" has no simulation")
	case s.Class == runbook.ClassDecision:
		r.decide(s)
	case s.Class == runbook.ClassApproval, s.Class == runbook.ClassManual:
		r.requestApproval(s)
	case len(r.running) >= r.opts.Parallelism:
		return false, "", true
	default:
		if s.PointOfNoReturn {
			if reason := r.checkWindow(s); reason != "" {
				return false, r.pauseIfIdle(reason), false
			}
		}
		r.launch(ctx, s)
	}
	return true, "", false
}

// pauseIfIdle is reason when no step runs, so that the run pauses for it;
// while steps run, the loop goes on with others and asks again later.
func (r *run) pauseIfIdle(reason string) string {
	if len(r.running) > 0 {
		return ""
	}
	return reason
}

func (r *run) launch(ctx context.Context, s *runbook.Step) {
	if r.flush() != nil {
		return // what the loop decided is durable before a step acts on it, or nothing starts
	}
	stepCtx, cancel := context.WithCancel(ctx)
	now := r.clk.Now()
	r.running[s.Name] = worker{cancel: cancel, started: now, lastBeat: now}
	r.em.emit(Event{Type: EventStepStarted, RunID: r.id, Step: s.Name, Class: string(s.Class), At: now, Message: s.Description})
	work := func() {
		res := r.guarded(stepCtx, s)
		res.step = s.Name
		if errors.Is(res.err, context.Canceled) && ctx.Err() != nil {
			res.interrupted = true
		}
		r.results <- res
	}
	if r.disc != nil {
		r.disc.Go(work) // its turn comes when the loop waits
		return
	}
	go work()
}

// guarded runs a step in its worker: a panic anywhere in it (opening its
// target, decoding its arguments, the step type) is a bug, reported as the
// step's failure (an action's: in doubt), never a crash of the run.
func (r *run) guarded(ctx context.Context, s *runbook.Step) (res result) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Debug("step panicked", "step", s.Name, "panic", r.red.String(fmt.Sprint(p)), "stack", string(debug.Stack()))
			res = result{err: &stepPanic{kind: s.Uses, value: p}, panicked: true}
		}
	}()
	if s.Class == runbook.ClassWait {
		return r.waitStep(ctx, s)
	}
	return r.runStep(ctx, s)
}

// finish records a worker's result.
func (r *run) finish(res result) {
	w, ok := r.running[res.step]
	if ok {
		w.cancel()
		delete(r.running, res.step)
		if r.disc != nil {
			r.disc.Exit()
		}
	}
	if res.storeErr != nil {
		return // it stopped before acting: its record stays as it was
	}
	s := r.steps[res.step]
	now := r.clk.Now()
	ended := r.rec(res.step)
	ended.Process = nil // the attempt's process has ended
	r.setRec(ended)
	switch {
	case res.interrupted:
		r.interrupted(s)
	case res.panicked && s.Mutating():
		r.inDoubt(s, res.err)
	case res.err != nil:
		r.fail(res.step, res.err)
	default:
		r.succeed(res.step, res.output, "")
	}
	rec := r.recp(res.step)
	r.em.emit(Event{Type: EventStepFinished, RunID: r.id, Step: res.step, Class: string(s.Class), At: now,
		Status: string(rec.Status), Duration: now.Sub(w.started), Attempt: rec.Attempt, Message: rec.Error})
}

// finishReady records the results already waiting, without blocking (wall
// clock only: on the virtual clock results are taken one at a time, in
// virtual-time order).
func (r *run) finishReady() {
	if r.disc != nil {
		return
	}
	for {
		select {
		case res := <-r.results:
			r.finish(res)
		default:
			return
		}
	}
}

// settle decides whether the run is over: every step that can run has.
func (r *run) settle() (bool, state.RunStatus, string) {
	r.settleTemplates()
	toRun := func(n string) bool { // a step of this phase not done yet
		s := r.steps[n]
		return (r.phaseAllows(s) || r.phase == phaseBackout && s.Class == runbook.ClassBackout) && !r.recp(n).Status.Done()
	}
	if slices.ContainsFunc(r.order, toRun) {
		return false, "", ""
	}
	switch r.phase {
	case phaseMain:
		r.phase = phasePost
		if r.hasClass(runbook.ClassPost) {
			return false, "", ""
		}
		return r.settle()
	case phasePost:
		r.phase = phaseDone
		r.skipRemaining() // the back-out path: not needed
		failed := r.failedSteps()
		if len(failed) > 0 {
			return true, state.RunSucceeded, fmt.Sprintf("succeeded; steps that failed with on_failure = \"continue\": %v", failed)
		}
		return true, state.RunSucceeded, ""
	case phaseStopping:
		r.failedBy = r.firstFailure()
		if r.backout && r.hasClass(runbook.ClassBackout) {
			r.phase = phaseBackout
			r.em.emit(Event{Type: EventBackout, RunID: r.id, At: r.clk.Now(), Message: "backing out after " + r.failedBy + " failed"})
			r.appendEntry(r.entry("backout.started", r.failedBy, nil))
			r.queueBackout()
			return false, "", ""
		}
		r.skipRemaining()
		return true, state.RunFailed, fmt.Sprintf("step %s failed: %s", r.failedBy, r.recp(r.failedBy).Error)
	case phaseBackout:
		r.phase = phaseDone
		r.skipRemaining()
		for _, name := range r.order {
			if r.steps[name].Class == runbook.ClassBackout && r.recp(name).Status == state.StepFailed {
				return true, state.RunFailed, fmt.Sprintf("step %s failed and back-out step %s failed too: %s", r.failedBy, name, r.recp(name).Error)
			}
		}
		return true, state.RunBackedOut, fmt.Sprintf("backed out after step %s failed: %s", r.failedBy, r.recp(r.failedBy).Error)
	}
	return true, state.RunFailed, "unexpected phase"
}

func (r *run) hasClass(c runbook.Class) bool {
	return slices.ContainsFunc(r.rb.Steps, func(s *runbook.Step) bool { return s.Class == c })
}

func (r *run) failedSteps() []string {
	var out []string
	for _, n := range r.order {
		if r.recp(n).Status == state.StepFailed && !r.steps[n].IsTemplate() {
			out = append(out, n)
		}
	}
	return out
}

// skipRemaining marks every step that can no longer run as skipped.
func (r *run) skipRemaining() {
	for _, n := range r.order {
		rec := r.recp(n)
		if rec.Status == state.StepPending || rec.Status == state.StepAwaitingApproval {
			s := r.steps[n]
			if s.Class == runbook.ClassBackout && !r.backout {
				r.skip(n, state.SkipNotNeeded, "not needed: the run did not back out")
				continue
			}
			r.skip(n, state.SkipRunStopped, reasonRunStopped+cmp.Or(r.failedBy, "an earlier step")+" failed")
		}
	}
	r.settleTemplates()
}

// queueBackout makes the back-out steps runnable, in reverse order of the
// steps they undo; a back-out step whose undone step never ran is skipped.
func (r *run) queueBackout() {
	r.backoutOrder = nil
	for _, s := range r.rb.BackoutSteps(r.order) {
		if s.Undoes != "" {
			st := r.recp(s.Undoes).Status
			if st == state.StepPending || st == state.StepSkipped {
				r.skip(s.Name, state.SkipNotNeeded, "not needed: "+s.Undoes+" never ran")
				continue
			}
		}
		r.backoutOrder = append(r.backoutOrder, s.Name)
	}
}

// heldReason explains what the run waits for when nothing can run.
// When that is an answer to an approval or manual step, awaiting names it.
func (r *run) heldReason() (reason, awaiting string) {
	for _, n := range r.order {
		rec := r.recp(n)
		switch rec.Status {
		case state.StepInDoubt:
			return fmt.Sprintf("step %s is in doubt: its outcome is unknown; decide with: baton resolve %s %s --succeeded|--failed|--retry --by NAME --reason TEXT", n, r.id, runbook.CommandWord(n)), ""
		case state.StepAwaitingApproval:
			return fmt.Sprintf("awaiting approval of %s; answer with: baton approve %s %s --by NAME", n, r.id, runbook.CommandWord(n)), n
		}
	}
	return "", ""
}

func (r *run) pendingSummary() string {
	var out []string
	for _, n := range r.order {
		if st := r.recp(n).Status; !st.Done() {
			out = append(out, n+" ("+string(st)+")")
		}
	}
	return strings.Join(out, ", ")
}

// scopeFor is the scope of one step's expressions (runbook.Env.Scope):
// only the steps it refers to (its dependencies) are in it, which keeps
// evaluation linear in big runbooks; every step when step is nil.
func (r *run) scopeFor(step *runbook.Step, self cty.Value) *lang.Scope {
	r.mu.Lock()
	defer r.mu.Unlock()
	env := runbook.Env{Vars: r.vars, Locals: r.locals, Step: r.stepValue, Steps: r.stepNames, Now: r.clk.Now}
	return env.Scope(r.rb, step, self)
}

// stepNames are the run's steps, instances included (r.mu held).
func (r *run) stepNames() []string { return slices.Collect(maps.Keys(r.steps)) }

// stepValue is step.<name> as the run knows it (r.mu held).
func (r *run) stepValue(name string) (cty.Value, bool) {
	s := r.steps[name]
	if s == nil {
		return cty.NilVal, false
	}
	rec := r.recs[name]
	status := "pending"
	if rec != nil {
		status = string(rec.Status)
	}
	out, ok := r.outputs[name]
	if !ok {
		// A step that ended without output (skipped, or failed before
		// producing one) has none: null, not unknown, so that try() and
		// null checks in always-steps can handle it.
		if rec != nil && rec.Status.Done() {
			out = cty.NullVal(s.OutputType())
		} else {
			out = cty.UnknownVal(s.OutputType())
		}
	}
	return lang.StepValue(out, status), true
}
