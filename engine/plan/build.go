package plan

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/batonhq/baton/engine/digest"
	"github.com/batonhq/baton/engine/lang"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/internal/redact"
	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// Options configure Build.
type Options struct {
	// Vars are the resolved inputs (sensitive ones marked steps.Sensitive).
	Vars map[string]cty.Value
	// Now stamps PlannedAt; nil (as in golden tests) leaves it empty.
	// Expressions are always planned with now() unknown: the clock at plan
	// time is not the clock at run time.
	Now func() time.Time
	// Refresh runs a read-only check during planning and returns its
	// output; the caller wires the real or simulated target. nil plans
	// without running anything (-refresh=false).
	Refresh func(ctx context.Context, s *runbook.Step, args cty.Value) (cty.Value, error)
	// Target names what the plan is for: "live", "fixture:contoso/healthy",
	// or "" for none.
	Target string
	// EngineVersion is the version of the engine making the plan.
	EngineVersion string
	// RunbookPath is the path the runbook was loaded from; default: its
	// first file.
	RunbookPath string
	// Redactor hides secrets in every text of the plan (internal/redact);
	// shared with the caller's log and output. nil: the build makes its
	// own. It learns the inputs, the locals and every argument planned.
	Redactor *redact.Redactor
}

// maxInherited bounds the facts a step inherits from the dependencies it
// may run after.
const maxInherited = 8

// stepState is what the planner knows about one step while walking the
// graph.
type stepState struct {
	action string
	failed bool // a refreshed check or a dependency failed: dependents are skipped
	output cty.Value
	status string // lang.Status* seen through step.<name>.status
	facts  []string
}

type builder struct {
	ctx   context.Context
	rb    *runbook.Runbook
	opts  Options
	st    map[string]*stepState
	diags hcl.Diagnostics
	red   *redact.Redactor // hides secrets in every text of the plan
	// decides maps a fact path to the steps it decides.
	decides map[string]map[string]bool
	facts   map[string]Fact
	systems []System
	scopes  *runbook.Env // what every step's scope is made of
}

// Build plans rb with the given inputs. It never runs a mutating step;
// with opts.Refresh it runs the read-only checks whose inputs are known,
// so that conditions on their results are decided at plan time.
// Diagnostics report expressions that cannot be evaluated; the plan is
// nil only when the runbook cannot be planned at all (a dependency
// cycle).
func Build(ctx context.Context, rb *runbook.Runbook, opts Options) (*Plan, hcl.Diagnostics) {
	if rb == nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No runbook", Detail: "There is no runbook to plan; load one with runbook.Load first."}}
	}
	g, err := rb.StepGraph()
	if err != nil {
		return nil, hcl.Diagnostics{errorAt(rb.DeclRange, "Cannot plan the runbook",
			fmt.Sprintf("The step graph is invalid (%s); fix the runbook's dependencies and plan again.", err.Error()))}
	}
	b := newBuilder(ctx, rb, opts)
	p := &Plan{
		Type:          FileType,
		FormatVersion: FormatVersion,
		EngineVersion: opts.EngineVersion,
		Target:        opts.Target,
		Refreshed:     opts.Refresh != nil,
		Steps:         []*Step{},
		Post:          []*Step{},
		Facts:         []Fact{},
		Inputs:        []Input{},
		Targets:       []Target{},
	}
	if opts.Now != nil {
		p.PlannedAt = opts.Now().UTC().Format(time.RFC3339)
	}
	b.identity(p)
	b.targets(p)

	order := g.Order()
	for _, name := range order {
		if d := interrupted(ctx, rb); d != nil {
			return nil, append(b.diags, d)
		}
		s := rb.Step(name)
		if s == nil || s.Class == runbook.ClassBackout {
			continue
		}
		var pss []*Step
		if s.IsTemplate() {
			pss = b.planForEach(s)
		} else {
			pss = []*Step{b.planStep(s)}
		}
		if s.Class == runbook.ClassPost {
			p.Post = append(p.Post, pss...)
		} else {
			p.Steps = append(p.Steps, pss...)
		}
	}
	b.backout(p, order)
	b.finishFacts(p)
	p.Systems = sortSystems(b.systems)
	b.durations(p)
	b.window(p)
	b.summary(p)
	p.PlanDigest = p.Digest()
	return p, b.diags
}

