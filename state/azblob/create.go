package azblob

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/batonhq/baton/state"
)

// CreateRun implements state.Backend. The service has no transaction
// across blobs, so the writes come in this order, checks first:
//
//  1. read: the journal must be absent or empty, the plan unspent (or
//     spent by opts.Respend), the lock free (or, with ForceLock, held by
//     a run whose owner is not live);
//  2. plans/<digest> names the run (If-None-Match "*", or If-Match on the
//     record it replaces);
//  3. with ForceLock, the holder of the lock is superseded;
//  4. locks/<key> names the run (If-None-Match "*" or If-Match);
//  5. the owner blob is leased and names the holder;
//  6. the journal's first block is appended at position 0: the commit
//     point. Before it, the run does not exist.
//
// A crash before 6 leaves a plan record and a lock naming a run that was
// never created: both count as free. Whoever takes them over first voids
// that run id (a marker block at position 0 of its journal), so a creator
// that was only slow, not dead, fails at 6 instead of running without
// its lock. A holder superseded in 3 stays superseded.
func (s *store) CreateRun(run state.Run, steps []state.StepRecord, entry state.JournalEntry, opts state.CreateOptions) (state.Lease, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	if err := s.checkCreate(run, steps, entry); err != nil {
		return nil, err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	l, err := s.create(ctx, run, steps, entry, opts)
	if err != nil {
		return nil, err
	}
	return l, nil
}

// checkCreate validates CreateRun's arguments before anything is written.
func (s *store) checkCreate(run state.Run, steps []state.StepRecord, entry state.JournalEntry) error {
	if err := state.CheckName("run id", run.ID, state.MaxIDLen); err != nil {
		return fmt.Errorf("create run: %w", err)
	}
	if run.LockKey != "" {
		if err := state.CheckName("lock key", run.LockKey, state.MaxNameLen); err != nil {
			return fmt.Errorf("create run %s: %w", run.ID, err)
		}
		if err := checkBlobName("lock key", s.lockName(run.LockKey)); err != nil {
			return fmt.Errorf("create run %s: %w", run.ID, err)
		}
	}
	if err := checkBlobName("run id", s.journalName(run.ID)); err != nil {
		return fmt.Errorf("create run %s: %w", run.ID, err)
	}
	seen := make(map[string]bool, len(steps))
	for _, st := range steps {
		if err := state.CheckName("step name", st.Name, state.MaxNameLen); err != nil {
			return fmt.Errorf("create run %s: %w", run.ID, err)
		}
		if seen[st.Name] {
			return fmt.Errorf("create run %s: step %q is listed twice", run.ID, st.Name)
		}
		if !state.Pristine(st) {
			return fmt.Errorf("create run %s: step %q must start pending with nothing else recorded", run.ID, st.Name)
		}
		seen[st.Name] = true
	}
	if entry.Type == "" {
		return fmt.Errorf("create run %s: journal entry has no type; set JournalEntry.Type (for example \"run.created\")", run.ID)
	}
	return nil
}

// create does CreateRun's writes in the documented order.
func (s *store) create(ctx context.Context, run state.Run, steps []state.StepRecord, entry state.JournalEntry, opts state.CreateOptions) (*azLease, error) {
	st, err := s.readJournal(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	if st.size() > 0 {
		return nil, fmt.Errorf("create run %s: %w; pick a new id with NewRunID", run.ID, state.ErrExists)
	}
	now := opts.Owner.Since
	var undo undoList
	ok := false
	defer func() {
		if !ok {
			undo.run(ctx, s)
		}
	}()
	for attempt := 1; ; attempt++ {
		err := s.claim(ctx, run, opts, now, &undo)
		if err == nil {
			break
		}
		if !errors.Is(err, errRedo) || attempt == maxAttempts {
			return nil, err
		}
	}
	l, ambiguous, err := s.commitCreate(ctx, st, run, steps, entry, opts.Owner)
	if ambiguous {
		ok = true // the first block may have landed: keep its plan and lock
		return nil, fmt.Errorf("create run %s: %w; it may have been created all the same: see baton status %s", run.ID, err, run.ID)
	}
	ok = err == nil
	return l, err
}

// commitCreate takes the owner lease and appends the run's first block;
// ambiguous when that append failed in a way that may have landed.
func (s *store) commitCreate(ctx context.Context, st *runState, run state.Run, steps []state.StepRecord, entry state.JournalEntry, h state.Holder) (l *azLease, ambiguous bool, err error) {
	leaseID := leaseIDFor(run.ID, 0)
	if err := s.takeLease(ctx, run.ID, leaseID, false); errors.Is(err, errLeased) {
		return nil, false, fmt.Errorf("create run %s: another process is creating a run with this id: %w; pick a new id with NewRunID", run.ID, state.ErrExists)
	} else if err != nil {
		return nil, false, err
	}
	owner := state.Owner{Holder: h, Token: 1, Renewed: h.Since, TTL: s.ttl}
	if err := s.writeOwner(ctx, run.ID, leaseID, owner); err != nil {
		return nil, false, fmt.Errorf("create run %s: record its owner: %w", run.ID, err)
	}
	run.Owner = &owner
	first, err := firstItem(run, steps, entry)
	if err != nil {
		return nil, false, err
	}
	if err := s.createAppend(ctx, s.journalName(run.ID)); err != nil {
		return nil, false, err
	}
	next, _, err := s.commit(ctx, st, func(cur *runState) ([]item, error) {
		if cur.void != nil {
			return nil, fmt.Errorf("create run %s: run %s took its lock or plan over while it was being created (%s): %w; retry with a new id", run.ID, cur.void.ByRun, cur.void.Reason, state.ErrExists)
		}
		if cur.size() > 0 {
			return nil, fmt.Errorf("create run %s: %w; pick a new id with NewRunID", run.ID, state.ErrExists)
		}
		return []item{first}, nil
	})
	if err != nil {
		definite := errors.Is(err, state.ErrExists) || errors.Is(err, state.ErrNotFound)
		return nil, !definite, err
	}
	return &azLease{s: s, runID: run.ID, token: 1, leaseID: leaseID, holder: h, st: next}, false, nil
}

// firstItem is the first block's item: the run, its entry and its new
// step records.
func firstItem(run state.Run, steps []state.StepRecord, entry state.JournalEntry) (item, error) {
	first, err := runItem(run, entry)
	if err != nil {
		return item{}, err
	}
	for _, rec := range steps {
		raw, err := json.Marshal(rec)
		if err != nil {
			return item{}, fmt.Errorf("create run %s: step %s: %w", run.ID, rec.Name, err)
		}
		first.Steps = append(first.Steps, raw)
	}
	return first, nil
}

// claimRec is a plan or lock record CreateRun is about to write.
type claimRec struct {
	name      string
	data      []byte
	etag      azcore.ETag // of the record seen; "" when there is none
	prev      []byte      // its content, to put back if the run is not created
	voidID    string      // the run it names was never created: void that id first
	supersede string      // ForceLock: the live-status holder to supersede
}

// claim checks the plan and the lock, then writes them; errRedo when a
// record changed between the check and the write.
func (s *store) claim(ctx context.Context, run state.Run, opts state.CreateOptions, now time.Time, undo *undoList) error {
	var plan, lock *claimRec
	var err error
	if run.PlanDigest != "" && !run.Rehearsal {
		if plan, err = s.checkPlan(ctx, run, opts.Respend); err != nil {
			return err
		}
	}
	if run.LockKey != "" {
		if lock, err = s.checkLock(ctx, run, opts, now); err != nil {
			return err
		}
	}
	if plan != nil {
		if err := s.writeClaim(ctx, run.ID, plan, now, undo); err != nil {
			return err
		}
	}
	if lock == nil {
		return nil
	}
	if lock.supersede != "" {
		if err := s.supersede(ctx, lock.supersede, opts.Supersede, now, run.ID, false); err != nil {
			return fmt.Errorf("take over lock %q: %w", run.LockKey, err)
		}
	}
	return s.writeClaim(ctx, run.ID, lock, now, undo)
}

// writeClaim writes c for runID, voiding the never-created run it names.
func (s *store) writeClaim(ctx context.Context, runID string, c *claimRec, now time.Time, undo *undoList) error {
	if c.voidID != "" {
		if err := s.voidRun(ctx, c.voidID, runID, "took "+c.name+" over", now); err != nil {
			return err
		}
	}
	etag, err := s.put(ctx, c.name, c.data, c.etag, "")
	if errors.Is(err, errRace) {
		return errRedo
	}
	if err != nil {
		return err
	}
	undo.add(c.name, c.prev, etag)
	return nil
}

// voidRun makes sure run id can never be created: a marker block at
// position 0 of its journal. errRedo when the run was created meanwhile.
func (s *store) voidRun(ctx context.Context, id, byRun, reason string, now time.Time) error {
	name := s.journalName(id)
	if err := s.createAppend(ctx, name); err != nil {
		return err
	}
	block, err := encodeBlock([]item{{Void: &voidMark{ByRun: byRun, Reason: reason, At: now}}})
	if err != nil {
		return err
	}
	_, err = s.appendAt(ctx, name, block, 0)
	if errors.Is(err, errMoved) {
		st, err := s.readJournal(ctx, id)
		if err != nil {
			return err
		}
		if st.void != nil {
			return nil
		}
		return errRedo
	}
	if err == nil {
		s.log.Info("voided a run id that was never created", "run", id, "by_run", byRun, "reason", reason)
	}
	return err
}

// undoList puts plan and lock records back when CreateRun fails for sure.
type undoList []func(ctx context.Context, s *store)

func (u *undoList) add(name string, prev []byte, etag azcore.ETag) {
	*u = append(*u, func(ctx context.Context, s *store) {
		var err error
		if prev == nil {
			err = s.remove(ctx, name, etag)
		} else {
			_, err = s.put(ctx, name, prev, etag, "")
		}
		if err != nil && !errors.Is(err, errRace) {
			s.log.Warn("undoing a record of a run that was not created (it names a missing run, which counts as free)", "blob", name, "error", err)
		}
	})
}

func (u undoList) run(ctx context.Context, s *store) {
	for i := len(u) - 1; i >= 0; i-- {
		u[i](ctx, s)
	}
}

// planRecord is what plans/<digest> holds.
type planRecord struct {
	RunID string `json:"run_id"`
}

// checkPlan decides how run spends its plan: nil when it already does.
func (s *store) checkPlan(ctx context.Context, run state.Run, respend string) (*claimRec, error) {
	name := s.planName(run.PlanDigest)
	if err := checkBlobName("plan digest", name); err != nil {
		return nil, fmt.Errorf("create run %s: %w", run.ID, err)
	}
	data, _ := json.Marshal(planRecord{RunID: run.ID})
	b, err := s.get(ctx, name)
	if errors.Is(err, errNoBlob) {
		return &claimRec{name: name, data: data}, nil
	} else if err != nil {
		return nil, err
	}
	var prev planRecord
	if err := json.Unmarshal(b.data, &prev); err != nil || prev.RunID == "" {
		return nil, fmt.Errorf("%w: the record of plan %s (%s) does not decode; delete that blob only if no run was started from the plan", state.ErrCorrupt, run.PlanDigest, name)
	}
	c := &claimRec{name: name, data: data, etag: b.etag, prev: b.data}
	switch {
	case prev.RunID == run.ID:
		return nil, nil
	case prev.RunID == respend:
		return c, nil
	}
	st, err := s.readJournal(ctx, prev.RunID)
	if err != nil {
		return nil, err
	}
	if st.size() > 0 && st.void == nil {
		return nil, &state.PlanSpentError{PlanDigest: run.PlanDigest, RunID: prev.RunID}
	}
	if st.void == nil {
		c.voidID = prev.RunID
	}
	return c, nil
}

// PlanSpender implements state.Reader. A record naming a run that was
// never created counts as not spent.
func (s *store) PlanSpender(planDigest string) (string, error) {
	if err := s.checkOpen(); err != nil {
		return "", err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	none := fmt.Errorf("plan %s: %w", planDigest, state.ErrNotFound)
	if planDigest == "" {
		return "", none
	}
	b, err := s.get(ctx, s.planName(planDigest))
	if errors.Is(err, errNoBlob) {
		return "", none
	} else if err != nil {
		return "", err
	}
	var rec planRecord
	if err := json.Unmarshal(b.data, &rec); err != nil || rec.RunID == "" {
		return "", fmt.Errorf("%w: the record of plan %s does not decode", state.ErrCorrupt, planDigest)
	}
	if _, err := s.readRun(ctx, rec.RunID); errors.Is(err, state.ErrNotFound) {
		return "", fmt.Errorf("plan %s: %w (the run it names, %s, was never created)", planDigest, state.ErrNotFound, rec.RunID)
	} else if err != nil {
		return "", err
	}
	return rec.RunID, nil
}
