package plan

import (
	"errors"
	"slices"
	"time"
)

// FormatVersion is the version of the plan JSON document and saved plan
// file. A reader accepts every 1.x document; a change that old readers
// would misread bumps the major version.
const FormatVersion = "1.0"

// FileType marks a saved plan file, so that a foreign JSON file is
// recognised as such.
const FileType = "baton-plan"

// Exit codes of `baton plan` (documented in docs/plan-format.md).
const (
	ExitNoChanges       = 0 // success; with -detailed-exitcode: nothing would change
	ExitError           = 1 // any error
	ExitChanges         = 2 // with -detailed-exitcode: success, and actions would run
	ExitPreflightFailed = 6 // a check run at plan time failed (and does not continue)
)

// What a plan says about a step.
const (
	WillRun    = "will_run"
	MayRun     = "may_run"
	WillNotRun = "will_not_run"
)

// Check observation statuses.
const (
	CheckPassed = "passed"
	CheckFailed = "failed"
	CheckError  = "error"
)

// Plan is the dry-run plan of one runbook with one set of inputs. The
// field order is the canonical JSON order; see docs/plan-format.md.
type Plan struct {
	Type          string `json:"type"`
	FormatVersion string `json:"format_version"`
	EngineVersion string `json:"engine_version"`
	// PlanDigest is the plan's semantic identity as computed when the plan
	// was built: see (*Plan).Digest.
	PlanDigest string `json:"digest"`
	// PlannedAt is when the plan was made (RFC 3339); empty when the
	// planner had no clock. It is not part of the digest.
	PlannedAt string `json:"planned_at,omitempty"`

	Runbook      Runbook  `json:"runbook"`
	Inputs       []Input  `json:"inputs"`
	InputsDigest string   `json:"inputs_digest"`
	Target       string   `json:"target,omitempty"`
	Refreshed    bool     `json:"refreshed"`
	Targets      []Target `json:"targets"`

	// Steps are the main (forward) steps in execution order.
	Steps []*Step `json:"steps"`
	// Backout is the back-out path, in the order it would run.
	Backout Backout `json:"backout"`
	// Post are the post-tasks, in execution order.
	Post []*Step `json:"post"`
	// Facts are the runtime facts that decide branches, sorted by path.
	Facts []Fact `json:"facts"`
	// Systems are the downstream systems the refreshed checks discovered
	// (secondary sites, site system roles, SMS Providers), sorted.
	Systems []System `json:"systems,omitempty"`

	Window   *Window  `json:"window,omitempty"`
	Duration Duration `json:"duration"`
	Summary  Summary  `json:"summary"`
}

// Runbook identifies the planned runbook and its sources.
type Runbook struct {
	Name         string `json:"name"`
	Path         string `json:"path"`
	Title        string `json:"title,omitempty"`
	Version      string `json:"version,omitempty"`
	SourceDigest string `json:"source_digest"`
	Files        []File `json:"files"`
}

// File is one source file and its SHA-256.
type File struct {
	Path   string `json:"path"`
	Digest string `json:"digest"`
}

// Input is one input variable. A sensitive input has no value, only a
// salted hash.
type Input struct {
	Name      string `json:"name"`
	Sensitive bool   `json:"sensitive"`
	// Display is the value as shown to people ("(sensitive)" for secrets).
	Display string `json:"display"`
	// Value is the JSON of the value; empty when sensitive.
	Value string `json:"value,omitempty"`
	Hash  string `json:"hash"`
}

// Target is a declared target as the plan shows it.
type Target struct {
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	Summary string   `json:"summary,omitempty"`
	Details []Detail `json:"details,omitempty"`
}

// Detail is a labelled block of a step's or target's description.
type Detail struct {
	Label string `json:"label"`
	Text  string `json:"text"`
}

