// Package steps defines what a step type is: its argument schema, its
// output type, how it describes itself in a plan and how it runs. Step
// types and target types live in sub-packages and are collected in a
// Registry; the engine knows them only through these interfaces.
//
// # Rehearsal capabilities
//
// A rehearsal runs a runbook without touching the world. Whether a step
// may run in one is a capability of its type, declared by implementing a
// small optional interface; the engine asks the capability, never a name:
//
//   - [Pure]: the type touches nothing outside the run (assert, sleep,
//     noop), so a rehearsal runs it as it is.
//   - [StandIn]: the type reaches outside (notify posts over HTTP) but
//     offers a kind that shows what it would do instead of doing it; a
//     rehearsal runs that kind in its place.
//   - Simulated: the type acts through a target (TargetType is not "")
//     and the rehearsal supplies a simulated target of that type (a
//     simulated ConfigMgr site); no interface is needed.
//
// Any other step is skipped in a rehearsal as "not simulated".
package steps

import (
	"context"
	"io"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// Effect says whether running a step type changes the world.
type Effect int

const (
	// ReadOnly steps only observe; they may run while planning, and are
	// simply run again when a crash interrupted them.
	ReadOnly Effect = iota
	// Mutating steps change the world; they record intent before running
	// and are "in doubt" when a crash interrupted them.
	Mutating
)

func (e Effect) String() string {
	if e == ReadOnly {
		return "read-only"
	}
	return "mutating"
}

// Clock is the time source a step must use (never time.Now or time.Sleep),
// so that rehearsals on a virtual clock take no real time.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

// Kind is one step type, such as "sql", "exec" or "configmgr_promote".
type Kind interface {
	// Name is the type's name as written in a runbook (uses = "sql").
	Name() string
	// Doc is a one-line description for help and plans.
	Doc() string
	// Effect says whether the type changes the world.
	Effect() Effect
	// TargetType is the type of target the step acts through ("configmgr",
	// "mssql"...), or "" when it needs none.
	TargetType() string
	// Spec is the schema of the step's arguments, decoded with hcldec.
	Spec() hcldec.Spec
	// OutputType is the type of the step's output, so that plans can
	// type-check references before the step has run. cty.DynamicPseudoType
	// when the shape is only known at run time.
	OutputType() cty.Type
	// Describe says exactly what the step will do with args, for plans and
	// reviews. args may hold unknown and sensitive-marked values: render
	// them with Show, never with %v.
	Describe(args cty.Value) Description
	// Run performs the step. req.Args is wholly known and unmarked.
	Run(ctx context.Context, req Request) (cty.Value, error)
}

// Description is what a plan shows for a step.
type Description struct {
	// Summary is one line: "promote m2.contoso.com to active site server".
	Summary string
	// Details are labelled blocks shown verbatim: the T-SQL and its
	// parameters, the command line, the HTTP request.
	Details []Detail
}

// Detail is one labelled block of a Description.
type Detail struct {
	Label string // "T-SQL", "parameters", "PowerShell", "request"
	Text  string
}

// Request is everything a step gets when it runs.
type Request struct {
	// Args are the decoded arguments, wholly known and unmarked.
	Args cty.Value
	// Target is the opened target the step acts through (nil when
	// TargetType is ""). Its concrete type is defined by the target kind.
	Target Target
	// Clock is the only time source the step may use.
	Clock Clock
	// Log is the step's logger; never log argument values that may be
	// secrets.
	Log hclog.Logger
	// Output receives the step's captured output (bounded and redacted by
	// the engine).
	Output io.Writer
	// RunID, Step and Attempt identify this execution.
	RunID   string
	Step    string
	Attempt int
	// IdempotencyKey is stable across retries and resumes of one step of
	// one run; actions pass it on where the remote side supports it.
	IdempotencyKey string
	// OnProcess, when set, is called by step types that run a program,
	// right after it started, so the engine can record it durably: a
	// resume then knows whether the attempt is still running. nil means
	// nobody listens.
	OnProcess func(p Process)
}

// Process identifies a program a step started.
type Process struct {
	// PID is the process id on the runner.
	PID int
	// Start is the process's OS start time (internal/proc.Start), so a
	// reused pid is told apart; "" where the platform cannot tell.
	Start string
}

// Target is an opened connection a step acts through: a site database, an
// SMS Provider, a simulated site.
type Target interface {
	Close() error
}

// TargetKind is one type of target block ("configmgr", "mssql", "http").
type TargetKind interface {
	Name() string
	Doc() string
	// Spec is the schema of the target block's arguments.
	Spec() hcldec.Spec
	// Describe renders the target for plans; secrets are shown as
	// (sensitive).
	Describe(args cty.Value) Description
	// Open connects. args is wholly known and unmarked. Open must respect
	// ctx even where a driver does not.
	Open(ctx context.Context, args cty.Value, log hclog.Logger) (Target, error)
}

// Pure is implemented by step types that touch nothing outside the run
// (assert, sleep, noop): a rehearsal runs them as they are. Pure is a
// marker; its method does nothing.
type Pure interface {
	Pure()
}

// StandIn is implemented by step types that reach outside the run but can
// be shown instead of done (a notify that writes its message to the step's
// captured output instead of posting it). RehearsalStandIn returns the
// kind a rehearsal runs in the type's place: same arguments, same output
// type, acting on nothing.
type StandIn interface {
	RehearsalStandIn() Kind
}

// TypedOutput is implemented by step types whose output type depends on
// their arguments (a sql query's declared columns); planners and the
// loader use it, when args are known, to type-check references precisely.
type TypedOutput interface {
	OutputTypeFor(args cty.Value) cty.Type
}
