package served

import (
	"encoding/json"
	"fmt"

	"github.com/batonhq/baton/state"
)

// handler executes one operation on the store; a nil result sends none.
type handler func(st *state.Store, args json.RawMessage) (any, error)

// with decodes the arguments into A before calling fn.
func with[A any](fn func(st *state.Store, a A) (any, error)) handler {
	return func(st *state.Store, raw json.RawMessage) (any, error) {
		var a A
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &a); err != nil {
				return nil, fmt.Errorf("the state server could not read the request's arguments (%v); client and server must be the same version of baton", err)
			}
		}
		return fn(st, a)
	}
}

// pair turns a method's (value, error) into a handler's result.
func pair[R any](r R, err error) (any, error) { return r, err }

func lease(st *state.Store, l leaseRef) state.Lease { return st.LeaseFor(l.RunID, l.Token) }

// granted is the wire form of a lease CreateRun or AcquireRun returned.
func granted(l state.Lease, err error) (any, error) {
	if l == nil {
		return nil, err
	}
	return leaseRef{RunID: l.RunID(), Token: l.Token()}, err
}

var handlers = map[string]handler{
	opRun:     with(func(st *state.Store, a runArgs) (any, error) { return pair(st.Run(a.RunID)) }),
	opRuns:    with(func(st *state.Store, _ struct{}) (any, error) { return pair(st.Runs()) }),
	opSteps:   with(func(st *state.Store, a runArgs) (any, error) { return pair(st.Steps(a.RunID)) }),
	opStep:    with(func(st *state.Store, a stepArgs) (any, error) { return pair(st.Step(a.RunID, a.Name)) }),
	opJournal: with(func(st *state.Store, a runArgs) (any, error) { return pair(st.Journal(a.RunID)) }),
	opJournalSince: with(func(st *state.Store, a sinceArgs) (any, error) {
		return pair(st.JournalSince(a.RunID, a.Seq))
	}),
	opVerifyJournal: with(func(st *state.Store, a runArgs) (any, error) { return pair(st.VerifyJournal(a.RunID)) }),
	opLogs:          with(func(st *state.Store, a logsArgs) (any, error) { return pair(st.Logs(a.RunID, a.Step)) }),
	opLocks:         with(func(st *state.Store, _ struct{}) (any, error) { return pair(st.Locks()) }),
	opLock:          with(func(st *state.Store, a keyArgs) (any, error) { return pair(st.Lock(a.Key)) }),
	opPlanSpender:   with(func(st *state.Store, a keyArgs) (any, error) { return pair(st.PlanSpender(a.Key)) }),
	opCreateRun: with(func(st *state.Store, a createArgs) (any, error) {
		return granted(st.CreateRun(a.Run, a.Steps, a.Entry, a.Opts))
	}),
	opAcquireRun: with(func(st *state.Store, a acquireArgs) (any, error) {
		return granted(st.AcquireRun(a.RunID, a.Holder, a.Now))
	}),
	opAnswer: with(func(st *state.Store, a entryArgs) (any, error) { return pair(st.Answer(a.RunID, a.Entry)) }),
	opSupersede: with(func(st *state.Store, a entryArgs) (any, error) {
		return nil, st.Supersede(a.RunID, a.Entry, a.Now)
	}),
	opPutSteps: with(func(st *state.Store, a putStepsArgs) (any, error) {
		return nil, lease(st, a.leaseRef).PutSteps(a.Recs, a.Entries)
	}),
	opUpdateRun: with(func(st *state.Store, a updateRunArgs) (any, error) {
		return nil, lease(st, a.leaseRef).UpdateRun(a.Run, a.Entry)
	}),
	opAppend: with(func(st *state.Store, a appendArgs) (any, error) {
		return nil, lease(st, a.leaseRef).Append(a.Entry)
	}),
	opAppendLog: with(func(st *state.Store, a appendLogArgs) (any, error) {
		return nil, lease(st, a.leaseRef).AppendLog(a.Step, a.Chunk)
	}),
	opRenew: with(func(st *state.Store, a renewArgs) (any, error) {
		return nil, lease(st, a.leaseRef).Renew(a.Now)
	}),
	opRelease: with(func(st *state.Store, a leaseRef) (any, error) {
		return nil, lease(st, a).Release()
	}),
	opImport: with(func(st *state.Store, h state.History) (any, error) { return nil, st.Import(h) }),
}

// handle executes req and builds its response.
func (s *server) handle(req request) (resp response) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("request failed with a panic", "op", req.Op, "panic", r)
			resp = response{Error: encodeError(fmt.Errorf("the state server failed on %s (%v); this is a bug in baton: report it", req.Op, r))}
		}
	}()
	h, ok := handlers[req.Op]
	if !ok {
		return response{Error: encodeError(fmt.Errorf("the state server does not know the request %q; client and server must be the same version of baton", req.Op))}
	}
	res, err := h(s.st, req.Args)
	resp.Error = encodeError(err)
	if res == nil {
		return resp
	}
	b, merr := json.Marshal(res)
	if merr != nil {
		if err == nil {
			resp.Error = encodeError(fmt.Errorf("the state server could not encode its answer to %s: %w", req.Op, merr))
		}
		return resp
	}
	resp.Result = b
	return resp
}