// Step is one step as planned.
type Step struct {
	Name        string   `json:"name"`
	Class       string   `json:"class"`
	Uses        string   `json:"uses,omitempty"`
	Description string   `json:"description,omitempty"`
	Refs        []string `json:"refs,omitempty"`
	Deps        []string `json:"deps,omitempty"`
	Target      string   `json:"target,omitempty"`
	Mutating    bool     `json:"mutating"`

	// Action is WillRun, MayRun or WillNotRun; Reason says why (for may
	// run and will not run).
	Action string `json:"action"`
	Reason string `json:"reason,omitempty"`
	// Condition is the source text of the step's when; DecidedBy are the
	// paths of the facts that decide whether it runs (see Plan.Facts).
	Condition string   `json:"condition,omitempty"`
	DecidedBy []string `json:"decided_by,omitempty"`

	// Summary and Details are what the step type says it will do.
	Summary string   `json:"summary,omitempty"`
	Details []Detail `json:"details,omitempty"`

	PointOfNoReturn bool   `json:"point_of_no_return,omitempty"`
	ExpectedSeconds int64  `json:"expected_seconds,omitempty"`
	TimeoutSeconds  int64  `json:"timeout_seconds,omitempty"`
	Retry           *Retry `json:"retry,omitempty"`
	OnFailure       string `json:"on_failure,omitempty"`
	Idempotent      bool   `json:"idempotent,omitempty"`
	// Always: the step runs whatever its dependencies did.
	Always           bool     `json:"always,omitempty"`
	Verify           *Verify  `json:"verify,omitempty"`
	Asserts          []string `json:"asserts,omitempty"`
	Wait             *Wait    `json:"wait,omitempty"`
	Approval         *Gate    `json:"approval,omitempty"`
	Manual           *Manual  `json:"manual,omitempty"`
	Decision         *Choice  `json:"decision,omitempty"`
	Undoes           string   `json:"undoes,omitempty"`
	Check            *Check   `json:"check,omitempty"`
	ForEach          *ForEach `json:"for_each,omitempty"`
	WorstCaseSeconds int64    `json:"worst_case_seconds"`
}

// ForEach is what a plan says of a for_each step: the list it iterates
// over and, on an instance planned from a list known at plan time, its
// step and key. A step planned without Of stands for every instance.
type ForEach struct {
	Over string `json:"over"`
	Of   string `json:"of,omitempty"`
	Key  string `json:"key,omitempty"`
}

// Retry is a step's retry policy.
type Retry struct {
	Attempts        int   `json:"attempts"`
	BackoffSeconds  int64 `json:"backoff_seconds,omitempty"`
	MaxDelaySeconds int64 `json:"max_delay_seconds,omitempty"`
}

// Verify is how an action's effect is confirmed after a crash.
type Verify struct {
	Uses      string   `json:"uses"`
	Target    string   `json:"target,omitempty"`
	Summary   string   `json:"summary,omitempty"`
	Details   []Detail `json:"details,omitempty"`
	Condition string   `json:"condition"`
}

// Wait is what a wait step polls for.
type Wait struct {
	Until           string `json:"until"`
	FailIf          string `json:"fail_if,omitempty"`
	IntervalSeconds int64  `json:"interval_seconds"`
	TimeoutSeconds  int64  `json:"timeout_seconds"`
	// StableForSeconds is how long until must hold on every poll (0: the
	// first poll where it holds ends the wait).
	StableForSeconds int64 `json:"stable_for_seconds,omitempty"`
}

// Gate is an approval (or the confirmation of a manual step).
type Gate struct {
	Approvers           []string `json:"approvers,omitempty"`
	MinApprovals        int      `json:"min_approvals"`
	AllowRequester      bool     `json:"allow_requester"`
	ExpiresAfterSeconds int64    `json:"expires_after_seconds,omitempty"`
	Instructions        string   `json:"instructions,omitempty"`
}

// Manual is work a person does by hand.
type Manual struct {
	Instructions string `json:"instructions"`
	Reason       string `json:"reason,omitempty"`
	Gate
}

// Choice is a decision: its condition and, when known at plan time, its
// value ("true" or "false").
type Choice struct {
	Condition string   `json:"condition"`
	Value     string   `json:"value,omitempty"`
	DecidedBy []string `json:"decided_by,omitempty"`
}

// Check is what a check observed when it ran at plan time (refresh).
type Check struct {
	Status string `json:"status"` // CheckPassed, CheckFailed, CheckError
	// Message is the failed assertion's message or the error.
	Message string `json:"message,omitempty"`
	// Observation is the check's output, rendered with steps.Show.
	Observation string `json:"observation,omitempty"`
	// Blocks is true when the failure stops the run (on_failure is not
	// "continue").
	Blocks bool `json:"blocks,omitempty"`
}

