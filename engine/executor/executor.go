package executor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/batonhq/baton/engine/clock"
	"github.com/batonhq/baton/engine/digest"
	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/internal/redact"
	"github.com/batonhq/baton/internal/signing"
	"github.com/batonhq/baton/state"
	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/go-hclog"
	"github.com/zclconf/go-cty/cty"
)

// Options configure an execution.
type Options struct {
	Store state.Backend
	Clock clock.Clock // default: clock.Wall{}
	// LeaseClock is the wall clock the run's ownership lease is judged
	// and renewed by, also in rehearsals (default: clock.Wall{}).
	LeaseClock clock.Clock
	Log        hclog.Logger
	// Redactor is the run's redactor (internal/redact), shared with
	// whoever writes the run's log, so that secrets learned during the run
	// (a step's sensitive output, an argument derived from a secret) are
	// hidden there too. nil: the run makes its own.
	Redactor *redact.Redactor
	// Observer receives progress events (optional).
	Observer Observer
	// Parallelism bounds the steps running at once (default 4).
	Parallelism int
	// Targets replaces the runbook's targets, by target name or by target
	// type, with already opened ones (a simulated site in rehearsals).
	Targets map[string]steps.Target
	// Rehearsal: only steps whose type can run without touching the world
	// run: pure types (steps.Pure), types with a stand-in (steps.StandIn,
	// which runs in their place) and types acting through a target of
	// Targets. Any other step is skipped as "not simulated", never run
	// against the world.
	Rehearsal bool

	Requester     string
	Host          string
	PID           int
	EngineVersion string

	// PollInterval is how often the store is read for approvals and cancel
	// requests from other processes (wall clock only; default 500ms).
	PollInterval time.Duration
	// WaitForApprovals keeps the process polling while only approvals are
	// pending; otherwise the run pauses and the process returns.
	WaitForApprovals bool
	// AutoApprove answers approvals and manual steps (rehearsals). An
	// answer with a delay arrives that long after the step asked, on the
	// run's clock; meanwhile the run waits instead of pausing, and an
	// approval whose expiry comes first expires.
	AutoApprove func(step *runbook.Step) []AutoAnswer
	// Heartbeat is the period of heartbeat events for running steps (wall
	// clock only; default 10s; negative disables).
	Heartbeat time.Duration
	// ForceLock supersedes the run holding the runbook's lock when that
	// run's owner is not live (paused, or its process gone), journaling
	// ForceReason in both runs.
	ForceLock   bool
	ForceReason string
	// Respend lets a saved plan start a second run: it names the earlier
	// run, which must have ended before any point of no return.
	Respend string
	// AllowedSigners, when set, makes the run count only decisions signed
	// by a key this file allows for the name they claim; the run pins the
	// file's digest, and a resume must bring the same file.
	AllowedSigners *signing.AllowedSigners
	// StartSigner, when set, signs the run's start with the requester's
	// key: the run then knows the requester as a key, not only a name.
	StartSigner signing.Signer
}

// AutoAnswer is an automatic answer to an approval or manual step.
type AutoAnswer struct {
	state.Approval
	// After is how long after the request the answer arrives.
	After time.Duration
}

// Meta describes how a run was started.
type Meta struct {
	RunbookPath string
	PlanDigest  string // when started from a saved plan
	// Plan is the saved plan being applied (see Apply): the run keeps to
	// what it decided.
	Plan   *plan.Plan
	Target string // "live" or "fixture:NAME/SCENARIO"
	RunID  string // optional; generated when empty
	// Inputs are display values for `baton status` (sensitive: "(sensitive)").
	Inputs map[string]string
}

// ResumeOptions are the operator's decisions when resuming.
type ResumeOptions struct {
	// AcceptChanges lets a run resume although its runbook files changed.
	AcceptChanges bool
	// OverrideWindow lets a point of no return start although the change
	// window is too short; By and Reason are journaled.
	OverrideWindow bool
	By, Reason     string
	// Signer, when set, signs the decisions above with the operator's
	// key. A run that counts only signed decisions requires it.
	Signer signing.Signer
}

// Result is how a run ended (or paused).
type Result struct {
	RunID  string
	Status state.RunStatus
	Reason string
	// AwaitingAnswer is the approval or manual step a paused run waits for.
	AwaitingAnswer string
}

