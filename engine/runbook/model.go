// Package runbook loads HCL runbook files into a typed, validated Runbook:
// metadata and change record, input variables, locals, targets and steps
// with their dependencies. It reports every problem at once as
// hcl.Diagnostics with file:line:col. It evaluates nothing that depends on
// inputs or step results; that is the planner's and the executor's job.
package runbook

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/batonhq/baton/engine/graph"
	"github.com/batonhq/baton/internal/signing"
	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Runbook is one loaded runbook: a main file and the files it includes.
type Runbook struct {
	Name        string // label of the runbook block
	Title       string
	Description string
	Version     string
	Owner       string
	Refs        []string // domain reference ids of the runbook as a whole
	Change      Change

	// Lock is the lock key expression (may use var and local); nil when
	// the runbook declares none.
	Lock hcl.Expression
	// Includes are the include paths as written in the runbook block.
	Includes []string
	// RunTimeout bounds a whole run; 0 when not declared.
	RunTimeout time.Duration

	Variables []*Variable // declaration order
	Locals    []*Local    // declaration order
	Targets   []*Target   // declaration order
	Steps     []*Step     // declaration order, every class

	// Files lists the source files as loaded (the names in diagnostic
	// ranges), main file first, then includes in load order.
	Files []string
	// Root is the directory of the main file, or the runbook directory.
	Root string
	// Sources holds the files' bytes, for digests, keyed by path relative
	// to Root with "/" (so every spelling of the runbook's path gives the
	// same keys); Source looks a file of Files up.
	Sources map[string][]byte
	keys    map[string]string // Files -> Sources
	// HCLFiles are the parsed files, for the diagnostic writer.
	HCLFiles map[string]*hcl.File

	// AllowedSigners is the runbook's allowed_signers file, parsed: when
	// set, its runs count only signed decisions. nil when not declared.
	AllowedSigners *signing.AllowedSigners

	// Graph is the step graph (every step, edges from Step.Deps); nil when
	// the dependencies have a cycle or name undeclared steps.
	Graph *graph.Graph

	DeclRange hcl.Range

	stepIndex map[string]*Step
}

// Change is the change-advisory metadata the review document needs.
type Change struct {
	Type             string // standard | normal | emergency
	Reason           string
	Risk             string // low | medium | high
	Mitigations      []string
	Impact           string
	ExpectedDowntime time.Duration
	AffectedServices []string
	Communication    string
	Implementers     []string
	// WindowStart and WindowEnd are RFC 3339 timestamps, as expressions
	// because they usually come from variables; nil when not declared.
	WindowStart hcl.Expression
	WindowEnd   hcl.Expression
	Backout     BackoutPlan
}

// BackoutPlan summarises the back-out path for the change record.
type BackoutPlan struct {
	Summary       string
	Trigger       string
	RestoredState string
}

// Variable is an input variable.
type Variable struct {
	Name        string
	Type        cty.Type  // cty.DynamicPseudoType when not declared
	Default     cty.Value // cty.NilVal when the variable is required
	Description string
	Sensitive   bool
	Validations []*Validation
	DeclRange   hcl.Range
}

// Validation is a rule on a variable's value.
type Validation struct {
	Condition    hcl.Expression
	ErrorMessage hcl.Expression
	DeclRange    hcl.Range
}

// Local is a named expression in a locals block.
type Local struct {
	Name      string
	Expr      hcl.Expression
	DeclRange hcl.Range
}

// Target is a connection steps act through (a site, a database...).
type Target struct {
	Name      string
	Type      string
	Kind      steps.TargetKind
	Body      hcl.Body // the type's arguments, decoded with Kind.Spec()
	DeclRange hcl.Range
}

// Class is what a step is in the procedure.
type Class string

// Step classes, one per block type.
const (
	ClassCheck    Class = "check"    // read-only observation with assertions
	ClassAction   Class = "action"   // changes the world
	ClassWait     Class = "wait"     // polls a read-only step until a condition holds
	ClassApproval Class = "approval" // a manual gate answered by people
	ClassDecision Class = "decision" // evaluates a condition that later steps branch on
	ClassManual   Class = "manual"   // work a person does by hand, confirmed like an approval
	ClassBackout  Class = "backout"  // runs only when backing out
	ClassPost     Class = "post"     // runs after every main step succeeded
)