// Fact is a runtime fact that decides a branch: a step output referenced,
// directly or through a decision, by a when.
type Fact struct {
	Path  string `json:"path"` // step.site.output.type
	Step  string `json:"step"`
	Known bool   `json:"known"`
	// Value is the value rendered with steps.Show ("(known at run time)",
	// "(sensitive)").
	Value string `json:"value"`
	// Hash identifies the value without showing it (sensitive facts are
	// compared by hash); empty when not known.
	Hash string `json:"hash,omitempty"`
	// Decides are the steps whose running depends on the fact.
	Decides []string `json:"decides"`
}

// System is a downstream system discovered at plan time.
type System struct {
	Role string `json:"role"` // "secondary site", "SMS Provider", a site system role
	Name string `json:"name"` // server or site
	Site string `json:"site,omitempty"`
	From string `json:"from"` // the step that observed it
}

// Backout is the planned back-out path.
type Backout struct {
	Summary          string  `json:"summary,omitempty"`
	Trigger          string  `json:"trigger,omitempty"`
	RestoredState    string  `json:"restored_state,omitempty"`
	Steps            []*Step `json:"steps"`
	ExpectedSeconds  int64   `json:"expected_seconds"`
	WorstCaseSeconds int64   `json:"worst_case_seconds"`
}

// Window is the declared change window, when its bounds are known.
type Window struct {
	Start         string `json:"start"`
	End           string `json:"end"`
	LengthSeconds int64  `json:"length_seconds"`
	// FitsExpected: expected duration + expected back-out time fit.
	FitsExpected bool `json:"fits_expected"`
	// FitsWorstCase: worst case + worst-case back-out time fit.
	FitsWorstCase bool `json:"fits_worst_case"`
}

// Duration estimates how long the change takes.
type Duration struct {
	// ExpectedSeconds is the critical path of expected durations over the
	// main steps that will or may run.
	ExpectedSeconds int64 `json:"expected_seconds"`
	// WorstCaseSeconds is the critical path with timeouts, every retry,
	// waits at their timeout and approvals at their expiry.
	WorstCaseSeconds int64    `json:"worst_case_seconds"`
	CriticalPath     []string `json:"critical_path"`
	BackoutSeconds   int64    `json:"backout_seconds"`
	// Notes say what the estimates leave out.
	Notes []string `json:"notes,omitempty"`
}

// Summary counts what the plan does.
type Summary struct {
	WillRun          int  `json:"will_run"`
	MayRun           int  `json:"may_run"`
	WillNotRun       int  `json:"will_not_run"`
	Actions          int  `json:"actions"`
	PointsOfNoReturn int  `json:"points_of_no_return"`
	Approvals        int  `json:"approvals"`
	Manual           int  `json:"manual"`
	ChecksPassed     int  `json:"checks_passed"`
	ChecksFailed     int  `json:"checks_failed"`
	HasChanges       bool `json:"has_changes"`
	PreflightFailed  bool `json:"preflight_failed"`
}

// PreflightFailed reports whether a check run at plan time failed and its
// on_failure is not "continue": apply would stop there.
func (p *Plan) PreflightFailed() bool {
	return slices.ContainsFunc(p.Steps, func(s *Step) bool { return s.Check != nil && s.Check.Blocks })
}

// HasChanges reports whether any action, back-out or post step will or may
// run.
func (p *Plan) HasChanges() bool {
	return slices.ContainsFunc(p.AllSteps(), func(s *Step) bool {
		return s.Action != WillNotRun && slices.Contains([]string{"action", "backout", "post"}, s.Class)
	})
}

// ExitCode is the exit status of `baton plan` for a plan built without
// error: ExitPreflightFailed when a blocking check failed, else with
// detailed, ExitChanges when the plan has changes, else ExitNoChanges.
func (p *Plan) ExitCode(detailed bool) int {
	switch {
	case p.PreflightFailed():
		return ExitPreflightFailed
	case detailed && p.HasChanges():
		return ExitChanges
	}
	return ExitNoChanges
}

// AllSteps returns the main steps, then the back-out steps, then the
// post-tasks.
func (p *Plan) AllSteps() []*Step { return slices.Concat(p.Steps, p.Backout.Steps, p.Post) }

// Step returns the planned step called name, or nil.
func (p *Plan) Step(name string) *Step {
	for _, s := range p.AllSteps() {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// ErrStale is wrapped by the error CheckStale returns.
var ErrStale = errors.New("the saved plan is stale")

func seconds(d time.Duration) int64 { return int64(d / time.Second) }