// ErrSourcesChanged is returned by Resume when the runbook changed since
// the run started and the operator did not accept the changes.
var ErrSourcesChanged = errors.New("the runbook changed since the run started")

// SourcesChangedError lists what changed.
type SourcesChangedError struct {
	Changed, Added, Removed []string
}

func (e *SourcesChangedError) Error() string {
	var parts []string
	for _, c := range []struct {
		what  string
		files []string
	}{{"changed", e.Changed}, {"added", e.Added}, {"removed", e.Removed}} {
		if len(c.files) > 0 {
			parts = append(parts, c.what+": "+strings.Join(c.files, ", "))
		}
	}
	return fmt.Sprintf("%s (%s); review the changes, then resume with --accept-changes", ErrSourcesChanged, strings.Join(parts, "; "))
}

func (e *SourcesChangedError) Unwrap() error { return ErrSourcesChanged }

type phase int

const (
	phaseMain phase = iota
	phasePost
	phaseStopping // a failure: no new main steps; waiting for running ones
	phaseBackout
	phaseDone
)

// run is the in-memory side of one execution.
type run struct {
	opts   Options
	clk    clock.Clock
	disc   clock.Discrete // clk's event queue in rehearsals; nil on the wall clock
	log    hclog.Logger
	store  state.Backend
	j      *journal
	rb     *runbook.Runbook
	vars   map[string]cty.Value
	locals map[string]cty.Value
	red    *redact.Redactor
	em     *emitter
	rnd    *rand.Rand

	id     string
	order  []string // topological order of every step
	steps  map[string]*runbook.Step
	resume ResumeOptions
	// decided are the resume's decisions (accepted changes, a window
	// override), signed where asked, to journal once the run is owned.
	decided map[state.AnswerKind]state.JournalEntry

	mu      sync.Mutex // guards recs, outputs, record, and adding to steps
	record  state.Run
	recs    map[string]*state.StepRecord
	outputs map[string]cty.Value

	targets   map[string]steps.Target
	targetsMu sync.Mutex

	running      map[string]worker
	results      chan result
	phase        phase
	failedBy     string // the step whose failure stopped the main path
	backout      bool
	backoutOrder []string
	answers      []scheduledAnswer // automatic answers not yet given
	lost         error             // the lease was lost: stop acting (guarded by mu)
	expanded     []string          // for_each steps expanded into instances, in the run's order
}

// scheduledAnswer is an automatic answer due at a time.
type scheduledAnswer struct {
	step string
	at   time.Time
	a    state.Approval
}

// worker is a launched step, running until its result is taken.
type worker struct {
	cancel   context.CancelFunc
	started  time.Time
	lastBeat time.Time // its last heartbeat event
}

type result struct {
	step        string
	output      cty.Value
	err         error
	interrupted bool
	panicked    bool // the step type panicked (a bug): an action's effect is unknown
	// storeErr: the store could not record the step's transition, so the
	// step stopped before acting on it; its record stays as it was.
	storeErr error
}

func (o *Options) defaults() {
	o.Clock = cmp.Or[clock.Clock](o.Clock, clock.Wall{})
	o.LeaseClock = cmp.Or[clock.Clock](o.LeaseClock, clock.Wall{})
	o.Log = cmp.Or(o.Log, hclog.NewNullLogger())
	o.Heartbeat = cmp.Or(o.Heartbeat, 10*time.Second)
	o.PID = cmp.Or(o.PID, os.Getpid())
	if o.Parallelism <= 0 {
		o.Parallelism = 4
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 500 * time.Millisecond
	}
	if o.Host == "" {
		o.Host, _ = state.HostID()
	}
}

func newRun(rb *runbook.Runbook, vars map[string]cty.Value, opts Options) (*run, error) {
	opts.defaults()
	if opts.Store == nil {
		return nil, errors.New("executor: no state store")
	}
	as, err := runbookSigners(rb, opts.AllowedSigners)
	if err != nil {
		return nil, err
	}
	opts.AllowedSigners = as
	g, err := rb.StepGraph()
	if err != nil {
		return nil, fmt.Errorf("building the step graph: %w", err)
	}
	r, err := evalRun(rb, vars, opts, opts.Clock.Now)
	if err != nil {
		return nil, err
	}
	r.disc, r.store, r.j, r.order = clock.DiscreteOf(opts.Clock), opts.Store, newJournal(), g.Order()
	r.running, r.results = map[string]worker{}, make(chan result, 64)
	r.rnd = rand.New(rand.NewPCG(uint64(opts.Clock.Now().UnixNano()), 0x6261746f6e))
	r.em = newEmitter(opts.Observer)
	return r, nil
}

