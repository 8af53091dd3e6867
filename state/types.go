package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// RunStatus is the state of a whole run.
type RunStatus string

// Run states.
const (
	RunRunning   RunStatus = "running"
	RunPaused    RunStatus = "paused"
	RunSucceeded RunStatus = "succeeded"
	RunFailed    RunStatus = "failed"
	RunCancelled RunStatus = "cancelled"
	RunBackedOut RunStatus = "backed_out"
	// RunSuperseded: another run took the site over (Supersede); the run
	// can never resume or act again.
	RunSuperseded RunStatus = "superseded"
)

// Done reports whether the run has ended for good.
func (s RunStatus) Done() bool {
	return s == RunSucceeded || s == RunFailed || s == RunCancelled || s == RunBackedOut || s == RunSuperseded
}

// StepStatus is the state of one step of a run.
type StepStatus string

// Step states.
const (
	StepPending          StepStatus = "pending"
	StepRunning          StepStatus = "running"
	StepSucceeded        StepStatus = "succeeded"
	StepFailed           StepStatus = "failed"
	StepSkipped          StepStatus = "skipped"
	StepWaiting          StepStatus = "waiting"
	StepAwaitingApproval StepStatus = "awaiting_approval"
	StepInDoubt          StepStatus = "in_doubt"
	StepCancelled        StepStatus = "cancelled"
)

// Done reports whether the step has reached a final state.
func (s StepStatus) Done() bool {
	return s == StepSucceeded || s == StepFailed || s == StepSkipped || s == StepCancelled
}

// Run is one execution of a runbook.
type Run struct {
	ID           string            `json:"id"` // sorts by creation time
	Runbook      string            `json:"runbook"`
	RunbookPath  string            `json:"runbook_path"`
	Version      string            `json:"version,omitempty"`
	SourceDigest string            `json:"source_digest"`          // digest of every source file
	SourceFiles  map[string]string `json:"source_files,omitempty"` // file -> digest
	PlanDigest   string            `json:"plan_digest,omitempty"`  // when started from a saved plan
	// Planned is what that plan said of each step it names (will_run,
	// may_run, will_not_run): the run never starts a step the plan said
	// will not run, nor one it does not name.
	Planned       map[string]string `json:"planned,omitempty"`
	InputsDigest  string            `json:"inputs_digest,omitempty"` // sensitive inputs enter only as digests
	Inputs        map[string]string `json:"inputs,omitempty"`        // display values; sensitive ones "(sensitive)"
	Target        string            `json:"target,omitempty"`        // "live" or "fixture:NAME[/scenario]"
	Rehearsal     bool              `json:"rehearsal,omitempty"`
	LockKey       string            `json:"lock_key,omitempty"`
	Requester     string            `json:"requester"`
	Host          string            `json:"host"`
	PID           int               `json:"pid"`
	EngineVersion string            `json:"engine_version"`
	Status        RunStatus         `json:"status"`
	Reason        string            `json:"reason,omitempty"` // why paused, failed or cancelled
	// CancelRequested is set by the owner once it read a cancel answer;
	// it stops at the next safe point.
	CancelRequested bool   `json:"cancel_requested,omitempty"`
	CancelledBy     string `json:"cancelled_by,omitempty"`
	// AllowedSigners names the allowed-signers file the run counts signed
	// decisions against, and AllowedSignersDigest pins its content; both
	// empty when the run takes unsigned answers.
	AllowedSigners       string `json:"allowed_signers,omitempty"`
	AllowedSignersDigest string `json:"allowed_signers_digest,omitempty"`
	// StartSigned is the requester's signed start of the run (a "start"
	// statement binding run, plan and sources), and RequesterKey its key's
	// fingerprint: where a runbook forbids self-approval, no approval
	// signed with that key counts, whatever name it claims.
	StartSigned  json.RawMessage `json:"start_signed,omitempty"`
	RequesterKey string          `json:"requester_key,omitempty"`
	// Owner is the ownership lease; nil while no process executes the run.
	Owner *Owner `json:"owner,omitempty"`
	// Superseded says who superseded the run, when and why.
	Superseded *Supersession `json:"superseded,omitempty"`
	CreatedAt  time.Time     `json:"created_at"`
	UpdatedAt  time.Time     `json:"updated_at"`
	FinishedAt time.Time     `json:"finished_at,omitzero"`
	// Deadline is the run-wide timeout, zero when none.
	Deadline time.Time `json:"deadline,omitzero"`
}