// newBuilder is a builder of rb's plan with the runbook's locals
// evaluated and the redactor knowing the inputs and locals.
func newBuilder(ctx context.Context, rb *runbook.Runbook, opts Options) *builder {
	b := &builder{ctx: ctx, rb: rb, opts: opts, st: map[string]*stepState{},
		decides: map[string]map[string]bool{}, facts: map[string]Fact{}, red: opts.Redactor}
	locals, diags := runbook.EvalLocals(rb, opts.Vars, nil)
	b.diags = diags
	b.scopes = &runbook.Env{Vars: opts.Vars, Locals: locals, Step: b.stepValue, Targets: runbook.TargetValues(rb)}
	if b.red == nil {
		b.red = redact.New()
	}
	b.red.AddValues(opts.Vars, locals)
	return b
}

// interrupted is the diagnostic of a plan stopped by its context (Ctrl-C,
// SIGTERM), nil while it runs on.
func interrupted(ctx context.Context, rb *runbook.Runbook) *hcl.Diagnostic {
	if ctx == nil || ctx.Err() == nil {
		return nil
	}
	return errorAt(rb.DeclRange, "Planning interrupted",
		fmt.Sprintf("baton stopped planning when asked to (%v); no plan was made and nothing was run.", context.Cause(ctx)))
}

// errorAt is an error diagnostic about the source at rng.
func errorAt(rng hcl.Range, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: &rng}
}

func (b *builder) identity(p *Plan) {
	rb := b.rb
	total, files := digest.Sources(rb.Sources)
	path := b.opts.RunbookPath
	if path == "" && len(rb.Files) > 0 {
		path = rb.Files[0]
	}
	p.Runbook = Runbook{Name: rb.Name, Path: path, Title: rb.Title, Version: rb.Version, SourceDigest: total, Files: []File{}}
	for _, n := range slices.Sorted(maps.Keys(files)) {
		p.Runbook.Files = append(p.Runbook.Files, File{Path: n, Digest: files[n]})
	}
	vars := b.opts.Vars
	total, ins := digest.Inputs(vars)
	p.InputsDigest = total
	for _, n := range slices.Sorted(maps.Keys(ins)) {
		in := ins[n]
		display := "(sensitive)"
		if !in.Sensitive {
			display = steps.Show(vars[n])
		}
		p.Inputs = append(p.Inputs, Input{Name: n, Sensitive: in.Sensitive, Display: display, Value: in.Value, Hash: in.Hash})
	}
}

func (b *builder) targets(p *Plan) {
	ctx := b.runbookCtx()
	for _, t := range b.rb.Targets {
		pt := Target{Name: t.Name, Type: t.Type}
		if t.Kind != nil {
			pt.Summary, pt.Details = b.description(ctx, t.Kind, t.Body)
		}
		p.Targets = append(p.Targets, pt)
	}
}

// runbookCtx is the evaluation context of the runbook's own expressions
// (targets, the change window): every step in it.
func (b *builder) runbookCtx() *hcl.EvalContext {
	return b.scopes.Scope(b.rb, nil, cty.NilVal).EvalContext()
}

// stepCtx is the context of s's expressions, self in it when given: the
// steps s depends on (which keeps planning linear in the number of
// steps), each in a step of a for_each.
func (b *builder) stepCtx(s *runbook.Step, self cty.Value) *hcl.EvalContext {
	return b.scopes.Scope(b.rb, s, self).EvalContext()
}

