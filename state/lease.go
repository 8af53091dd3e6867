package state

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

var bucketPlans = []byte("plans")

// boltLease is a run's ownership in a Store.
type boltLease struct {
	s     *Store
	runID string
	token uint64
}

// LeaseFor returns the lease of runID with token, as a state server needs
// it for a client's writes. It checks nothing: every write is fenced.
func (s *Store) LeaseFor(runID string, token uint64) Lease {
	return &boltLease{s: s, runID: runID, token: token}
}

func (l *boltLease) RunID() string { return l.runID }
func (l *boltLease) Token() uint64 { return l.token }

// CreateRun implements Backend.
func (s *Store) CreateRun(run Run, steps []StepRecord, entry JournalEntry, opts CreateOptions) (Lease, error) {
	if err := CheckName("run id", run.ID, MaxIDLen); err != nil {
		return nil, fmt.Errorf("create run: %w", err)
	}
	if run.LockKey != "" {
		if err := CheckName("lock key", run.LockKey, MaxNameLen); err != nil {
			return nil, fmt.Errorf("create run %s: %w", run.ID, err)
		}
	}
	seen := make(map[string]bool, len(steps))
	for _, st := range steps {
		if err := CheckName("step name", st.Name, MaxNameLen); err != nil {
			return nil, fmt.Errorf("create run %s: %w", run.ID, err)
		}
		if seen[st.Name] {
			return nil, fmt.Errorf("create run %s: step %q is listed twice", run.ID, st.Name)
		}
		if !Pristine(st) {
			return nil, fmt.Errorf("create run %s: step %q must start pending with nothing else recorded", run.ID, st.Name)
		}
		seen[st.Name] = true
	}
	var token uint64
	err := s.update(func(tx *bolt.Tx) error {
		runs, err := tx.CreateBucketIfNotExists(bucketRuns)
		if err != nil {
			return err
		}
		if token, err = runs.NextSequence(); err != nil {
			return err
		}
		now := opts.Owner.Since
		run.Owner = &Owner{Holder: opts.Owner, Token: token, Renewed: now, TTL: DefaultLeaseTTL}
		if err := spendPlan(tx, run, opts.Respend); err != nil {
			return err
		}
		rb, err := runs.CreateBucket([]byte(run.ID))
		if errors.Is(err, berrors.ErrBucketExists) {
			return fmt.Errorf("create run %s: %w; pick a new id with NewRunID", run.ID, ErrExists)
		} else if err != nil {
			return fmt.Errorf("create run %s: %w", run.ID, err)
		}
		if err := putStepRecords(rb, run.ID, steps); err != nil {
			return err
		}
		if _, err := rb.CreateBucket(bucketLogs); err != nil {
			return err
		}
		if err := putRun(rb, run, entry); err != nil {
			return err
		}
		if run.LockKey == "" {
			return nil
		}
		return takeLock(tx, run, opts, now)
	})
	if err != nil {
		return nil, err
	}
	return &boltLease{s: s, runID: run.ID, token: token}, nil
}

// spendPlan records that run spends its plan, refusing a plan spent by
// another run unless respend names that run.
func spendPlan(tx *bolt.Tx, run Run, respend string) error {
	if run.PlanDigest == "" || run.Rehearsal {
		return nil
	}
	plans, err := tx.CreateBucketIfNotExists(bucketPlans)
	if err != nil {
		return err
	}
	if prev := plans.Get([]byte(run.PlanDigest)); prev != nil && string(prev) != respend {
		return &PlanSpentError{PlanDigest: run.PlanDigest, RunID: string(prev)}
	}
	return plans.Put([]byte(run.PlanDigest), []byte(run.ID))
}

// PlanSpender implements Reader.
func (s *Store) PlanSpender(planDigest string) (string, error) {
	var id string
	err := s.view(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketPlans); b != nil && planDigest != "" {
			id = string(b.Get([]byte(planDigest)))
		}
		if id == "" {
			return fmt.Errorf("plan %s: %w", short(planDigest), ErrNotFound)
		}
		return nil
	})
	return id, err
}

// AcquireRun implements Backend.
func (s *Store) AcquireRun(runID string, h Holder, now time.Time) (Lease, error) {
	var token uint64
	err := s.update(func(tx *bolt.Tx) error {
		rb, run, err := liveRun(tx, runID)
		if err != nil {
			return err
		}
		var data map[string]string
		if o := run.Owner; o != nil {
			if !o.Gone(now) {
				return &OwnedError{RunID: runID, Owner: *o}
			}
			data = holderMap(o.Holder)
		}
		if token, err = tx.Bucket(bucketRuns).NextSequence(); err != nil {
			return err
		}
		if run.LockKey != "" {
			if err := relock(tx, run, now); err != nil {
				return err
			}
		}
		run.Owner = &Owner{Holder: h, Token: token, Renewed: now, TTL: DefaultLeaseTTL}
		typ := "run.owner_acquired"
		if data != nil {
			typ = "run.owner_taken_over"
		}
		return putRun(rb, run, JournalEntry{At: now, Type: typ, Actor: h.User, Data: data})
	})
	if err != nil {
		return nil, err
	}
	return &boltLease{s: s, runID: runID, token: token}, nil
}

