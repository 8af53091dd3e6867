package runbook

import (
	"fmt"
	"slices"
	"time"

	"github.com/batonhq/baton/engine/lang"
	"github.com/batonhq/baton/internal/signing"
	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// decode (phase 4) reads everything else in the validation scope: the
// runbook header, variable validations, target and step arguments.
func (l *loader) decode() {
	l.decodeRunbook()
	for _, v := range l.rb.Variables {
		l.decodeVariable(v, l.varSrc[v])
	}
	for _, t := range l.rb.Targets {
		l.decodeTarget(t)
	}
	l.forEachParallel(len(l.rb.Steps), func(w *loader, i int) {
		s := l.rb.Steps[i]
		w.decodeStep(s, l.stepSrc[s])
	})
}

// eval evaluates a non-literal expression in ctx, converted to want; a nil
// expression is null (and is not reported by notSensitive).
func (l *loader) eval(ctx *hcl.EvalContext, expr hcl.Expression, want cty.Type) cty.Value {
	v, diags := lang.EvalIn(ctx, expr, want)
	l.diags = append(l.diags, diags...)
	return v
}

// notSensitive reports an error when v is sensitive: what is shown in plans
// and reviews.
func (l *loader) notSensitive(v cty.Value, expr hcl.Expression, what string) bool {
	if !hasSensitive(v) {
		return true
	}
	l.errorf(expr.Range(), "Sensitive value not allowed here",
		"%s is shown in plans, reviews and the journal, so it can't depend on %s.", what, l.firstSensitive(expr))
	return false
}

// decodeRunbook reads the runbook block: its header, lock and change block.
func (l *loader) decodeRunbook() {
	b := l.runbookBlock
	if b == nil {
		return
	}
	content := l.content(b.Body, runbookSchema)
	at := content.Attributes
	rb := l.rb
	rb.Title = l.attrString(at, "title", "The title")
	rb.Description = l.attrString(at, "description", "The description")
	rb.Version = l.attrString(at, "version", "The version")
	rb.Owner = l.attrString(at, "owner", "The owner")
	rb.Refs = l.attrStrings(at, "refs")
	rb.Includes = l.attrStrings(at, "include")
	rb.RunTimeout, _ = l.attrDuration(at, "timeout", "The run timeout")
	l.decodeAllowedSigners(at)
	if a := at["lock"]; a != nil {
		rb.Lock = a.Expr
		l.checkRefs(a.Expr.Variables(), allowVar|allowLocal, "A lock key")
		v := l.eval(l.ctx, a.Expr, cty.String)
		if l.notSensitive(v, a.Expr, "The lock key") {
			l.checkLockLen(a.Expr, v)
		}
	}
	seen := map[string]*hcl.Block{}
	for _, cb := range content.Blocks {
		if l.single(seen, cb, "runbook") {
			l.decodeChange(cb)
		}
	}
}

// single reports whether b is the first block of its type in owner (a
// runbook, a change or a step, which have one of each); a later one is
// reported.
func (l *loader) single(seen map[string]*hcl.Block, b *hcl.Block, owner string) bool {
	if prev := seen[b.Type]; prev != nil {
		l.errorf(b.DefRange, "Duplicate "+b.Type+" block", "A %s has one %s block; the first is at %s.", owner, b.Type, rangeString(prev.DefRange))
		return false
	}
	seen[b.Type] = b
	return true
}

// decodeChange reads the change block: the change record and its window
// and back-out plan blocks.
func (l *loader) decodeChange(b *hcl.Block) {
	content := l.content(b.Body, changeSchema)
	at := content.Attributes
	c := &l.rb.Change
	c.Type, _ = l.attrEnum(at, "type", "The change type", "Invalid change type", "standard", "normal", "emergency")
	c.Reason = l.attrString(at, "reason", "The reason")
	c.Risk, _ = l.attrEnum(at, "risk", "The risk", "Invalid risk", "low", "medium", "high")
	c.Mitigations = l.attrStrings(at, "mitigations")
	c.Impact = l.attrString(at, "impact", "The impact")
	c.ExpectedDowntime, _ = l.attrDuration(at, "expected_downtime", "The expected downtime")
	c.AffectedServices = l.attrStrings(at, "affected_services")
	c.Communication = l.attrString(at, "communication", "The communication plan")
	c.Implementers = l.attrStrings(at, "implementers")
	seen := map[string]*hcl.Block{}
	for _, nb := range content.Blocks {
		if !l.single(seen, nb, "change") {
			continue
		}
		switch nb.Type {
		case "window":
			l.decodeWindow(c, nb)
		case "backout":
			bc := l.content(nb.Body, backoutPlanSchema)
			c.Backout.Summary = l.attrString(bc.Attributes, "summary", "The back-out summary")
			c.Backout.Trigger = l.attrString(bc.Attributes, "trigger", "The back-out trigger")
			c.Backout.RestoredState = l.attrString(bc.Attributes, "restored_state", "The restored state")
		}
	}
}

// decodeWindow reads a change's window block: start and end, each an
// RFC 3339 timestamp once evaluated.
func (l *loader) decodeWindow(c *Change, b *hcl.Block) {
	wc := l.content(b.Body, windowSchema)
	c.WindowStart = l.windowTime(wc.Attributes["start"], "start")
	c.WindowEnd = l.windowTime(wc.Attributes["end"], "end")
}

// windowTime checks one end of a change window; nil when it is absent.
func (l *loader) windowTime(a *hcl.Attribute, name string) hcl.Expression {
	if a == nil {
		return nil
	}
	l.checkRefs(a.Expr.Variables(), allowVar|allowLocal, "A change window")
	v := l.eval(l.ctx, a.Expr, cty.String)
	if l.notSensitive(v, a.Expr, "The change window") && v.IsKnown() && !v.IsNull() {
		if _, err := time.Parse(time.RFC3339, v.AsString()); err != nil {
			l.errorf(a.Expr.Range(), "Invalid timestamp",
				"The window %s must be an RFC 3339 timestamp like \"2026-03-14T20:00:00Z\": %s.", name, err.Error())
		}
	}
	return a.Expr
}

// decodeVariable reads a variable's description and validation blocks.
func (l *loader) decodeVariable(v *Variable, content *hcl.BodyContent) {
	v.Description = l.attrString(content.Attributes, "description", "A variable's description")
	for _, b := range content.Blocks {
		vc := l.content(b.Body, validationSchema)
		val := &Validation{DeclRange: b.DefRange}
		if a := vc.Attributes["condition"]; a != nil {
			val.Condition = a.Expr
			l.checkRefs(a.Expr.Variables(), allowVar, "A validation condition")
			l.eval(l.ctx, a.Expr, cty.Bool)
		}
		if a := vc.Attributes["error_message"]; a != nil {
			val.ErrorMessage = a.Expr
			l.checkRefs(a.Expr.Variables(), allowVar, "A validation error message")
			m := l.eval(l.ctx, a.Expr, cty.String)
			l.notSensitive(m, a.Expr, "A validation error message")
		}
		if val.Condition != nil && val.ErrorMessage != nil {
			v.Validations = append(v.Validations, val)
		}
	}
}

// decodeTarget checks a target's references and decodes its arguments
// against its target type's spec.
func (l *loader) decodeTarget(t *Target) {
	l.checkRefs(bodyRefs(t.Body, map[string]bool{"type": true}, nil), allowVar|allowLocal, "A target argument")
	if t.Kind == nil {
		return
	}
	_, diags := lang.DecodeBodyIn(l.ctx, t.Body, specOrEmpty(t.Kind.Spec()))
	l.diags = append(l.diags, diags...)
}

func specOrEmpty(s hcldec.Spec) hcldec.Spec {
	if s == nil {
		return hcldec.ObjectSpec{}
	}
	return s
}

// bodyRefs is the traversals of every expression in body, in source
// order, skipping the named attributes and block types at the top level;
// nil for a body not of native syntax.
func bodyRefs(body hcl.Body, skipAttrs, skipBlocks map[string]bool) []hcl.Traversal {
	b, ok := body.(*hclsyntax.Body)
	if !ok {
		return nil
	}
	attrs := make([]*hclsyntax.Attribute, 0, len(b.Attributes))
	for name, a := range b.Attributes {
		if !skipAttrs[name] {
			attrs = append(attrs, a)
		}
	}
	slices.SortFunc(attrs, func(x, y *hclsyntax.Attribute) int { return x.SrcRange.Start.Byte - y.SrcRange.Start.Byte })
	var out []hcl.Traversal
	for _, a := range attrs {
		out = append(out, a.Expr.Variables()...)
	}
	for _, blk := range b.Blocks {
		if !skipBlocks[blk.Type] {
			out = append(out, bodyRefs(blk.Body, nil, nil)...)
		}
	}
	return out
}

var verifyMeta = map[string]bool{"uses": true, "condition": true, "target": true}

// exprRoots are what a step's expressions may refer to; each only in a
// step with for_each (checkNoEach).
const exprRoots = allowVar | allowLocal | allowStep | allowTarget | allowEach

// decodeStep reads a step's attributes and blocks in the validation scope,
// one attribute group at a time: those of every step, those of its class,
// then for classes that run a step type, their run options, blocks and
// the step type's arguments.
func (l *loader) decodeStep(s *Step, src *stepSource) {
	at := src.content.Attributes
	what := fmt.Sprintf("The %s's", s.Class)
	l.decodeStepCommon(s, src, at, what)
	l.decodeForEach(s, src)
	switch s.Class {
	case ClassApproval, ClassManual:
		l.decodeApprovers(s, at, what)
	case ClassDecision:
		s.Condition = l.stepExpr(src, at, "condition", exprRoots, "A decision's condition")
	}
	if !kinded(s.Class) {
		return
	}
	l.decodeRunOptions(s, at)
	if s.Class == ClassWait {
		l.decodeWait(s, src, at)
	}
	l.decodeUndoes(s, at)
	l.decodeStepBlocks(s, src)
	l.decodeStepArgs(s, src, at)
}

// decodeStepCommon reads the attributes every step class has: description,
// refs, durations, depends_on and when.
func (l *loader) decodeStepCommon(s *Step, src *stepSource, at hcl.Attributes, what string) {
	s.Description = l.attrString(at, "description", what+" description")
	s.Refs = l.attrStrings(at, "refs")
	s.ExpectedDuration, _ = l.attrDuration(at, "expected_duration", what+" expected_duration")
	s.Timeout, _ = l.attrDuration(at, "timeout", what+" timeout")
	if a := at["depends_on"]; a != nil {
		l.decodeDependsOn(s, src, a)
	}
	s.When = l.stepExpr(src, at, "when", exprRoots, "A when condition")
}

// stepExpr is the expression of attrs[name], nil when it is absent; its
// step references, checked against roots, are recorded in src. what starts
// the error detail, as in checkRefs.
func (l *loader) stepExpr(src *stepSource, attrs hcl.Attributes, name string, roots int, what string) hcl.Expression {
	a := attrs[name]
	if a == nil {
		return nil
	}
	src.refs = append(src.refs, l.checkRefs(a.Expr.Variables(), roots, what)...)
	return a.Expr
}

// decodeApprovers reads what an approval or a manual step asks of people:
// who may approve, how many must, when the request expires, and the
// instructions; it reports a request nobody could ever grant.
func (l *loader) decodeApprovers(s *Step, at hcl.Attributes, what string) {
	s.Approvers = l.attrStrings(at, "approvers")
	if n, ok := l.attrInt(at, "min_approvals", "min_approvals", 1, 1000); ok {
		s.MinApprovals = n
	}
	s.AllowRequester = l.attrBool(at, "allow_requester")
	s.ExpiresAfter, _ = l.attrDuration(at, "expires_after", what+" expires_after")
	l.decodeInstructions(s, at, what)
	s.ManualReason = l.attrString(at, "reason", "The reason")
	if s.Class == ClassApproval && len(s.Approvers) == 0 {
		l.errorf(s.DeclRange, "Approval without approvers",
			"An approval must name who may approve: approvers = [\"alice\", \"bob\"].")
	}
	if len(s.Approvers) > 0 && s.MinApprovals > len(s.Approvers) {
		l.errorf(at["min_approvals"].Expr.Range(), "Not enough approvers",
			"min_approvals is %d but only %d approvers are listed, so the %s can never be approved.", s.MinApprovals, len(s.Approvers), s.Class)
	}
	if s.Class == ClassManual && at["min_approvals"] != nil && len(s.Approvers) == 0 {
		l.errorf(at["min_approvals"].Expr.Range(), "Not enough approvers",
			"min_approvals needs approvers: list who may confirm this manual step.")
	}
	if dup := firstDuplicate(s.Approvers); dup != "" {
		l.errorf(at["approvers"].Expr.Range(), "Duplicate approver", "%q is listed twice.", dup)
	}
}

// decodeInstructions reads what people must do or check: literal text, or
// an expression over inputs, locals, targets and each (one text per
// instance of a for_each step), never a step's result or a secret, so
// that the plan shows it as the person will read it.
func (l *loader) decodeInstructions(s *Step, at hcl.Attributes, what string) {
	a := at["instructions"]
	if a == nil {
		return
	}
	if len(a.Expr.Variables()) == 0 {
		s.Instructions = l.attrString(at, "instructions", what+" instructions")
		return
	}
	l.checkRefs(a.Expr.Variables(), allowVar|allowLocal|allowTarget|allowEach, what+" instructions")
	v, diags := lang.EvalIn(l.ctx, a.Expr, cty.String)
	if hasSensitive(v) {
		l.attrString(at, "instructions", what+" instructions") // says which secret
		return
	}
	l.diags = append(l.diags, diags...)
	s.InstructionsExpr = a.Expr
	s.Instructions = l.rb.ExprText(a.Expr)
}

// decodeRunOptions reads how a step that runs a step type behaves around
// its run: on_failure, point_of_no_return, idempotent and always. It also
// sets the default of one attempt, which a retry block may raise.
func (l *loader) decodeRunOptions(s *Step, at hcl.Attributes) {
	if p, ok := l.attrEnum(at, "on_failure", "on_failure", "Invalid on_failure", OnFailureAbort, OnFailureContinue, OnFailureBackout); ok {
		s.OnFailure = p
	}
	s.PointOfNoReturn = l.attrBool(at, "point_of_no_return")
	s.Idempotent = l.attrBool(at, "idempotent")
	s.Always = l.attrBool(at, "always")
	if s.Always && !s.IsMain() {
		l.errorf(at["always"].Expr.Range(), "always outside the main procedure",
			"always = true is for steps of the main procedure (reports, verdicts); %s steps run in their own phase.", s.Class)
	}
	s.Retry.Attempts = 1
}

// decodeWait reads a wait's polling: interval, until, fail_if,
// fail_message, the timeout it must have, and stable_for.
func (l *loader) decodeWait(s *Step, src *stepSource, at hcl.Attributes) {
	s.Interval = 30 * time.Second
	if d, ok := l.attrDuration(at, "interval", "The wait's interval"); ok {
		if d < MinWaitInterval {
			l.errorf(at["interval"].Expr.Range(), "Invalid duration",
				"A wait polls its step every interval, so the interval must be at least %s, not %s.", MinWaitInterval, d)
		} else {
			s.Interval = d
		}
	}
	s.Until = l.stepExpr(src, at, "until", exprRoots|allowSelf, "until")
	s.FailIf = l.stepExpr(src, at, "fail_if", exprRoots|allowSelf, "fail_if")
	s.FailMessage = l.stepExpr(src, at, "fail_message", exprRoots|allowSelf, "fail_message")
	if s.FailMessage != nil && s.FailIf == nil {
		l.warnf(at["fail_message"].NameRange, "fail_message without fail_if",
			"fail_message explains why fail_if stopped the wait; without a fail_if it is never shown.")
	}
	if at["timeout"] == nil {
		l.errorf(s.DeclRange, "Wait without timeout",
			"A wait must say how long it may wait, like timeout = \"45m\"; otherwise it could wait forever.")
	} else if s.Timeout > 0 && s.Interval > s.Timeout {
		l.warnf(at["timeout"].Expr.Range(), "Wait interval longer than its timeout",
			"The wait polls every %s but times out after %s, so it checks only once.", s.Interval, s.Timeout)
	}
	l.decodeStableFor(s, at)
}

// decodeUndoes reads undoes = step.<name>, which must name a step of the
// main procedure; it is a reference but not a dependency (not in the
// step's refs).
func (l *loader) decodeUndoes(s *Step, at hcl.Attributes) {
	a := at["undoes"]
	if a == nil {
		return
	}
	s.Undoes = l.refTraversal(a.Expr, "step", "undoes", "step.promote")
	if u := l.rb.stepIndex[s.Undoes]; u != nil && !u.IsMain() {
		l.errorf(a.Expr.Range(), "Invalid undoes", "undoes must name a step of the main procedure; step.%s is a %s step.", s.Undoes, u.Class)
	}
}

// decodeStepBlocks reads a step's retry, assert and verify blocks; a step
// has at most one retry and one verify block.
func (l *loader) decodeStepBlocks(s *Step, src *stepSource) {
	seen := map[string]*hcl.Block{}
	for _, b := range src.content.Blocks {
		switch {
		case b.Type == "assert":
			l.decodeAssert(s, src, b)
		case !l.single(seen, b, "step"):
		case b.Type == "retry":
			l.decodeRetry(s, b)
		case b.Type == "verify":
			l.decodeVerify(s, src, b)
		}
	}
}

// decodeStepArgs checks the references in the step type's arguments (every
// attribute and block the class did not claim), resolves the step's
// target and decodes the arguments against the step type's spec.
func (l *loader) decodeStepArgs(s *Step, src *stepSource, at hcl.Attributes) {
	ts := bodyRefs(src.block.Body, metaNames[s.Class][0], metaNames[s.Class][1])
	for _, r := range l.checkRefs(ts, exprRoots, "A step argument") {
		r.inArgs = true
		src.refs = append(src.refs, r)
	}
	s.Target = l.resolveTarget(s.Kind, at["target"], s.DeclRange)
	if s.Kind == nil {
		return
	}
	l.checkReadOnly(string(s.Class), s.Kind, s.Uses, at)
	args, diags := lang.DecodeBodyIn(l.ctx, s.Body, specOrEmpty(s.Kind.Spec()))
	l.diags = append(l.diags, diags...)
	src.argsSensitive = hasSensitive(args)
	if s.Class == ClassAction && s.Mutating() && !s.Idempotent && s.Verify == nil {
		l.warnf(s.DeclRange, "Action can't be verified",
			"Step %q changes the world but is neither idempotent = true nor has a verify block: if baton crashes while it runs, nobody can tell whether it happened, and the run stops for an operator.", s.Name)
	}
}

// readOnly says, for the blocks that must use a read-only step type, how
// their error starts and why.
var readOnly = map[string][2]string{
	"check":  {"Check", "; a check may only observe. Declare it as an action, or use a read-only step type."},
	"wait":   {"Wait", ", and a wait runs it again and again. A wait must poll a read-only step type."},
	"verify": {"Verify", "; a verify block must use a read-only step type, since it runs to find out whether the action happened."},
}

// checkReadOnly reports a block (a step class or verify) that must use a
// read-only step type but uses k, which changes the world.
func (l *loader) checkReadOnly(block string, k steps.Kind, uses string, at hcl.Attributes) {
	if r, ok := readOnly[block]; ok && k != nil && k.Effect() == steps.Mutating {
		l.errorf(at["uses"].Expr.Range(), r[0]+" uses a mutating step type", "Step type %q changes the world%s", uses, r[1])
	}
}

func (l *loader) decodeDependsOn(s *Step, src *stepSource, a *hcl.Attribute) {
	exprs, diags := hcl.ExprList(a.Expr)
	if diags.HasErrors() {
		l.errorf(a.Expr.Range(), "Invalid depends_on", "depends_on must be a list of step references, like [step.go_no_go].")
		return
	}
	for _, e := range exprs {
		name := l.refTraversal(e, "step", "depends_on", "step.promote")
		if name == "" {
			continue
		}
		if !slices.Contains(s.DependsOn, name) {
			s.DependsOn = append(s.DependsOn, name)
		}
		src.refs = append(src.refs, stepRef{name: name, rng: e.Range()})
	}
}

// refTraversal reads a static reference root.<name> (example shows one)
// and returns the name, "" after reporting a problem.
func (l *loader) refTraversal(e hcl.Expression, root, what, example string) string {
	t, diags := hcl.AbsTraversalForExpr(e)
	var name string
	if !diags.HasErrors() && len(t) == 2 && t.RootName() == root {
		name = refName(t) // step.0 is an index, not a name
	}
	switch {
	case name == "":
		l.errorf(e.Range(), "Invalid reference", "%s must be a %s reference like %s.", what, root, example)
	case !l.declared(root, name):
		l.undeclared(e.Range(), root, name)
		return ""
	}
	return name
}

// resolveTarget reads target = target.<name> (attr, nil when absent) and
// checks it against the kind's target type, or picks the only target of
// that type; "" when the kind needs none, or after reporting a problem.
// With k nil it only reads the reference.
func (l *loader) resolveTarget(k steps.Kind, attr *hcl.Attribute, decl hcl.Range) string {
	if attr != nil {
		name := l.refTraversal(attr.Expr, "target", "target", "target.site")
		if name == "" || k == nil {
			return name
		}
		tt, t := k.TargetType(), l.targetIndex[name]
		switch {
		case tt == "":
			l.errorf(attr.Expr.Range(), "Unexpected target", "Step type %q does not act through a target; remove this argument.", k.Name())
			return ""
		case t.Type != "" && t.Type != tt:
			l.errorf(attr.Expr.Range(), "Wrong target type", "Step type %q needs a %q target, but target.%s is a %q target.", k.Name(), tt, name, t.Type)
			return ""
		}
		return name
	}
	if k == nil || k.TargetType() == "" {
		return ""
	}
	tt := k.TargetType()
	var cands []string
	for _, t := range l.rb.Targets {
		if t.Type == tt {
			cands = append(cands, t.Name)
		}
	}
	switch len(cands) {
	case 1:
		return cands[0]
	case 0:
		l.errorf(decl, "Missing target", "Step type %q acts through a %q target, and none is declared: add target \"...\" { type = %q ... }.", k.Name(), tt, tt)
	default:
		l.errorf(decl, "Ambiguous target", "Step type %q acts through a %q target, and %d are declared (%s): say which with target = target.<name>.",
			k.Name(), tt, len(cands), listOrNone(cands))
	}
	return ""
}

func (l *loader) decodeRetry(s *Step, b *hcl.Block) {
	c := l.content(b.Body, retrySchema)
	if n, ok := l.attrInt(c.Attributes, "attempts", "retry.attempts", 1, 100); ok {
		s.Retry.Attempts = n
	}
	s.Retry.Backoff, _ = l.attrDuration(c.Attributes, "backoff", "retry.backoff")
	s.Retry.MaxDelay, _ = l.attrDuration(c.Attributes, "max_delay", "retry.max_delay")
	if s.Retry.MaxDelay > 0 && s.Retry.Backoff > s.Retry.MaxDelay {
		l.errorf(c.Attributes["max_delay"].Expr.Range(), "Invalid retry", "retry.max_delay (%s) is shorter than retry.backoff (%s).", s.Retry.MaxDelay, s.Retry.Backoff)
	}
}

func (l *loader) decodeAssert(s *Step, src *stepSource, b *hcl.Block) {
	c := l.content(b.Body, assertSchema)
	as := &Assert{
		Condition: l.stepExpr(src, c.Attributes, "condition", exprRoots|allowSelf, "An assert condition"),
		Message:   l.stepExpr(src, c.Attributes, "message", exprRoots|allowSelf, "An assert message"),
		DeclRange: b.DefRange,
	}
	if as.Condition != nil {
		s.Asserts = append(s.Asserts, as)
	}
}

func (l *loader) decodeVerify(s *Step, src *stepSource, b *hcl.Block) {
	c, remain, diags := b.Body.PartialContent(verifySchema)
	l.diags = append(l.diags, diags...)
	v := &Verify{Body: remain, DeclRange: b.DefRange}
	s.Verify = v
	v.Uses, v.Kind = l.usesKind(c.Attributes, "verify.uses")
	l.checkReadOnly("verify", v.Kind, v.Uses, c.Attributes)
	v.Condition = l.stepExpr(src, c.Attributes, "condition", exprRoots|allowSelf, "verify.condition")
	src.refs = append(src.refs, l.checkRefs(bodyRefs(b.Body, verifyMeta, nil), exprRoots, "A verify argument")...)
	v.Target = l.resolveTarget(v.Kind, c.Attributes["target"], b.DefRange)
	if v.Kind == nil {
		return
	}
	_, diags = lang.DecodeBodyIn(l.ctx, remain, specOrEmpty(v.Kind.Spec()))
	l.diags = append(l.diags, diags...)
}

func firstDuplicate(s []string) string {
	seen := map[string]bool{}
	for _, x := range s {
		if seen[x] {
			return x
		}
		seen[x] = true
	}
	return ""
}

// decodeStableFor reads a wait's stable_for: how long until must hold on
// every poll before the wait succeeds. It must span at least one interval
// and leave time before the timeout.
func (l *loader) decodeStableFor(s *Step, at hcl.Attributes) {
	d, ok := l.attrDuration(at, "stable_for", "The wait's stable_for")
	if !ok {
		return
	}
	rng := at["stable_for"].Expr.Range()
	switch {
	case d < s.Interval:
		l.errorf(rng, "Invalid stable_for",
			"stable_for (%s) is shorter than the wait's interval (%s): the condition would be seen only once; make it at least one interval.", d, s.Interval)
	case s.Timeout > 0 && d >= s.Timeout:
		l.errorf(rng, "Invalid stable_for",
			"stable_for (%s) must be shorter than the wait's timeout (%s), or the wait can never succeed.", d, s.Timeout)
	default:
		s.StableFor = d
	}
}

// decodeAllowedSigners reads the runbook's allowed_signers: the git-style
// file, in the runbooks' repository, of whose SSH keys may sign decisions
// for which names. The file becomes one of the runbook's sources, so a
// change to it changes the source digest and is reviewed like one.
func (l *loader) decodeAllowedSigners(at hcl.Attributes) {
	a := at["allowed_signers"]
	rel := l.attrString(at, "allowed_signers", "allowed_signers")
	if a == nil || rel == "" {
		return
	}
	rng := a.Expr.Range()
	name := l.rules.Resolve(l.rules.Dir(rng.Filename), rel)
	src, err := l.fsys.ReadFile(name)
	if err != nil {
		l.errorf(rng, "Cannot read allowed_signers", "%s", readFailure(name, err))
		return
	}
	as, err := signing.ParseAllowedSigners(name, src)
	if err != nil {
		l.errorf(rng, "Invalid allowed_signers", "%s: fix the file in the runbooks' repository.", err)
		return
	}
	l.rb.Sources[l.sourceKey(name)] = src
	l.rb.AllowedSigners = as
}