// stepValue is step.<name> as the planner predicts it: unknown until
// planned; a status seen only once it is known (a skip, a refreshed
// check, a decided decision).
func (b *builder) stepValue(name string) (cty.Value, bool) {
	s := b.rb.Step(name)
	if s == nil {
		return cty.NilVal, false
	}
	out, status := s.UnknownOutput(), unknownStatus
	if st := b.st[name]; st != nil {
		out = st.output
		if st.status != "" {
			status = cty.StringVal(st.status)
		}
	}
	return cty.ObjectVal(map[string]cty.Value{"output": out, "status": status}), true
}

var unknownStatus = cty.UnknownVal(cty.String).RefineNotNull()

// planStep decides whether a main step or post-task runs and describes it.
func (b *builder) planStep(s *runbook.Step) *Step {
	ctx := b.stepCtx(s, cty.NilVal)
	ps := b.describe(s, ctx)
	st := &stepState{output: s.UnknownOutput(), action: WillRun}
	b.st[s.Name] = st
	inherited, runs := b.depsRule(s, ps, st)
	if !runs {
		return ps
	}
	if s.When != nil {
		facts, runs := b.when(s, ps, st, ctx)
		if !runs {
			return ps
		}
		inherited = append(inherited, facts...)
	}
	st.facts = uniq(inherited)
	if st.action == MayRun {
		b.decide(s.Name, st.facts...)
	}
	ps.Action, ps.DecidedBy = st.action, st.facts
	switch s.Class {
	case runbook.ClassDecision:
		b.planDecision(s, ps, st, ctx)
	case runbook.ClassCheck:
		if st.action == WillRun {
			b.refresh(s, ps, st, ctx)
		}
	}
	return ps
}

// depsRule applies the skip rule to s's dependencies. It reports whether
// s can still run and, when it may run after some of them, the facts it
// inherits from those.
func (b *builder) depsRule(s *runbook.Step, ps *Step, st *stepState) ([]string, bool) {
	deps := make(map[string]runbook.DepState, len(s.Deps))
	for _, d := range s.Deps {
		switch ds := b.st[d]; {
		case ds == nil: // a back-out step; not on this path
		case ds.failed:
			deps[d] = runbook.DepFailed
		case ds.action == WillRun:
			deps[d] = runbook.DepSucceeded
		case ds.action == MayRun:
			deps[d] = runbook.DepMaybe
		default:
			deps[d] = runbook.DepSkipped
		}
	}
	switch v := runbook.DepsVerdict(s, deps); {
	case v.Always:
		ps.Reason = "runs once its dependencies have settled, whatever their outcome (always)"
	case v.Cause == runbook.SkipDependencyFailed:
		b.skip(ps, st, fmt.Sprintf("depends on %s, which failed or will not run because a check failed at plan time", strings.Join(v.Failed, ", ")))
		st.failed = true
		return nil, false
	case v.Cause == runbook.SkipBranch:
		b.skip(ps, st, "branch not taken: every dependency will be skipped ("+strings.Join(v.Skipped, ", ")+")")
		return nil, false
	case v.Maybe:
		st.action = MayRun
		ps.Reason = "runs only if at least one of " + strings.Join(v.MaybeDeps, ", ") + " runs"
		var fromDeps []string
		for _, d := range v.MaybeDeps {
			fromDeps = append(fromDeps, b.st[d].facts...)
		}
		// Facts are inherited through dependencies only while they stay
		// few; beyond that the reason names the dependencies instead, so
		// that planning stays linear.
		if fromDeps = uniq(fromDeps); len(fromDeps) <= maxInherited {
			return fromDeps, true
		}
	}
	return nil, true
}