// Failure policies.
const (
	OnFailureAbort    = "abort"
	OnFailureContinue = "continue"
	OnFailureBackout  = "backout"
)

// Step is one node of the runbook's graph.
type Step struct {
	Name        string
	Class       Class
	Uses        string     // step type name ("" for approval, decision, manual)
	Kind        steps.Kind // resolved from Uses; nil when Uses is ""
	Description string
	Refs        []string // domain reference ids (P05, PRP-01, PP-01...)
	Target      string   // target name, "" when the kind needs none

	// Body holds the step type's arguments, decoded with Kind.Spec().
	Body hcl.Body

	// DependsOn are the explicit dependencies; Deps are all of them
	// (explicit and from references), sorted and unique. A back-out step's
	// undoes reference is not a dependency.
	DependsOn []string
	Deps      []string
	// DepRange tells, for each name in Deps, where it is first referenced.
	DepRange map[string]hcl.Range

	// SensitiveOutput is true when the step's arguments use a sensitive
	// value: its output (step.<name>.output) is then sensitive too.
	SensitiveOutput bool

	// When is the condition under which the step runs; nil means always.
	When hcl.Expression

	ExpectedDuration time.Duration // 0 when not declared
	Timeout          time.Duration // 0 when not declared (waits require one)
	PointOfNoReturn  bool
	Retry            Retry
	OnFailure        string // OnFailureAbort (default), OnFailureContinue, OnFailureBackout
	Idempotent       bool
	// Always runs the step once its dependencies have settled, whatever
	// their outcome, even after another step stopped the run: for
	// reports and verdicts.
	Always  bool
	Verify  *Verify
	Asserts []*Assert

	// Wait.
	Until  hcl.Expression // required for waits, may use self.output
	FailIf hcl.Expression // optional early failure for waits
	// FailMessage explains a fail_if that holds (a string over self).
	FailMessage hcl.Expression
	Interval    time.Duration // default 30s
	// StableFor is how long Until must hold on every poll before the wait
	// succeeds (0: the first poll where it holds).
	StableFor time.Duration

	// Approval and manual.
	Approvers      []string
	MinApprovals   int // default 1
	AllowRequester bool
	ExpiresAfter   time.Duration // 0: never
	Instructions   string        // what the person must do (manual) or check (approval); its source when it is an expression
	// InstructionsExpr is the instructions' expression when they are not
	// literal (see InstructionsIn).
	InstructionsExpr hcl.Expression
	ManualReason     string // why this is manual and not automated

	// Decision.
	Condition hcl.Expression

	// Backout: the step this one undoes ("" when it always runs on backout).
	Undoes string

	// ForEach makes the step a template with one instance per item of its
	// value (see Items); nil for an ordinary step. Template and Each are
	// set on an instance: its template's name and its item.
	ForEach  hcl.Expression
	Template string
	Each     *Each

	DeclRange hcl.Range
}

// Retry is a step's retry policy. Attempts counts every try, so 1 means no
// retry.
type Retry struct {
	Attempts int           // default 1
	Backoff  time.Duration // first delay, doubled each time, with jitter
	MaxDelay time.Duration
}

// Verify tells whether an action's effect already happened: it runs a
// read-only step type and evaluates Condition on its output (self.output).
type Verify struct {
	Uses      string
	Kind      steps.Kind
	Body      hcl.Body
	Target    string
	Condition hcl.Expression
	DeclRange hcl.Range
}

// Assert is a condition on a step's result (self.output) that must hold
// for the step to succeed.
type Assert struct {
	Condition hcl.Expression
	Message   hcl.Expression
	DeclRange hcl.Range
}

// StepGraph is the runbook's step graph: the one Load built or, for a
// runbook with a dependency cycle or not made by Load, one built from its
// steps (failing with a *graph.CycleError or an unknown step).
func (r *Runbook) StepGraph() (*graph.Graph, error) {
	if r.Graph != nil {
		return r.Graph, nil
	}
	deps := make(map[string][]string, len(r.Steps))
	for _, s := range r.Steps {
		deps[s.Name] = s.Deps
	}
	return graph.New(r.stepNames(), deps)
}

// stepNames is the names of the steps, in declaration order.
func (r *Runbook) stepNames() []string {
	names := make([]string, len(r.Steps))
	for i, s := range r.Steps {
		names[i] = s.Name
	}
	return names
}