// Start creates a run of rb with the given inputs and executes it until it
// finishes or pauses.
func Start(ctx context.Context, rb *runbook.Runbook, vars map[string]cty.Value, opts Options, meta Meta) (Result, error) {
	r, err := newRun(rb, vars, opts)
	if err != nil {
		return Result{}, err
	}
	defer r.em.close(ctx) // every event delivered before the run returns
	now := r.clk.Now()
	id := meta.RunID
	if id == "" {
		id = state.NewRunID(now, nil)
	}
	r.id = id
	total, files := digest.Sources(rb.Sources)
	inDigest, _ := digest.Inputs(vars)
	lockKey, err := r.lockKey()
	if err != nil {
		return Result{}, err
	}
	r.record = state.Run{
		ID: id, Runbook: rb.Name, RunbookPath: meta.RunbookPath, Version: rb.Version,
		SourceDigest: total, SourceFiles: files, PlanDigest: meta.PlanDigest, InputsDigest: inDigest,
		Inputs: meta.Inputs, Target: meta.Target, Rehearsal: r.opts.Rehearsal, LockKey: lockKey,
		Requester: r.opts.Requester, EngineVersion: r.opts.EngineVersion,
		Status: state.RunRunning, CreatedAt: now, UpdatedAt: now,
	}
	r.record.Host, r.record.PID = r.recordedProcess()
	if rb.RunTimeout > 0 {
		r.record.Deadline = now.Add(rb.RunTimeout)
	}
	if meta.Plan != nil {
		r.record.PlanDigest, r.record.Planned = meta.Plan.PlanDigest, plannedActions(meta.Plan)
	}
	if as := r.opts.AllowedSigners; as != nil {
		r.record.AllowedSigners, r.record.AllowedSignersDigest = as.Name(), as.Digest()
	}
	if err := signStart(&r.record, r.opts.StartSigner); err != nil {
		return Result{}, fmt.Errorf("signing the start of the run: %w", err)
	}
	recs := make([]state.StepRecord, len(r.order))
	for i, n := range r.order {
		recs[i] = state.StepRecord{Name: n, Status: state.StepPending}
		r.setRec(recs[i])
	}
	data := map[string]string{"runbook": rb.Name, "source_digest": total, "inputs_digest": inDigest}
	if meta.PlanDigest != "" {
		data["plan_digest"] = meta.PlanDigest
	}
	if meta.Target != "" {
		data["target"] = meta.Target
	}
	if err := r.checkRespend(); err != nil {
		return Result{}, err
	}
	lease, err := r.store.CreateRun(r.record, recs, r.entry("run.created", "", data), state.CreateOptions{
		Owner: r.holder(), ForceLock: r.opts.ForceLock, Respend: r.opts.Respend,
		Supersede: r.entry("run.superseded", "", map[string]string{"reason": cmp.Or(r.opts.ForceReason, "its lock was taken over with --force")}),
	})
	if err != nil {
		if lockKey != "" && errors.Is(err, state.ErrLocked) {
			return Result{}, fmt.Errorf("locking %q: %w", lockKey, err)
		}
		return Result{}, fmt.Errorf("recording the new run: %w", err)
	}
	r.j.lease = lease
	r.em.emit(Event{Type: EventRunStarted, RunID: id, At: now, Message: rb.Name})
	return r.execute(ctx)
}