// when plans s's condition. It reports whether s can still run and the
// facts the condition depends on.
func (b *builder) when(s *runbook.Step, ps *Step, st *stepState, ctx *hcl.EvalContext) ([]string, bool) {
	ps.Condition = b.rb.ExprText(s.When)
	facts := b.factsOf(s.When, map[string]bool{})
	b.decide(s.Name, facts...)
	v, diags := lang.EvalIn(ctx, s.When, cty.Bool)
	b.diags = append(b.diags, diags...)
	skip, known := runbook.WhenSkips(v)
	switch {
	case diags.HasErrors():
		st.action, ps.Reason = MayRun, "its condition cannot be evaluated at plan time: "+ps.Condition
	case !known:
		st.action = MayRun
		ps.Reason = joinReason(ps.Reason, "runs only if "+ps.Condition+describeFacts(facts))
	case skip:
		st.facts = facts
		b.skip(ps, st, "condition is false"+givenFacts(b, facts)+": "+ps.Condition)
		return nil, false
	default:
		if len(facts) > 0 && st.action == WillRun {
			ps.Reason = "condition is true" + givenFacts(b, facts) + ": " + ps.Condition
		}
	}
	return facts, true
}

func (b *builder) skip(ps *Step, st *stepState, reason string) {
	st.action, st.status = WillNotRun, lang.StatusSkipped
	st.output = cty.NullVal(st.output.Type())
	ps.Action, ps.Reason, ps.DecidedBy = WillNotRun, reason, st.facts
}

