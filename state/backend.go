package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/batonhq/baton/internal/identity"
)

// Backend is the state contract: what the engine, the review, the rehearsal
// and the CLI depend on. The bbolt Store is its embedded implementation;
// the served client (package state/served) and any team backend implement
// it too, and prove it with statetest.Run.
//
// The contract:
//
//   - Run ownership. Only the holder of a run's Lease writes the run's
//     record, its step records and its logs. A Lease names its holder
//     (Holder: host, process, user, since) and carries a fencing token
//     that every owner write is checked against, in the same transaction
//     as the write. CreateRun and AcquireRun grant it; a second AcquireRun
//     is refused with an *OwnedError naming the holder while the holder
//     may be alive, and takes the lease over (journaled as
//     "run.owner_taken_over") once the holder is provably gone: on the
//     same host its process no longer exists, on any host its last Renew
//     is older than its TTL. After a takeover, supersede or release the
//     old token writes nothing: ErrLeaseLost.
//   - Answers. Approvals, rejections, resolutions and cancel requests are
//     written by anyone with Answer, as journal entries carrying a typed
//     *Answer; they never modify a record. The owner reads them with
//     JournalSince and acts on them; an answer that is not in the
//     journal counts for nothing.
//   - The journal is the source of truth. Every owner write stores a record
//     and the journal entry describing it in one transaction; the entry
//     holds the digest of the record as stored (RecordDigest), so
//     VerifyJournal detects an edited journal and an edited record alike.
//   - Site locks belong to runs. A lock is held by its run until the run
//     ends or is superseded, whether or not a process is attached. Locks
//     of ended runs are free.
//   - Plans are spent once. A run created from a saved plan (Run.PlanDigest,
//     not a rehearsal) records the plan as spent; a second CreateRun of the
//     same plan fails with a *PlanSpentError unless it names the earlier run
//     as the one it replaces (CreateOptions.Respend).
//   - The store never receives a secret: the engine removes them first, and
//     the conformance suite scans the raw bytes for a planted canary.
type Backend interface {
	Reader

	// CreateRun stores a new run, its step records and its first journal
	// entry, takes the run's lock (Run.LockKey) if any and records a spent
	// plan, all in one transaction, and grants the ownership lease.
	CreateRun(run Run, steps []StepRecord, entry JournalEntry, opts CreateOptions) (Lease, error)
	// AcquireRun takes the ownership lease of a run that has not ended, as
	// described above. now is the caller's wall-clock time.
	AcquireRun(runID string, h Holder, now time.Time) (Lease, error)
	// Answer appends an answer to the run's journal (entry.Answer set,
	// entry.Type "answer.<kind>") after checking it against the stored
	// state: the run has not ended, an approval answers a step awaiting
	// it, once per person, a resolution a step in doubt. It returns the
	// entry as stored.
	Answer(runID string, entry JournalEntry) (JournalEntry, error)
	// Supersede ends a run whose owner is not live (paused, or its process
	// provably gone): it is marked superseded with who, when and why,
	// its lease is fenced off and its lock released. Used by
	// `unlock --supersede` and `apply --force`.
	Supersede(runID string, entry JournalEntry, now time.Time) error
	// Close releases the backend.
	Close() error
}

// Reader is the read side of the contract, which never blocks an owner.
type Reader interface {
	Run(id string) (Run, error)
	// Runs returns all runs, newest first.
	Runs() ([]Run, error)
	Steps(runID string) ([]StepRecord, error)
	Step(runID, name string) (StepRecord, error)
	Journal(runID string) ([]JournalEntry, error)
	// JournalSince returns the entries after seq, each verified to chain
	// onto its predecessor.
	JournalSince(runID string, seq uint64) ([]JournalEntry, error)
	// VerifyJournal verifies the hash chain and every record against the
	// digest its last journal entry holds; it returns the head hash.
	VerifyJournal(runID string) (head string, err error)
	Logs(runID, step string) ([]byte, error)
	Locks() ([]LockHolder, error)
	Lock(key string) (LockHolder, error)
	// PlanSpender returns the run a saved plan started, or ErrNotFound.
	PlanSpender(planDigest string) (string, error)
}

// Lease is a run's ownership: the only way to write its records.
type Lease interface {
	RunID() string
	Token() uint64
	// PutSteps records transitions of steps: each record with its journal
	// entry (Step defaults to the record's name), all in one transaction.
	PutSteps(recs []StepRecord, entries []JournalEntry) error
	// UpdateRun replaces the run record and appends entry.
	UpdateRun(run Run, entry JournalEntry) error
	// Append adds an entry that changes no record.
	Append(entry JournalEntry) error
	AppendLog(step string, chunk []byte) error
	// Renew extends the lease from now (the heartbeat).
	Renew(now time.Time) error
	// Release gives the lease up (the run paused or ended); the run record
	// written last says which.
	Release() error
}

// CreateOptions qualify CreateRun.
type CreateOptions struct {
	Owner Holder
	// ForceLock supersedes the run holding Run.LockKey if its owner is not
	// live (see Supersede); Supersede is the journal entry written into it.
	ForceLock bool
	Supersede JournalEntry
	// Respend names the run that spent the same plan before and that this
	// run replaces; the engine checks that it reached no point of no return.
	Respend string
}

// Holder names who holds a lease or started a command.
type Holder struct {
	Host string `json:"host"`
	PID  int    `json:"pid"`
	// ProcStart identifies the process beyond its pid (its start time as
	// the OS reports it), so a reused pid is not mistaken for the holder.
	ProcStart string    `json:"proc_start,omitempty"`
	User      string    `json:"user"`
	Since     time.Time `json:"since"`
}