// Resume continues a run that paused or whose process died.
func Resume(ctx context.Context, rb *runbook.Runbook, vars map[string]cty.Value, runID string, opts Options, ro ResumeOptions) (Result, error) {
	r, err := newRun(rb, vars, opts)
	if err != nil {
		return Result{}, err
	}
	defer r.em.close(ctx) // every event delivered before the run returns
	r.id = runID
	r.resume = ro
	rec, err := r.store.Run(runID)
	if err != nil {
		return Result{}, fmt.Errorf("reading run %s: %w", runID, err)
	}
	held := Result{RunID: runID, Status: rec.Status}
	if rec.Status.Done() {
		held.Reason = rec.Reason
		if rec.Superseded != nil {
			return held, fmt.Errorf("run %s was superseded by %s at %s (%s); it can never resume or act again", runID, rec.Superseded.By, rec.Superseded.At.UTC().Format(time.RFC3339), rec.Superseded.Reason)
		}
		return held, fmt.Errorf("run %s already ended (%s); start a new run with baton apply", runID, rec.Status)
	}
	if _, err := r.store.VerifyJournal(runID); err != nil {
		return held, frozenError(runID, err)
	}
	if err := checkSigners(rec, r.opts.AllowedSigners); err != nil {
		return held, err
	}
	total, files := digest.Sources(rb.Sources)
	ch := compareSources(rec.SourceFiles, files)
	if ch != nil && !ro.AcceptChanges {
		return held, ch
	}
	inDigest, _ := digest.Inputs(vars)
	if rec.InputsDigest != "" && inDigest != rec.InputsDigest {
		return held, fmt.Errorf("the inputs differ from the ones run %s started with; pass the same -var, -var-file and BATON_VAR_ values (sensitive ones included)", runID)
	}
	if r.decided, err = r.resumeDecisions(rec, ro, ch, total); err != nil {
		return held, err
	}
	lease, err := r.store.AcquireRun(runID, r.holder(), r.opts.LeaseClock.Now())
	if err != nil {
		return held, fmt.Errorf("taking run %s over: %w", runID, err)
	}
	r.j.lease = lease
	res, err := r.resumeOwned(ctx, ch, total, files)
	if err != nil && res.Status != state.RunPaused {
		_ = lease.Release()
	}
	return res, err
}

// resumeOwned continues a run whose lease this process holds.
func (r *run) resumeOwned(ctx context.Context, ch *SourcesChangedError, total string, files map[string]string) (Result, error) {
	runID := r.id
	rec, err := r.store.Run(runID)
	if err != nil {
		return Result{}, fmt.Errorf("reading run %s: %w", runID, err)
	}
	r.record = rec
	if ch != nil {
		r.appendEntry(r.decided[state.AnswerAcceptChanges])
		r.record.SourceDigest, r.record.SourceFiles = total, files
	}
	entries, err := r.store.Journal(runID)
	if err != nil {
		return Result{}, fmt.Errorf("reading the journal of run %s: %w", runID, err)
	}
	r.applyEntries(entries)
	stored, err := r.store.Steps(runID)
	if err != nil {
		return Result{}, fmt.Errorf("reading the steps of run %s: %w", runID, err)
	}
	for _, s := range stored {
		r.recs[s.Name] = &s
		if s.Status == state.StepSucceeded && len(s.Output) > 0 {
			v, err := DecodeOutput(s.Output)
			if err != nil {
				return Result{}, fmt.Errorf("step %s: %w", s.Name, err)
			}
			if st := r.steps[s.Name]; st != nil && st.SensitiveOutput {
				v = v.Mark(steps.Sensitive) // its secrets were not stored (null)
			}
			r.outputs[s.Name] = v
		}
	}
	for _, n := range r.order { // steps added by an accepted change
		if _, ok := r.recs[n]; !ok {
			r.recs[n] = &state.StepRecord{Name: n, Status: state.StepPending}
		}
	}
	if err := r.restoreInstances(); err != nil {
		return Result{RunID: runID, Status: rec.Status}, err
	}
	now := r.clk.Now()
	r.record.Status = state.RunRunning
	r.record.Reason = ""
	r.record.Host, r.record.PID = r.recordedProcess()
	r.record.UpdatedAt = now
	if err := r.updateRun(r.record, r.entry("run.resumed", "", map[string]string{"by": r.opts.Requester, "pid": fmt.Sprint(r.opts.PID)})); err != nil {
		return Result{}, fmt.Errorf("recording the resume: %w", err)
	}
	if r.resume.OverrideWindow {
		r.appendEntry(r.decided[state.AnswerOverrideWindow])
	}
	r.em.emit(Event{Type: EventRunResumed, RunID: runID, At: now})
	r.recoverSteps(ctx)
	r.restorePhase()
	return r.execute(ctx)
}

func compareSources(old, cur map[string]string) *SourcesChangedError {
	e := &SourcesChangedError{}
	for _, f := range slices.Sorted(maps.Keys(cur)) {
		if od, ok := old[f]; !ok {
			e.Added = append(e.Added, f)
		} else if od != cur[f] {
			e.Changed = append(e.Changed, f)
		}
	}
	for _, f := range slices.Sorted(maps.Keys(old)) {
		if _, ok := cur[f]; !ok {
			e.Removed = append(e.Removed, f)
		}
	}
	if len(e.Changed)+len(e.Added)+len(e.Removed) == 0 {
		return nil
	}
	return e
}