func joinReason(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func (b *builder) planDecision(s *runbook.Step, ps *Step, st *stepState, ctx *hcl.EvalContext) {
	if s.Condition == nil {
		return
	}
	facts := b.factsOf(s.Condition, map[string]bool{})
	b.decide(s.Name, facts...)
	ps.Decision = &Choice{Condition: b.rb.ExprText(s.Condition), DecidedBy: facts}
	if st.action != WillRun {
		return
	}
	v, diags := lang.EvalIn(ctx, s.Condition, cty.Bool)
	b.diags = append(b.diags, diags...)
	if diags.HasErrors() || !v.IsKnown() || v.IsNull() {
		return
	}
	un, _ := v.Unmark()
	ps.Decision.Value = fmt.Sprint(un.True())
	if v.HasMark(steps.Sensitive) {
		ps.Decision.Value = "(sensitive)"
	}
	st.output, st.status = un, lang.StatusSucceeded
}

// refresh runs a check at plan time and records what it observed.
func (b *builder) refresh(s *runbook.Step, ps *Step, st *stepState, ctx *hcl.EvalContext) {
	if b.opts.Refresh == nil || s.Kind == nil || s.Kind.Effect() != steps.ReadOnly {
		return
	}
	for _, d := range s.Deps {
		if ds := b.st[d]; ds == nil || ds.status != lang.StatusSucceeded {
			return // depends on something not known at plan time
		}
	}
	args, diags := lang.DecodeBodyIn(ctx, s.Body, s.Kind.Spec())
	if diags.HasErrors() || !args.IsWhollyKnown() {
		return
	}
	b.red.AddValue(args)
	out, err := b.opts.Refresh(b.ctx, s, args)
	if err != nil {
		ps.Check = &Check{Status: CheckError, Message: b.scrub(err.Error())}
	} else {
		if out == cty.NilVal {
			out = cty.NullVal(s.OutputType())
		}
		if s.SensitiveOutput || lang.Sensitive(args) {
			out = out.Mark(steps.Sensitive)
		}
		b.red.AddValue(out)
		ps.Check = &Check{Status: CheckPassed, Observation: b.scrub(steps.Show(out))}
		b.assert(s, out, ps.Check)
	}
	if ps.Check.Status != CheckPassed {
		ps.Check.Blocks = s.OnFailure != runbook.OnFailureContinue
		st.failed, st.status = true, lang.StatusFailed
		return
	}
	st.output, st.status = out, lang.StatusSucceeded
	b.systems = append(b.systems, discover(s, out)...)
}

// assert evaluates s's assertions on the check's output out: the first
// that fails, or cannot be evaluated, fails the check c.
func (b *builder) assert(s *runbook.Step, out cty.Value, c *Check) {
	ctx := b.stepCtx(s, cty.ObjectVal(map[string]cty.Value{"output": out}))
	for _, a := range s.Asserts {
		ok, diags := lang.EvalIn(ctx, a.Condition, cty.Bool)
		if diags.HasErrors() {
			c.Status, c.Message = CheckError, "the assertion cannot be evaluated: "+b.rb.ExprText(a.Condition)
			return
		}
		ok, _ = ok.Unmark() // a condition on a secret only says pass or fail
		if ok.IsKnown() && !ok.IsNull() && ok.False() {
			c.Status, c.Message = CheckFailed, b.failMessage(ctx, a)
			return
		}
	}
}

// failMessage is what a failed assertion says: its message when that is
// known, else its condition.
func (b *builder) failMessage(ctx *hcl.EvalContext, a *runbook.Assert) string {
	if a.Message != nil {
		msg, diags := lang.EvalIn(ctx, a.Message, cty.String)
		if !diags.HasErrors() && msg.IsKnown() && !msg.IsNull() {
			if msg.ContainsMarked() {
				return "(sensitive)"
			}
			return b.scrub(msg.AsString())
		}
	}
	return "assertion failed: " + b.rb.ExprText(a.Condition)
}

// describe fills in everything about a step that does not depend on
// whether it runs; ctx is the context of its expressions.
func (b *builder) describe(s *runbook.Step, ctx *hcl.EvalContext) *Step {
	ps := &Step{
		Name: s.Name, Class: string(s.Class), Uses: s.Uses, Description: s.Description,
		Refs: s.Refs, Deps: s.Deps, Target: s.Target, Mutating: s.Mutating(),
		PointOfNoReturn: s.PointOfNoReturn, ExpectedSeconds: seconds(s.ExpectedDuration),
		TimeoutSeconds: seconds(s.Timeout), Idempotent: s.Idempotent, Undoes: s.Undoes, Always: s.Always,
		WorstCaseSeconds: seconds(worstCase(s)),
	}
	if s.Kind != nil {
		ps.OnFailure = cmp.Or(s.OnFailure, runbook.OnFailureAbort)
		ps.Summary, ps.Details = b.description(ctx, s.Kind, s.Body)
	}
	if s.Retry.Attempts > 1 {
		ps.Retry = &Retry{Attempts: s.Retry.Attempts, BackoffSeconds: seconds(s.Retry.Backoff), MaxDelaySeconds: seconds(s.Retry.MaxDelay)}
	}
	for _, a := range s.Asserts {
		ps.Asserts = append(ps.Asserts, b.rb.ExprText(a.Condition))
	}
	if v := s.Verify; v != nil {
		ps.Verify = &Verify{Uses: v.Uses, Target: v.Target, Condition: b.rb.ExprText(v.Condition)}
		if v.Kind != nil {
			ps.Verify.Summary, ps.Verify.Details = b.description(ctx, v.Kind, v.Body)
		}
	}
	switch s.Class {
	case runbook.ClassWait:
		ps.Wait = &Wait{Until: b.rb.ExprText(s.Until), FailIf: b.rb.ExprText(s.FailIf),
			IntervalSeconds: seconds(orDefault(s.Interval, 30*time.Second)), TimeoutSeconds: seconds(s.Timeout),
			StableForSeconds: seconds(s.StableFor)}
	case runbook.ClassApproval:
		g := gate(s)
		g.Instructions = b.scrub(s.InstructionsIn(ctx))
		ps.Approval = &g
	case runbook.ClassManual:
		ps.Manual = &Manual{Instructions: b.scrub(s.InstructionsIn(ctx)), Reason: s.ManualReason, Gate: gate(s)}
	}
	return ps
}

// gate is the approval of an approval step, or the confirmation of a
// manual one, without its instructions.
func gate(s *runbook.Step) Gate {
	return Gate{Approvers: s.Approvers, MinApprovals: max(1, s.MinApprovals), AllowRequester: s.AllowRequester,
		ExpiresAfterSeconds: seconds(s.ExpiresAfter)}
}

// describer is a step or target type, as far as plans need it.
type describer interface {
	Spec() hcldec.Spec
	Describe(args cty.Value) steps.Description
}

// description is what kind says it does with the arguments body holds in
// ctx, scrubbed, once the redactor has learned the secrets they hold.
func (b *builder) description(ctx *hcl.EvalContext, kind describer, body hcl.Body) (string, []Detail) {
	args, _ := lang.DecodeBodyIn(ctx, body, kind.Spec())
	if args == cty.NilVal {
		args = cty.DynamicVal
	}
	b.red.AddValue(args)
	d := kind.Describe(args)
	var details []Detail
	for _, dt := range d.Details {
		details = append(details, Detail{Label: b.scrub(dt.Label), Text: b.scrub(dt.Text)})
	}
	return b.scrub(d.Summary), details
}

// backout plans the back-out path: back-out steps in the order they would
// run (reverse order of the steps they undo, unconditional ones last), as
// the executor queues them.
func (b *builder) backout(p *Plan, order []string) {
	c := b.rb.Change.Backout
	p.Backout = Backout{Summary: c.Summary, Trigger: c.Trigger, RestoredState: c.RestoredState, Steps: []*Step{}}
	for _, s := range b.rb.BackoutSteps(order) {
		ps := b.describe(s, b.stepCtx(s, cty.NilVal))
		ps.Action = MayRun
		switch u := b.st[s.Undoes]; {
		case s.Undoes == "":
			ps.Reason = "runs only when the run backs out"
		case u != nil && u.action == WillNotRun:
			ps.Action, ps.Reason = WillNotRun, "not needed: "+s.Undoes+" will not run"
		default:
			ps.Reason = "runs only when the run backs out after " + s.Undoes + " ran"
		}
		b.st[s.Name] = &stepState{output: s.UnknownOutput(), action: ps.Action}
		ps.Condition = b.rb.ExprText(s.When)
		p.Backout.Steps = append(p.Backout.Steps, ps)
		if ps.Action != WillNotRun {
			p.Backout.ExpectedSeconds += ps.ExpectedSeconds
			p.Backout.WorstCaseSeconds += ps.WorstCaseSeconds
		}
	}
}

// worstCase is the longest a step can take: every attempt at its timeout
// plus the longest backoff between attempts; waits at their timeout;
// approvals at their expiry (0 when they never expire).
func worstCase(s *runbook.Step) time.Duration {
	switch s.Class {
	case runbook.ClassDecision:
		return 0
	case runbook.ClassApproval, runbook.ClassManual:
		return orDefault(s.ExpiresAfter, s.ExpectedDuration)
	case runbook.ClassWait:
		return orDefault(s.Timeout, s.ExpectedDuration)
	}
	attempts := max(1, s.Retry.Attempts)
	total := time.Duration(attempts) * orDefault(s.Timeout, s.ExpectedDuration)
	base := orDefault(s.Retry.Backoff, 10*time.Second)
	for i := 1; i < attempts; i++ {
		d := base << min(i-1, 20)
		if s.Retry.MaxDelay > 0 && d > s.Retry.MaxDelay {
			d = s.Retry.MaxDelay
		}
		total += d + d/5 // jitter is at most +20%
	}
	return total
}

// orDefault is d, or def when d is not positive (not set).
func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// durations computes the critical paths over the main steps that will or
// may run.
func (b *builder) durations(p *Plan) {
	type acc struct {
		expected, worst time.Duration
		prev            string
		via             string // the step itself, or the instance that ends a for_each last
	}
	longest := map[string]acc{}
	var notes []string
	end := "" // of the critical path
	var best, worst time.Duration
	for _, s := range p.Steps {
		rs := b.rb.StepOrTemplate(s.Name) // an instance's duration is its template's
		if s.Action == WillNotRun || rs == nil {
			continue
		}
		var start acc
		for _, d := range s.Deps {
			a, ok := longest[d]
			if !ok {
				continue
			}
			if start.prev == "" || a.expected > start.expected {
				start.expected, start.prev = a.expected, a.via
			}
			start.worst = max(start.worst, a.worst)
		}
		a := acc{expected: start.expected + rs.ExpectedDuration, worst: start.worst + worstCase(rs), prev: start.prev, via: s.Name}
		longest[s.Name] = a
		if f := s.ForEach; f != nil && f.Of != "" { // its dependents wait for every instance
			if t, ok := longest[f.Of]; ok && t.expected >= a.expected {
				a.expected, a.via = t.expected, t.via
			}
			a.worst = max(a.worst, longest[f.Of].worst)
			longest[f.Of] = a
		}
		if end == "" || a.expected > best {
			end, best = s.Name, a.expected
		}
		worst = max(worst, a.worst)
		switch {
		case (rs.Class == runbook.ClassApproval || rs.Class == runbook.ClassManual) && rs.ExpiresAfter == 0:
			notes = append(notes, fmt.Sprintf("%s %s never expires: the worst case excludes time waiting for people", rs.Class, s.Name))
		case rs.Class == runbook.ClassAction && rs.Timeout == 0:
			notes = append(notes, fmt.Sprintf("action %s has no timeout: the worst case counts its expected duration", s.Name))
		}
	}
	path := []string{}
	for n := end; n != ""; n = longest[n].prev {
		path = append(path, n)
	}
	slices.Reverse(path)
	slices.Sort(notes)
	p.Duration = Duration{ExpectedSeconds: seconds(best), WorstCaseSeconds: seconds(worst), CriticalPath: path,
		BackoutSeconds: p.Backout.ExpectedSeconds, Notes: notes}
}

// window evaluates the declared change window.
func (b *builder) window(p *Plan) {
	ch := b.rb.Change
	if ch.WindowStart == nil || ch.WindowEnd == nil {
		return
	}
	start, ok1 := b.windowBound(ch.WindowStart, "start")
	end, ok2 := b.windowBound(ch.WindowEnd, "end")
	if !ok1 || !ok2 || start.IsZero() && end.IsZero() {
		return // an error, or no window declared (both null)
	}
	if start.IsZero() || end.IsZero() {
		b.diags = append(b.diags, errorAt(ch.WindowStart.Range(), "Invalid change window",
			"The window has a start or an end but not both; give both bounds, or neither (null) when no window is declared."))
		return
	}
	length := end.Sub(start)
	p.Window = &Window{
		Start: start.UTC().Format(time.RFC3339), End: end.UTC().Format(time.RFC3339), LengthSeconds: seconds(length),
		FitsExpected:  p.Duration.ExpectedSeconds+p.Backout.ExpectedSeconds <= seconds(length),
		FitsWorstCase: p.Duration.WorstCaseSeconds+p.Backout.WorstCaseSeconds <= seconds(length),
	}
}

// windowBound evaluates one bound of the change window: the zero time when
// it is null (no window declared). One that is unknown or not an RFC 3339
// time is an error: the plan fails closed rather than leaving the window
// out of what the board reads.
func (b *builder) windowBound(e hcl.Expression, which string) (time.Time, bool) {
	v, diags := lang.EvalIn(b.runbookCtx(), e, cty.String)
	b.diags = append(b.diags, diags...)
	if diags.HasErrors() {
		return time.Time{}, false
	}
	bad := func(detail string) (time.Time, bool) {
		b.diags = append(b.diags, errorAt(e.Range(), "Invalid change window",
			fmt.Sprintf("The window %s %s; give it as an RFC 3339 timestamp like \"2026-03-14T20:00:00Z\".", which, detail)))
		return time.Time{}, false
	}
	switch {
	case !v.IsKnown():
		return bad("is not known when planning")
	case v.IsNull():
		return time.Time{}, true
	case v.HasMark(steps.Sensitive):
		return bad("is sensitive, and a window is shown in plans and reviews")
	}
	t, err := time.Parse(time.RFC3339, v.AsString())
	if err != nil {
		return bad(fmt.Sprintf("is %q, which is not a timestamp baton can read", v.AsString()))
	}
	return t, true
}

// summary counts what the plan's steps do.
func (b *builder) summary(p *Plan) {
	p.Summary = Summary{HasChanges: p.HasChanges(), PreflightFailed: p.PreflightFailed()}
	sum := &p.Summary
	for _, s := range p.AllSteps() {
		switch s.Action {
		case WillRun:
			sum.WillRun++
		case MayRun:
			sum.MayRun++
		default:
			sum.WillNotRun++
			continue
		}
		switch s.Class {
		case "action":
			sum.Actions++
		case "approval":
			sum.Approvals++
		case "manual":
			sum.Manual++
		}
		if s.PointOfNoReturn && s.Class != "backout" {
			sum.PointsOfNoReturn++
		}
		switch {
		case s.Check == nil:
		case s.Check.Status == CheckPassed:
			sum.ChecksPassed++
		default:
			sum.ChecksFailed++
		}
	}
}

// factsOf returns the sorted paths of the step outputs an expression
// depends on, looking through decisions to the facts that decide them.
func (b *builder) factsOf(expr hcl.Expression, seen map[string]bool) []string {
	var out []string
	for _, t := range expr.Variables() {
		if t.RootName() != "step" || len(t) < 2 {
			continue
		}
		a, ok := t[1].(hcl.TraverseAttr)
		if !ok {
			continue
		}
		s := b.rb.Step(a.Name)
		if s == nil {
			continue
		}
		if s.Class == runbook.ClassDecision && s.Condition != nil {
			if !seen[s.Name] {
				seen[s.Name] = true
				out = append(out, b.factsOf(s.Condition, seen)...)
			}
			continue
		}
		path := runbook.TraversalText(t, steps.Show)
		if _, ok := b.facts[path]; !ok {
			b.facts[path] = b.fact(t, s.Name, path)
		}
		out = append(out, path)
	}
	return uniq(out)
}

func (b *builder) fact(t hcl.Traversal, step, path string) Fact {
	f := Fact{Path: path, Step: step, Value: "(known at run time)"}
	v, _ := b.stepValue(step)
	v, diags := hcl.Traversal(t[2:]).TraverseRel(v)
	if diags.HasErrors() || !v.IsWhollyKnown() {
		return f
	}
	f.Known = true
	f.Value = b.scrub(steps.Show(v))
	un, _ := v.UnmarkDeep()
	js := "null"
	if bs, err := ctyjson.Marshal(un, un.Type()); err == nil {
		js = string(bs)
	}
	f.Hash = digest.Bytes([]byte("baton-fact\x00" + path + "\x00" + js))
	return f
}

// decide records that the facts at paths decide whether step runs.
func (b *builder) decide(step string, paths ...string) {
	for _, path := range paths {
		if b.decides[path] == nil {
			b.decides[path] = map[string]bool{}
		}
		b.decides[path][step] = true
	}
}

func (b *builder) finishFacts(p *Plan) {
	for _, path := range slices.Sorted(maps.Keys(b.facts)) {
		f := b.facts[path]
		f.Decides = slices.Sorted(maps.Keys(b.decides[path]))
		p.Facts = append(p.Facts, f)
	}
}

func describeFacts(facts []string) string {
	if len(facts) == 0 {
		return ""
	}
	return ", decided at run time by " + strings.Join(facts, ", ")
}

func givenFacts(b *builder, facts []string) string {
	if len(facts) == 0 {
		return ""
	}
	parts := make([]string, len(facts))
	for i, f := range facts {
		parts[i] = f + " = " + b.facts[f].Value
	}
	return " given the facts observed at plan time (" + strings.Join(parts, ", ") + ")"
}

// uniq is a sorted copy of s without repeats; nil when s is empty.
func uniq(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	c := slices.Clone(s)
	slices.Sort(c)
	return slices.Compact(c)
}

// scrub replaces every known secret in s, and its encodings, with
// (sensitive).
func (b *builder) scrub(s string) string { return b.red.String(s) }