// StepRecord is the durable state of one step of a run.
type StepRecord struct {
	Name           string     `json:"name"`
	Status         StepStatus `json:"status"`
	Attempt        int        `json:"attempt,omitempty"`
	IdempotencyKey string     `json:"idempotency_key,omitempty"`
	StartedAt      time.Time  `json:"started_at,omitzero"`
	FinishedAt     time.Time  `json:"finished_at,omitzero"`
	// Deadline is when a wait times out or an approval expires; it
	// survives crashes so that a resumed wait keeps its original deadline.
	Deadline time.Time `json:"deadline,omitzero"`
	// NextAttemptAt is when a retry or the next poll is due.
	NextAttemptAt time.Time `json:"next_attempt_at,omitzero"`
	Error         string    `json:"error,omitempty"`
	Reason        string    `json:"reason,omitempty"` // skip reason, resolution reason
	// Output is the step's output, encoded by the engine (secrets already
	// removed); OutputDigest is its SHA-256.
	Output       []byte      `json:"output,omitempty"`
	OutputDigest string      `json:"output_digest,omitempty"`
	Approvals    []Approval  `json:"approvals,omitempty"`
	Resolution   *Resolution `json:"resolution,omitempty"`
	// Cause is why a step was skipped, as a typed value.
	Cause SkipCause `json:"cause,omitempty"`
	// Policy is the approval rule the step asked under.
	Policy *ApprovalPolicy `json:"policy,omitempty"`
	// Process is the child process the current attempt started, so that
	// a resume can tell whether it still runs.
	Process *ChildProcess `json:"process,omitempty"`
	// Instances are the steps a for_each step expanded into, in order,
	// recorded when it expands; the step ends when all of them have.
	Instances []string `json:"instances,omitempty"`
}

// SkipCause is why a step was skipped.
type SkipCause string

// Skip causes.
const (
	SkipDependencyFailed SkipCause = "dependency_failed"
	SkipBranch           SkipCause = "branch_not_taken"
	SkipWhenFalse        SkipCause = "when_false"
	SkipRunStopped       SkipCause = "run_stopped"
	SkipNotSimulated     SkipCause = "not_simulated"
	SkipNotNeeded        SkipCause = "not_needed"
)

// ChildProcess identifies a process an action started.
type ChildProcess struct {
	PID int `json:"pid"`
	// Start is the process's start time as the OS reports it (see
	// ProcStart); with PID it identifies the process.
	Start string    `json:"start,omitempty"`
	Host  string    `json:"host"`
	Since time.Time `json:"since"`
}

// Supersession records who superseded a run.
type Supersession struct {
	By     string    `json:"by"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
	// ByRun is the run that took over, when one did.
	ByRun string `json:"by_run,omitempty"`
}

// Approval is one person's answer to an approval or manual step.
type Approval struct {
	By         string    `json:"by"`
	Decision   string    `json:"decision"` // "approved" or "rejected"
	Comment    string    `json:"comment,omitempty"`
	At         time.Time `json:"at"`
	PlanDigest string    `json:"plan_digest,omitempty"`
}

// Resolution is an operator's decision on an in-doubt step.
type Resolution struct {
	By       string    `json:"by"`
	Decision string    `json:"decision"` // "succeeded", "failed" or "retry"
	Reason   string    `json:"reason"`
	At       time.Time `json:"at"`
}

// JournalEntry is one record of a run's append-only, hash-chained journal.
type JournalEntry struct {
	Seq   uint64            `json:"seq"`
	At    time.Time         `json:"at"`
	Type  string            `json:"type"` // "run.created", "step.running", "approval.given"...
	Step  string            `json:"step,omitempty"`
	Actor string            `json:"actor,omitempty"`
	Data  map[string]string `json:"data,omitempty"` // never secrets
	// Answer is set on answers ("answer.*" entries), Policy on approval
	// requests.
	Answer *Answer         `json:"answer,omitempty"`
	Policy *ApprovalPolicy `json:"policy,omitempty"`
	// Identity is the authenticated OS identity of the process that wrote
	// the entry ("CONTOSO\alice (S-1-5-21-...)", "alice (uid 1000)"),
	// recorded beside any name the command was given (Actor).
	Identity string `json:"identity,omitempty"`
	// RunRecord and StepRecord are the SHA-256 of the run or step record
	// written in the same transaction, as stored (set by the store).
	RunRecord  string `json:"run_record,omitempty"`
	StepRecord string `json:"step_record,omitempty"`
	Prev       string `json:"prev"` // hash of the previous entry ("" for the first)
	Hash       string `json:"hash"` // SHA-256 over every other field (HashEntry)
}

// LockHolder says who holds a lock key.
type LockHolder struct {
	Key   string    `json:"key"`
	RunID string    `json:"run_id"`
	Host  string    `json:"host"`
	PID   int       `json:"pid"`
	User  string    `json:"user"`
	Since time.Time `json:"since"`
}

// Errors callers check with errors.Is.
var (
	// ErrNotFound: no such run, step or lock.
	ErrNotFound = errors.New("not found")
	// ErrBusy: the store cannot be used now: another process holds the
	// state file, no state server answers, or the team store's service is
	// unreachable. The message says which.
	ErrBusy = errors.New("the state store is busy or unreachable")
	// ErrLocked: the lock key is held by another run (see *LockedError).
	ErrLocked = errors.New("lock is held")
	// ErrCorrupt: the file is not a baton state file or is damaged.
	ErrCorrupt = errors.New("state file is corrupt or not a baton state file")
	// ErrNewerFormat: the file was written by a newer baton.
	ErrNewerFormat = errors.New("state file was written by a newer baton")
	// ErrTampered: the journal's hash chain does not verify.
	ErrTampered = errors.New("journal does not verify")
)

// CheckTransition enforces, for every backend, that a step that reached a
// final state never goes back: a finished step is history.
func CheckTransition(runID string, old, rec StepRecord) error {
	if old.Status.Done() && !rec.Status.Done() {
		return fmt.Errorf("step %s of run %s: %w: it already ended (%s) and cannot become %s again", rec.Name, runID, ErrConflict, old.Status, rec.Status)
	}
	return nil
}