// liveRun loads a run that has not ended, inside tx.
func liveRun(tx *bolt.Tx, runID string) (*bolt.Bucket, Run, error) {
	rb, err := runBucket(tx, runID)
	if err != nil {
		return nil, Run{}, err
	}
	run, err := loadRun(rb, runID)
	if err != nil {
		return nil, Run{}, err
	}
	return rb, run, EndedError(run)
}

// EndedError says why a run that ended cannot be owned or answered again.
func EndedError(run Run) error {
	if sup := run.Superseded; sup != nil {
		by := ""
		if sup.ByRun != "" {
			by = " for run " + sup.ByRun
		}
		return fmt.Errorf("run %s: %w by %s at %s%s (%s); it can never resume or act again", run.ID, ErrSuperseded, sup.By, sup.At.UTC().Format(time.RFC3339), by, sup.Reason)
	}
	if run.Status.Done() {
		return fmt.Errorf("run %s: %w: it already ended (%s)", run.ID, ErrConflict, run.Status)
	}
	return nil
}

// fenced loads the run of lease l inside tx and fails with ErrLeaseLost
// unless l still owns it.
func (l *boltLease) fenced(tx *bolt.Tx) (*bolt.Bucket, Run, error) {
	rb, err := runBucket(tx, l.runID)
	if err != nil {
		return nil, Run{}, err
	}
	run, err := loadRun(rb, l.runID)
	if err != nil {
		return nil, Run{}, err
	}
	if run.Owner == nil || run.Owner.Token != l.token {
		return nil, Run{}, lostError(run)
	}
	return rb, run, nil
}

func lostError(run Run) error {
	switch {
	case run.Superseded != nil:
		return fmt.Errorf("%w: run %s was superseded by %s (%s)", ErrLeaseLost, run.ID, run.Superseded.By, run.Superseded.Reason)
	case run.Owner != nil:
		o := run.Owner
		return fmt.Errorf("%w: run %s is now owned by pid %d on %s (user %s, since %s); this process stopped acting on it", ErrLeaseLost, run.ID, o.PID, o.Host, o.User, o.Since.UTC().Format(time.RFC3339))
	}
	return fmt.Errorf("%w: run %s has no owner now (%s)", ErrLeaseLost, run.ID, run.Status)
}