// Step returns the step called name, or nil.
func (r *Runbook) Step(name string) *Step {
	if r.stepIndex != nil {
		return r.stepIndex[name]
	}
	if i := slices.IndexFunc(r.Steps, func(s *Step) bool { return s.Name == name }); i >= 0 {
		return r.Steps[i]
	}
	return nil
}

// IsMain reports whether the step belongs to the forward path (not a
// back-out step and not a post-task).
func (s *Step) IsMain() bool { return s.Class != ClassBackout && s.Class != ClassPost }

// Mutating reports whether running the step may change the world.
func (s *Step) Mutating() bool {
	return s.Kind != nil && s.Kind.Effect() == steps.Mutating
}

// InstructionsIn is the step's instructions evaluated in ctx: the text
// when it is literal or known there, else its source.
func (s *Step) InstructionsIn(ctx *hcl.EvalContext) string {
	if s.InstructionsExpr == nil {
		return s.Instructions
	}
	v, diags := s.InstructionsExpr.Value(ctx)
	if diags.HasErrors() || !v.IsWhollyKnown() || v.IsNull() || v.IsMarked() || v.Type() != cty.String {
		return s.Instructions
	}
	return v.AsString()
}

// Variable returns the variable called name, or nil.
func (r *Runbook) Variable(name string) *Variable {
	if i := slices.IndexFunc(r.Variables, func(v *Variable) bool { return v.Name == name }); i >= 0 {
		return r.Variables[i]
	}
	return nil
}

// ApprovalOutputType is the output of approval and manual steps: who
// approved (or confirmed) and their comment.
var ApprovalOutputType = cty.Object(map[string]cty.Type{
	"approved_by": cty.List(cty.String),
	"comment":     cty.String,
})

// OutputType is the type of step.<name>.output: the kind's output type for
// checks, actions, waits (the last observation), back-out and post steps;
// bool for decisions; ApprovalOutputType for approvals and manual steps; a
// map of those by key for a for_each step.
func (s *Step) OutputType() cty.Type {
	t := s.instanceOutputType()
	if s.ForEach != nil && t != cty.DynamicPseudoType {
		return cty.Map(t)
	}
	return t
}

// instanceOutputType is the output type of one run of the step.
func (s *Step) instanceOutputType() cty.Type {
	switch s.Class {
	case ClassDecision:
		return cty.Bool
	case ClassApproval, ClassManual:
		return ApprovalOutputType
	}
	if s.Kind == nil {
		return cty.DynamicPseudoType
	}
	if t := s.Kind.OutputType(); t != cty.NilType {
		return t
	}
	return cty.DynamicPseudoType
}

// UnknownOutput is the step's output before it has run: an unknown value
// of its output type, marked sensitive when the output is.
func (s *Step) UnknownOutput() cty.Value {
	return unknownOf(s.OutputType(), s.SensitiveOutput)
}

// BackoutSteps returns the back-out steps in the order a back-out runs
// them: the reverse of order (an order of the graph's steps) of the steps
// they undo, then those that undo nothing; declaration order among equals.
func (r *Runbook) BackoutSteps(order []string) []*Step {
	index := make(map[string]int, len(order))
	for i, n := range order {
		index[n] = i
	}
	pos := func(s *Step) int {
		if i, ok := index[s.Undoes]; ok && s.Undoes != "" {
			return i
		}
		return -1
	}
	var list []*Step
	for _, s := range r.Steps {
		if s.Class == ClassBackout {
			list = append(list, s)
		}
	}
	sort.SliceStable(list, func(i, j int) bool { return pos(list[i]) > pos(list[j]) })
	return list
}

// ExprText returns an expression's source text with whitespace collapsed,
// for plans, skip reasons and errors; "(expression)" when the source is
// not at hand, "" for a nil expression.
func (r *Runbook) ExprText(e hcl.Expression) string {
	if e == nil {
		return ""
	}
	rng := e.Range()
	src, ok := r.Source(rng.Filename)
	if !ok || rng.End.Byte > len(src) || rng.Start.Byte < 0 || rng.Start.Byte >= rng.End.Byte {
		return "(expression)"
	}
	return strings.Join(strings.Fields(string(src[rng.Start.Byte:rng.End.Byte])), " ")
}
