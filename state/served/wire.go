package served

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/batonhq/baton/state"
)

// protocolVersion is sent in the hello; a server refuses another one.
const protocolVersion = 1

// request is one call: op names the method, args its arguments.
type request struct {
	Op   string          `json:"op"`
	Args json.RawMessage `json:"args,omitempty"`
}

// response answers one request. Closing, sent instead of an answer, says
// that the server is shutting down and did not execute the request.
type response struct {
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *wireError      `json:"error,omitempty"`
	Closing bool            `json:"closing,omitempty"`
}

// The operations. Lease operations carry the lease's run id and token.
const (
	opHello         = "hello"
	opRun           = "run"
	opRuns          = "runs"
	opSteps         = "steps"
	opStep          = "step"
	opJournal       = "journal"
	opJournalSince  = "journal_since"
	opVerifyJournal = "verify_journal"
	opLogs          = "logs"
	opLocks         = "locks"
	opLock          = "lock"
	opPlanSpender   = "plan_spender"
	opCreateRun     = "create_run"
	opAcquireRun    = "acquire_run"
	opAnswer        = "answer"
	opSupersede     = "supersede"
	opPutSteps      = "lease.put_steps"
	opUpdateRun     = "lease.update_run"
	opAppend        = "lease.append"
	opAppendLog     = "lease.append_log"
	opRenew         = "lease.renew"
	opRelease       = "lease.release"
	opImport        = "import"
)

// repeatable reports whether executing op twice has the effect of
// executing it once, so that the client may resend it when the server
// stopped before answering: the reads, a heartbeat, a release.
func repeatable(op string) bool {
	switch op {
	case opCreateRun, opAcquireRun, opAnswer, opSupersede,
		opPutSteps, opUpdateRun, opAppend, opAppendLog, opImport:
		return false
	}
	return true
}

type helloArgs struct {
	Secret  string `json:"secret"`
	Version int    `json:"version"`
}

type helloResult struct {
	Version int `json:"version"`
	PID     int `json:"pid"`
}

type runArgs struct {
	RunID string `json:"run_id"`
}

type stepArgs struct {
	RunID string `json:"run_id"`
	Name  string `json:"name"`
}

type sinceArgs struct {
	RunID string `json:"run_id"`
	Seq   uint64 `json:"seq"`
}

type logsArgs struct {
	RunID string `json:"run_id"`
	Step  string `json:"step"`
}

type keyArgs struct {
	Key string `json:"key"`
}

type createArgs struct {
	Run   state.Run           `json:"run"`
	Steps []state.StepRecord  `json:"steps"`
	Entry state.JournalEntry  `json:"entry"`
	Opts  state.CreateOptions `json:"opts"`
}

type acquireArgs struct {
	RunID  string       `json:"run_id"`
	Holder state.Holder `json:"holder"`
	Now    time.Time    `json:"now"`
}

type entryArgs struct {
	RunID string             `json:"run_id"`
	Entry state.JournalEntry `json:"entry"`
	Now   time.Time          `json:"now,omitzero"`
}

// leaseRef names a lease on the wire.
type leaseRef struct {
	RunID string `json:"run_id"`
	Token uint64 `json:"token"`
}

type putStepsArgs struct {
	leaseRef
	Recs    []state.StepRecord   `json:"recs"`
	Entries []state.JournalEntry `json:"entries"`
}

type updateRunArgs struct {
	leaseRef
	Run   state.Run          `json:"run"`
	Entry state.JournalEntry `json:"entry"`
}

type appendArgs struct {
	leaseRef
	Entry state.JournalEntry `json:"entry"`
}

type appendLogArgs struct {
	leaseRef
	Step  string `json:"step"`
	Chunk []byte `json:"chunk"`
}

type renewArgs struct {
	leaseRef
	Now time.Time `json:"now"`
}

// wireError carries an error of the server: its text, the sentinels of
// package state it wraps (by name), and the typed errors it wraps, with
// their fields, so that errors.Is and errors.As answer on the client as
// they did on the server.
type wireError struct {
	Message   string                `json:"message"`
	Kinds     []string              `json:"kinds,omitempty"`
	Locked    *state.LockedError    `json:"locked,omitempty"`
	Owned     *state.OwnedError     `json:"owned,omitempty"`
	PlanSpent *state.PlanSpentError `json:"plan_spent,omitempty"`
	Tampered  *state.TamperedError  `json:"tampered,omitempty"`
}

// sentinels are the errors of package state that callers check with
// errors.Is, by their wire names.
var sentinels = []struct {
	name string
	err  error
}{
	{"not_found", state.ErrNotFound},
	{"busy", state.ErrBusy},
	{"locked", state.ErrLocked},
	{"corrupt", state.ErrCorrupt},
	{"newer_format", state.ErrNewerFormat},
	{"tampered", state.ErrTampered},
	{"conflict", state.ErrConflict},
	{"exists", state.ErrExists},
	{"lease_lost", state.ErrLeaseLost},
	{"owned", state.ErrOwned},
	{"plan_spent", state.ErrPlanSpent},
	{"superseded", state.ErrSuperseded},
	{"read_only", state.ErrReadOnly},
	{"closed", state.ErrClosed},
	{"remote", state.ErrRemote},
	{"not_ended", state.ErrNotEnded},
}

// encodeError turns err into its wire form; nil stays nil.
func encodeError(err error) *wireError {
	if err == nil {
		return nil
	}
	w := &wireError{Message: err.Error()}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			w.Kinds = append(w.Kinds, s.name)
		}
	}
	w.Locked = typed[*state.LockedError](err)
	w.Owned = typed[*state.OwnedError](err)
	w.PlanSpent = typed[*state.PlanSpentError](err)
	w.Tampered = typed[*state.TamperedError](err)
	return w
}

// typed returns the first error of type E in err's tree, or the zero E.
func typed[E error](err error) E {
	var e E
	errors.As(err, &e)
	return e
}

// err rebuilds the server's error on the client.
func (w *wireError) err() error {
	r := &remoteError{msg: w.Message}
	for _, k := range w.Kinds {
		for _, s := range sentinels {
			if s.name == k {
				r.wraps = append(r.wraps, s.err)
			}
		}
	}
	if w.Locked != nil {
		r.wraps = append(r.wraps, w.Locked)
	}
	if w.Owned != nil {
		r.wraps = append(r.wraps, w.Owned)
	}
	if w.PlanSpent != nil {
		r.wraps = append(r.wraps, w.PlanSpent)
	}
	if w.Tampered != nil {
		r.wraps = append(r.wraps, w.Tampered)
	}
	return r
}

// remoteError is an error the state server returned: the same text, and
// the same answers to errors.Is and errors.As for package state's errors.
type remoteError struct {
	msg   string
	wraps []error
}

func (e *remoteError) Error() string { return e.msg }

// Unwrap gives errors.Is and errors.As the errors the server's wrapped.
func (e *remoteError) Unwrap() []error { return e.wraps }
