package azblob

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/batonhq/baton/state"
)

// azLease is a run's ownership. It keeps the journal as it last saw it:
// a write is built on that state and appended at its length, so it lands
// only if nothing was appended meanwhile; otherwise commit re-reads,
// re-checks the owner token and builds again.
type azLease struct {
	s       *store
	runID   string
	token   uint64
	leaseID string
	holder  state.Holder

	mu      sync.Mutex
	st      *runState
	renewed time.Time
	logs    map[string]int64 // bytes stored per step log, once known
	// pendingLogs is output kept in the spool, by step (see keepLog).
	pendingLogs map[string]*spooled
}

func (l *azLease) RunID() string { return l.runID }
func (l *azLease) Token() uint64 { return l.token }

// fence fails with ErrLeaseLost unless the lease still owns st's run.
func (l *azLease) fence(st *runState) error {
	if !st.hasRun || st.void != nil {
		return fmt.Errorf("%w: run %s is no longer in %s", state.ErrLeaseLost, l.runID, l.s.url)
	}
	if o := st.run.Owner; o == nil || o.Token != l.token {
		return lostError(st.run)
	}
	return nil
}

// write commits what build makes from the current state, fenced; while
// the service does not answer it waits in the spool (see outlast).
func (l *azLease) write(what string, build func(st *runState) ([]item, error)) (*runState, error) {
	if err := l.s.checkOpen(); err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.fence(l.st); err != nil {
		return nil, err
	}
	err := l.outlast(what, func(ctx context.Context, at *attempt) error {
		if len(l.pendingLogs) > 0 {
			l.flushLogs(ctx) // output first, while the lease still owns the run
		}
		st, _, err := l.s.commitSeen(ctx, l.st, func(st *runState) ([]item, error) {
			if err := l.fence(st); err != nil {
				return nil, err
			}
			return build(st)
		}, func(st *runState, block []byte, items []item) { at.rec = l.journalRec(st, block, items) })
		if err == nil {
			l.st = st
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return l.st, nil
}

// PutSteps implements state.Lease: one block, so all or nothing.
func (l *azLease) PutSteps(recs []state.StepRecord, entries []state.JournalEntry) error {
	if len(recs) != len(entries) {
		return fmt.Errorf("put steps of run %s: %d records but %d journal entries", l.runID, len(recs), len(entries))
	}
	for i, rec := range recs {
		if err := state.CheckName("step name", rec.Name, state.MaxNameLen); err != nil {
			return fmt.Errorf("put step of run %s: %w", l.runID, err)
		}
		if s := entries[i].Step; s != "" && s != rec.Name {
			return fmt.Errorf("put step %s of run %s: its journal entry describes step %q", rec.Name, l.runID, s)
		}
	}
	if len(recs) == 0 {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.fence(l.st)
	}
	_, err := l.write("put steps", func(st *runState) ([]item, error) {
		items := make([]item, len(recs))
		for i, rec := range recs {
			if err := checkTransition(st, l.runID, rec, recs[:i]); err != nil {
				return nil, err
			}
			it, err := stepItem(l.runID, rec, entries[i])
			if err != nil {
				return nil, err
			}
			items[i] = it
		}
		return items, nil
	})
	return err
}

// UpdateRun implements state.Lease. The stored Owner and Superseded are
// kept; a record no longer running ends the lease (and releases the blob
// lease), one that ended releases the run's lock.
func (l *azLease) UpdateRun(run state.Run, entry state.JournalEntry) error {
	if run.ID != l.runID {
		return fmt.Errorf("update run %s through the lease of run %s", run.ID, l.runID)
	}
	_, err := l.write("update the run record", func(st *runState) ([]item, error) {
		run.Owner, run.Superseded = st.run.Owner, st.run.Superseded
		if o := run.Owner; o != nil && l.renewed.After(o.Renewed) {
			cp := *o
			cp.Renewed = l.renewed
			run.Owner = &cp
		}
		if run.Status != state.RunRunning {
			run.Owner = nil
		}
		it, err := runItem(run, entry)
		return []item{it}, err
	})
	if err != nil {
		return err
	}
	ctx, cancel := l.s.ctx()
	defer cancel()
	if run.Status.Done() && run.LockKey != "" {
		l.s.releaseLock(ctx, run.LockKey, run.ID)
	}
	if run.Owner == nil {
		l.s.releaseLease(ctx, l.runID, l.leaseID)
	}
	return nil
}

// Append implements state.Lease.
func (l *azLease) Append(entry state.JournalEntry) error {
	_, err := l.write("journal "+entry.Type, func(*runState) ([]item, error) {
		e := entry
		e.RunRecord, e.StepRecord = "", "" // it writes no record
		return []item{{Entry: &e}}, nil
	})
	return err
}

// Renew implements state.Lease: it checks the journal still names this
// lease, renews the blob lease and records the heartbeat in the owner
// blob. Not journaled: a heartbeat changes no meaning.
func (l *azLease) Renew(now time.Time) error {
	if err := l.s.checkOpen(); err != nil {
		return err
	}
	ctx, cancel := l.s.ctx()
	defer cancel()
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.refresh(ctx); err != nil {
		return err
	}
	err := l.s.renewLease(ctx, l.runID, l.leaseID)
	if err == nil {
		o := *l.st.run.Owner
		o.Renewed = now
		err = l.s.writeOwner(ctx, l.runID, l.leaseID, o)
	}
	if errors.Is(err, errLeased) {
		return fmt.Errorf("%w: run %s: its blob lease was broken or taken by another process, which judged this one gone; this process stopped acting on it", state.ErrLeaseLost, l.runID)
	}
	if err != nil {
		return err
	}
	l.renewed = now
	return nil
}

// refresh re-reads the journal if it changed since the lease saw it (one
// HEAD request when it did not) and checks the lease still owns the run.
func (l *azLease) refresh(ctx context.Context) error {
	if err := l.fence(l.st); err != nil {
		return err
	}
	etag, err := l.s.etagOf(ctx, l.s.journalName(l.runID))
	if errors.Is(err, errNoBlob) {
		return fmt.Errorf("%w: run %s is no longer in %s", state.ErrLeaseLost, l.runID, l.s.url)
	} else if err != nil {
		return err
	}
	if etag != l.st.etag {
		st, err := l.s.readJournal(ctx, l.runID)
		if err != nil {
			return err
		}
		l.st = st
	}
	return l.fence(l.st)
}

// Release implements state.Lease; a lease already lost releases nothing.
func (l *azLease) Release() error {
	_, err := l.write("release the run", func(st *runState) ([]item, error) {
		run := st.run
		run.Owner = nil
		it, err := runItem(run, state.JournalEntry{At: run.UpdatedAt, Type: "run.owner_released"})
		return []item{it}, err
	})
	if errors.Is(err, state.ErrLeaseLost) {
		return nil
	}
	if err != nil {
		return err
	}
	ctx, cancel := l.s.ctx()
	defer cancel()
	l.s.releaseLease(ctx, l.runID, l.leaseID)
	return nil
}

// checkTransition applies state.CheckTransition against the step's last
// record: one written earlier in the same write, else the stored one.
func checkTransition(st *runState, runID string, rec state.StepRecord, earlier []state.StepRecord) error {
	for i := len(earlier) - 1; i >= 0; i-- {
		if earlier[i].Name == rec.Name {
			return state.CheckTransition(runID, earlier[i], rec)
		}
	}
	raw, ok := st.steps[rec.Name]
	if !ok {
		return nil
	}
	var old state.StepRecord
	if err := json.Unmarshal(raw, &old); err != nil {
		return nil // an unreadable record is the verifier's to report
	}
	return state.CheckTransition(runID, old, rec)
}