func (r *run) entry(typ, step string, data map[string]string) state.JournalEntry {
	return state.JournalEntry{At: r.clk.Now(), Type: typ, Step: step, Actor: r.opts.Requester, Identity: processIdentity(), Data: data}
}

func (r *run) lockKey() (string, error) {
	if r.rb.Lock == nil {
		return "", nil
	}
	v, diags := r.scopeFor(nil, cty.NilVal).Eval(r.rb.Lock, cty.String)
	if diags.HasErrors() {
		return "", fmt.Errorf("evaluating the lock key: %w", diags)
	}
	if v.IsNull() || !v.IsKnown() {
		return "", errors.New("the lock key evaluated to null or an unknown value; fix the runbook's lock expression")
	}
	un, _ := v.Unmark()
	if r.opts.Rehearsal {
		// A rehearsal's lock can never be a live lock.
		return "rehearsal:" + un.AsString(), nil
	}
	return un.AsString(), nil
}

// checkRespend refuses to start a plan's second run unless the run it
// replaces ended before any point of no return.
func (r *run) checkRespend() error {
	prev := r.opts.Respend
	if prev == "" {
		return nil
	}
	old, err := r.store.Run(prev)
	if err != nil {
		return fmt.Errorf("--respend %s: %w", prev, err)
	}
	if !old.Status.Done() {
		return fmt.Errorf("--respend %s: that run has not ended (%s); cancel it first", prev, old.Status)
	}
	recs, err := r.store.Steps(prev)
	if err != nil {
		return fmt.Errorf("--respend %s: %w", prev, err)
	}
	for _, rec := range recs {
		if s := r.steps[rec.Name]; s != nil && s.PointOfNoReturn && rec.Status != state.StepPending && rec.Status != state.StepSkipped && rec.Status != state.StepCancelled {
			return fmt.Errorf("--respend %s: that run reached the point of no return %s (%s); the plan is spent: make and approve a new plan", prev, rec.Name, rec.Status)
		}
	}
	return nil
}

// runbookSigners is the allowed-signers file a run counts decisions
// against: the runbook's own allowed_signers, else the one given. A
// runbook that names one cannot be run against another.
func runbookSigners(rb *runbook.Runbook, given *signing.AllowedSigners) (*signing.AllowedSigners, error) {
	own := rb.AllowedSigners
	switch {
	case own == nil:
		return given, nil
	case given != nil && given.Digest() != own.Digest():
		return nil, fmt.Errorf("runbook %s counts only decisions signed for its allowed_signers %s (digest %s); --allowed-signers %s is another file (digest %s): drop the flag", rb.Name, own.Name(), short(own.Digest()), given.Name(), short(given.Digest()))
	}
	return own, nil
}

// evalRun is what a run and a plan refresh evaluate expressions in: the
// runbook's steps, the inputs, the locals (now is the clock behind now();
// nil, as in plans: unknown) and a redactor (opts.Redactor, or a new one)
// taught their secrets.
func evalRun(rb *runbook.Runbook, vars map[string]cty.Value, opts Options, now func() time.Time) (*run, error) {
	r := &run{opts: opts, clk: opts.Clock, log: opts.Log, rb: rb, vars: vars, steps: map[string]*runbook.Step{},
		recs: map[string]*state.StepRecord{}, outputs: map[string]cty.Value{}, targets: map[string]steps.Target{}}
	for _, s := range rb.Steps {
		r.steps[s.Name] = s
	}
	locals, diags := runbook.EvalLocals(rb, vars, now)
	if diags.HasErrors() {
		return nil, fmt.Errorf("evaluating locals: %w", diags)
	}
	r.locals = locals
	r.red = cmp.Or(opts.Redactor, redact.New())
	r.red.AddValues(vars, locals)
	return r, nil
}

// recordedProcess is the host and process the run record names. A
// rehearsal's names none, so that its records and journal, hence its
// report and journal head, are the same whichever process or machine
// rehearses it; its lease (Owner) still names the real process.
func (r *run) recordedProcess() (host string, pid int) {
	if r.opts.Rehearsal {
		return "", 0
	}
	return r.opts.Host, r.opts.PID
}
