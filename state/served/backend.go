package served

import (
	"time"

	"github.com/batonhq/baton/state"
)

var _ state.Backend = (*client)(nil)

// Run implements state.Reader.
func (c *client) Run(id string) (state.Run, error) {
	return call[state.Run](c, opRun, runArgs{RunID: id})
}

// Runs implements state.Reader.
func (c *client) Runs() ([]state.Run, error) {
	return call[[]state.Run](c, opRuns, struct{}{})
}

// Steps implements state.Reader.
func (c *client) Steps(runID string) ([]state.StepRecord, error) {
	return call[[]state.StepRecord](c, opSteps, runArgs{RunID: runID})
}

// Step implements state.Reader.
func (c *client) Step(runID, name string) (state.StepRecord, error) {
	return call[state.StepRecord](c, opStep, stepArgs{RunID: runID, Name: name})
}

// Journal implements state.Reader.
func (c *client) Journal(runID string) ([]state.JournalEntry, error) {
	return call[[]state.JournalEntry](c, opJournal, runArgs{RunID: runID})
}

// JournalSince implements state.Reader.
func (c *client) JournalSince(runID string, seq uint64) ([]state.JournalEntry, error) {
	return call[[]state.JournalEntry](c, opJournalSince, sinceArgs{RunID: runID, Seq: seq})
}

// VerifyJournal implements state.Reader.
func (c *client) VerifyJournal(runID string) (string, error) {
	return call[string](c, opVerifyJournal, runArgs{RunID: runID})
}

// Logs implements state.Reader.
func (c *client) Logs(runID, step string) ([]byte, error) {
	return call[[]byte](c, opLogs, logsArgs{RunID: runID, Step: step})
}

// Locks implements state.Reader.
func (c *client) Locks() ([]state.LockHolder, error) {
	return call[[]state.LockHolder](c, opLocks, struct{}{})
}

// Lock implements state.Reader.
func (c *client) Lock(key string) (state.LockHolder, error) {
	return call[state.LockHolder](c, opLock, keyArgs{Key: key})
}

// PlanSpender implements state.Reader.
func (c *client) PlanSpender(planDigest string) (string, error) {
	return call[string](c, opPlanSpender, keyArgs{Key: planDigest})
}

// CreateRun implements state.Backend.
func (c *client) CreateRun(run state.Run, steps []state.StepRecord, entry state.JournalEntry, opts state.CreateOptions) (state.Lease, error) {
	return c.granted(call[*leaseRef](c, opCreateRun, createArgs{Run: run, Steps: steps, Entry: entry, Opts: opts}))
}

// AcquireRun implements state.Backend.
func (c *client) AcquireRun(runID string, h state.Holder, now time.Time) (state.Lease, error) {
	return c.granted(call[*leaseRef](c, opAcquireRun, acquireArgs{RunID: runID, Holder: h, Now: now}))
}

func (c *client) granted(ref *leaseRef, err error) (state.Lease, error) {
	if err != nil || ref == nil {
		return nil, err
	}
	return &clientLease{c: c, ref: *ref}, nil
}

// Answer implements state.Backend.
func (c *client) Answer(runID string, entry state.JournalEntry) (state.JournalEntry, error) {
	return call[state.JournalEntry](c, opAnswer, entryArgs{RunID: runID, Entry: entry})
}

// Supersede implements state.Backend.
func (c *client) Supersede(runID string, entry state.JournalEntry, now time.Time) error {
	_, err := call[struct{}](c, opSupersede, entryArgs{RunID: runID, Entry: entry, Now: now})
	return err
}

// clientLease is a lease held through the state server; the store fences
// each of its writes.
type clientLease struct {
	c   *client
	ref leaseRef
}

func (l *clientLease) RunID() string { return l.ref.RunID }
func (l *clientLease) Token() uint64 { return l.ref.Token }

// PutSteps implements state.Lease.
func (l *clientLease) PutSteps(recs []state.StepRecord, entries []state.JournalEntry) error {
	return l.write(opPutSteps, putStepsArgs{leaseRef: l.ref, Recs: recs, Entries: entries})
}

// UpdateRun implements state.Lease.
func (l *clientLease) UpdateRun(run state.Run, entry state.JournalEntry) error {
	return l.write(opUpdateRun, updateRunArgs{leaseRef: l.ref, Run: run, Entry: entry})
}

// Append implements state.Lease.
func (l *clientLease) Append(entry state.JournalEntry) error {
	return l.write(opAppend, appendArgs{leaseRef: l.ref, Entry: entry})
}

// AppendLog implements state.Lease.
func (l *clientLease) AppendLog(step string, chunk []byte) error {
	return l.write(opAppendLog, appendLogArgs{leaseRef: l.ref, Step: step, Chunk: chunk})
}

// Renew implements state.Lease.
func (l *clientLease) Renew(now time.Time) error {
	return l.write(opRenew, renewArgs{leaseRef: l.ref, Now: now})
}

// Release implements state.Lease.
func (l *clientLease) Release() error { return l.write(opRelease, l.ref) }

func (l *clientLease) write(op string, args any) error {
	_, err := call[struct{}](l.c, op, args)
	return err
}

var _ state.Importer = (*client)(nil)

// Import implements state.Importer.
func (c *client) Import(h state.History) error {
	_, err := call[struct{}](c, opImport, h)
	return err
}