// Owner is the lease recorded in a run.
type Owner struct {
	Holder
	Token   uint64        `json:"token"`
	Renewed time.Time     `json:"renewed"`
	TTL     time.Duration `json:"ttl"`
}

// DefaultLeaseTTL is how long a lease lives without Renew.
const DefaultLeaseTTL = 30 * time.Second

// Gone reports whether the owner is provably gone at now: its process on
// this host no longer exists, or its heartbeat lapsed past the TTL.
func (o Owner) Gone(now time.Time) bool {
	if o.Token == 0 {
		return true
	}
	if !HolderAlive(o.Holder) {
		return true
	}
	ttl := o.TTL
	if ttl <= 0 {
		ttl = DefaultLeaseTTL
	}
	return !o.Renewed.IsZero() && now.Sub(o.Renewed) > ttl
}

// AnswerKind is what an answer decides.
type AnswerKind string

// Answer kinds.
const (
	AnswerApprove AnswerKind = "approve"
	AnswerReject  AnswerKind = "reject"
	AnswerResolve AnswerKind = "resolve"
	AnswerCancel  AnswerKind = "cancel"
	// AnswerOverrideWindow and AnswerAcceptChanges are decisions the
	// operator makes when resuming: the resuming owner journals them
	// (Backend.Answer refuses them).
	AnswerOverrideWindow AnswerKind = "override_window"
	AnswerAcceptChanges  AnswerKind = "accept_changes"
)

// Answer is a decision from anyone, journaled; the run's owner applies it.
type Answer struct {
	Kind AnswerKind `json:"kind"`
	By   string     `json:"by"`
	// Resolution: "succeeded", "failed" or "retry" (AnswerResolve).
	Resolution string `json:"resolution,omitempty"`
	Comment    string `json:"comment,omitempty"`
	PlanDigest string `json:"plan_digest,omitempty"`
	// SourcesDigest is the source digest an AnswerAcceptChanges accepts.
	SourcesDigest string `json:"sources_digest,omitempty"`
	// Signed is the signed decision (internal/signing's file format) when
	// the answer is signed: the statement and its SSH signature.
	Signed json.RawMessage `json:"signed,omitempty"`
}

// ApprovalPolicy is the rule an approval step asked under, recorded when it
// asks so that any process enforces the same rule.
type ApprovalPolicy struct {
	Approvers      []string `json:"approvers,omitempty"`
	MinApprovals   int      `json:"min_approvals"`
	AllowRequester bool     `json:"allow_requester"`
	Requester      string   `json:"requester"`
}

// Allows reports whether by may answer a step asked under the policy: one
// of its approvers when it names any, and not the requester unless allowed.
func (p ApprovalPolicy) Allows(by string) bool {
	return p.Lists(by) && !p.BarsRequester(by)
}

// Lists reports whether the policy names by among its approvers, or names
// none (anyone may answer).
func (p ApprovalPolicy) Lists(by string) bool {
	return len(p.Approvers) == 0 || slices.ContainsFunc(p.Approvers, func(a string) bool { return SameName(a, by) })
}

// BarsRequester reports whether by is the run's requester and the policy
// does not let the requester answer.
func (p ApprovalPolicy) BarsRequester(by string) bool {
	return !p.AllowRequester && SameName(by, p.Requester)
}

// SameName reports whether two user names are the same person, in the one
// normalised form baton compares names in (identity.Same: case-folded, a
// DOMAIN\ prefix ignored when one side has none).
func SameName(a, b string) bool { return identity.Same(a, b) }

// More errors of the contract.
var (
	// ErrLeaseLost: the write came from a lease that was taken over,
	// superseded or released.
	ErrLeaseLost = errors.New("the run's ownership lease was lost")
	// ErrOwned: another live holder owns the run (see *OwnedError).
	ErrOwned = errors.New("the run is owned by another process")
	// ErrPlanSpent: the plan already started a run (see *PlanSpentError).
	ErrPlanSpent = errors.New("the plan was already applied")
	// ErrSuperseded: the run was superseded and can never act again.
	ErrSuperseded = errors.New("the run was superseded")
)

// OwnedError says who owns a run.
type OwnedError struct {
	RunID string
	Owner Owner
}

func (e *OwnedError) Error() string {
	o := e.Owner
	return fmt.Sprintf("run %s is being executed by pid %d on %s (user %s, since %s, last heartbeat %s); wait for it, or stop that process: a resume takes over only once it is gone",
		e.RunID, o.PID, o.Host, o.User, o.Since.UTC().Format(time.RFC3339), o.Renewed.UTC().Format(time.RFC3339))
}

// Unwrap makes errors.Is(err, ErrOwned) true.
func (e *OwnedError) Unwrap() error { return ErrOwned }

// PlanSpentError names the run a plan started.
type PlanSpentError struct {
	PlanDigest, RunID string
}

func (e *PlanSpentError) Error() string {
	return fmt.Sprintf("plan %s was already applied: it started run %s (see baton status %s); a change board approves one change: make and approve a new plan, or, if that run ended before any point of no return, apply again with --respend %s",
		short(e.PlanDigest), e.RunID, e.RunID, e.RunID)
}

// Unwrap makes errors.Is(err, ErrPlanSpent) true.
func (e *PlanSpentError) Unwrap() error { return ErrPlanSpent }

func short(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	return d
}

var _ Backend = (*Store)(nil)