// PutSteps implements Lease.
func (l *boltLease) PutSteps(recs []StepRecord, entries []JournalEntry) error {
	if len(recs) != len(entries) {
		return fmt.Errorf("put steps of run %s: %d records but %d journal entries", l.runID, len(recs), len(entries))
	}
	for i, rec := range recs {
		if err := CheckName("step name", rec.Name, MaxNameLen); err != nil {
			return fmt.Errorf("put step of run %s: %w", l.runID, err)
		}
		if s := entries[i].Step; s != "" && s != rec.Name {
			return fmt.Errorf("put step %s of run %s: its journal entry describes step %q", rec.Name, l.runID, s)
		}
	}
	return l.s.update(func(tx *bolt.Tx) error {
		rb, _, err := l.fenced(tx)
		if err != nil {
			return err
		}
		sb, err := rb.CreateBucketIfNotExists(bucketSteps)
		if err != nil {
			return err
		}
		for i, rec := range recs {
			if err := putStep(rb, sb, l.runID, rec, entries[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// UpdateRun implements Lease. The stored Owner and Superseded are kept; a
// record whose status is no longer running ends the lease, and one that
// ended releases the run's lock, in the same transaction.
func (l *boltLease) UpdateRun(run Run, entry JournalEntry) error {
	if run.ID != l.runID {
		return fmt.Errorf("update run %s through the lease of run %s", run.ID, l.runID)
	}
	return l.s.update(func(tx *bolt.Tx) error {
		rb, old, err := l.fenced(tx)
		if err != nil {
			return err
		}
		run.Owner, run.Superseded = old.Owner, old.Superseded
		if run.Status != RunRunning {
			run.Owner = nil
		}
		if run.Status.Done() && run.LockKey != "" {
			if err := releaseLock(tx, run.LockKey, run.ID); err != nil {
				return err
			}
		}
		return putRun(rb, run, entry)
	})
}

// Append implements Lease.
func (l *boltLease) Append(entry JournalEntry) error {
	return l.s.update(func(tx *bolt.Tx) error {
		rb, _, err := l.fenced(tx)
		if err != nil {
			return err
		}
		entry.RunRecord, entry.StepRecord = "", "" // it writes no record
		return appendRunEntry(rb, l.runID, entry)
	})
}

// Renew implements Lease.
func (l *boltLease) Renew(now time.Time) error {
	return l.s.update(func(tx *bolt.Tx) error {
		rb, run, err := l.fenced(tx)
		if err != nil {
			return err
		}
		run.Owner.Renewed = now
		raw, err := encode(run)
		if err != nil {
			return err
		}
		// A heartbeat changes no meaning: it is not journaled, and the
		// record's digest covers the lease only as of its last entry.
		return rb.Put(keyRun, raw)
	})
}

// Release implements Lease.
func (l *boltLease) Release() error {
	return l.s.update(func(tx *bolt.Tx) error {
		rb, run, err := l.fenced(tx)
		if errors.Is(err, ErrLeaseLost) {
			return errSkip // nothing of ours to release
		} else if err != nil {
			return err
		}
		run.Owner = nil
		return putRun(rb, run, JournalEntry{At: run.UpdatedAt, Type: "run.owner_released"})
	})
}

// Supersede implements Backend.
func (s *Store) Supersede(runID string, entry JournalEntry, now time.Time) error {
	return s.update(func(tx *bolt.Tx) error { return supersede(tx, runID, entry, now, "") })
}

// supersede ends runID for good, inside tx, if its owner is not live.
func supersede(tx *bolt.Tx, runID string, entry JournalEntry, now time.Time, byRun string) error {
	if entry.Actor == "" || entry.Data["reason"] == "" {
		return fmt.Errorf("supersede run %s: say who supersedes it and why (--by, --reason)", runID)
	}
	rb, run, err := liveRun(tx, runID)
	if err != nil {
		return err
	}
	if o := run.Owner; o != nil && !o.Gone(now) {
		return fmt.Errorf("supersede run %s: %w", runID, &OwnedError{RunID: runID, Owner: *o})
	}
	run.Status, run.Reason = RunSuperseded, "superseded by "+entry.Actor+": "+entry.Data["reason"]
	run.Superseded = &Supersession{By: entry.Actor, Reason: entry.Data["reason"], At: now, ByRun: byRun}
	run.Owner = nil
	run.UpdatedAt, run.FinishedAt = now, now
	if run.LockKey != "" {
		if err := releaseLock(tx, run.LockKey, run.ID); err != nil {
			return err
		}
	}
	if entry.Type == "" {
		entry.Type = "run.superseded"
	}
	entry.At = now
	if byRun != "" {
		entry.Data = cloneData(entry.Data)
		entry.Data["by_run"] = byRun
	}
	return putRun(rb, run, entry)
}

func cloneData(d map[string]string) map[string]string {
	out := make(map[string]string, len(d)+1)
	for k, v := range d {
		out[k] = v
	}
	return out
}

// putRun stores run and appends entry with the record's digest.
func putRun(rb *bolt.Bucket, run Run, entry JournalEntry) error {
	raw, err := encode(run)
	if err != nil {
		return fmt.Errorf("run %s: %w", run.ID, err)
	}
	if err := rb.Put(keyRun, raw); err != nil {
		return err
	}
	entry.Step, entry.StepRecord = "", ""
	if entry.RunRecord, err = runDigest(run); err != nil {
		return err
	}
	return appendRunEntry(rb, run.ID, entry)
}

// runDigest is the digest of a run record without its lease, which
// changes with every heartbeat and carries no meaning of the run.
func runDigest(run Run) (string, error) {
	run.Owner = nil
	raw, err := encode(run)
	if err != nil {
		return "", fmt.Errorf("run %s: %w", run.ID, err)
	}
	return recordDigest(raw), nil
}

func recordDigest(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

func holderMap(h Holder) map[string]string {
	return map[string]string{
		"host": h.Host, "pid": fmt.Sprint(h.PID), "user": h.User,
		"since": h.Since.UTC().Format(time.RFC3339Nano),
	}
}

// Pristine reports whether rec is a new step's record: pending, nothing
// else recorded.
func Pristine(rec StepRecord) bool {
	a, _ := encode(rec)
	b, _ := encode(StepRecord{Name: rec.Name, Status: StepPending})
	return string(a) == string(b)
}

// putStepRecords creates the steps bucket of a new run bucket with recs.
func putStepRecords(rb *bolt.Bucket, runID string, recs []StepRecord) error {
	sb, err := rb.CreateBucket(bucketSteps)
	if err != nil {
		return err
	}
	for _, st := range recs {
		b, err := encode(st)
		if err != nil {
			return fmt.Errorf("run %s: step %s: %w", runID, st.Name, err)
		}
		if err := sb.Put([]byte(st.Name), b); err != nil {
			return err
		}
	}
	return nil
}
