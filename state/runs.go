package state

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ErrConflict: the change contradicts the stored state (a second answer by
// the same approver, resolving a step that is not in doubt, cancelling a
// finished run). The message says what the state is.
var ErrConflict = errors.New("conflicts with the stored state")

// CreateRun stores a new run with its initial step records and first
// journal entry, in one transaction. It fails with ErrExists if the id is
// taken.
func (s *Store) CreateRun(run Run, steps []StepRecord, entry JournalEntry) error {
	if err := checkName("run id", run.ID, maxIDLen); err != nil {
		return fmt.Errorf("create run: %w", err)
	}
	seen := make(map[string]bool, len(steps))
	for _, st := range steps {
		if err := checkName("step name", st.Name, maxNameLen); err != nil {
			return fmt.Errorf("create run %s: %w", run.ID, err)
		}
		if seen[st.Name] {
			return fmt.Errorf("create run %s: step %q is listed twice", run.ID, st.Name)
		}
		seen[st.Name] = true
	}
	runRaw, err := encode(run)
	if err != nil {
		return fmt.Errorf("create run %s: %w", run.ID, err)
	}
	return s.update(func(tx *bolt.Tx) error {
		runs, err := tx.CreateBucketIfNotExists(bucketRuns)
		if err != nil {
			return err
		}
		rb, err := runs.CreateBucket([]byte(run.ID))
		if errors.Is(err, berrors.ErrBucketExists) {
			return fmt.Errorf("create run %s: %w; pick a new id with NewRunID", run.ID, ErrExists)
		} else if err != nil {
			return fmt.Errorf("create run %s: %w", run.ID, err)
		}
		if err := rb.Put(keyRun, runRaw); err != nil {
			return err
		}
		sb, err := rb.CreateBucket(bucketSteps)
		if err != nil {
			return err
		}
		for _, st := range steps {
			b, err := encode(st)
			if err != nil {
				return fmt.Errorf("create run %s: step %s: %w", run.ID, st.Name, err)
			}
			if err := sb.Put([]byte(st.Name), b); err != nil {
				return err
			}
		}
		if _, err := rb.CreateBucket(bucketLogs); err != nil {
			return err
		}
		return appendRunEntry(rb, run.ID, entry)
	})
}

// Run returns the run with the given id, or an error wrapping ErrNotFound.
func (s *Store) Run(id string) (Run, error) {
	var r Run
	err := s.view(func(tx *bolt.Tx) error {
		rb, err := runBucket(tx, id)
		if err != nil {
			return err
		}
		r, err = loadRun(rb, id)
		return err
	})
	return r, err
}

// Runs returns all runs, newest first.
func (s *Store) Runs() ([]Run, error) {
	var out []Run
	err := s.view(func(tx *bolt.Tx) error {
		runs := tx.Bucket(bucketRuns)
		if runs == nil {
			return nil
		}
		return runs.ForEachBucket(func(k []byte) error {
			r, err := loadRun(runs.Bucket(k), string(k))
			if err != nil {
				return err
			}
			out = append(out, r)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b Run) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	return out, nil
}

// UpdateRun replaces the run record and appends entry, in one transaction.
// A cancel request stored by another process (RequestCancel) is kept even
// if run does not carry it, so a stale copy cannot undo it.
func (s *Store) UpdateRun(run Run, entry JournalEntry) error {
	raw, err := encode(run)
	if err != nil {
		return fmt.Errorf("update run %s: %w", run.ID, err)
	}
	return s.update(func(tx *bolt.Tx) error {
		rb, err := runBucket(tx, run.ID)
		if err != nil {
			return err
		}
		old, err := loadRun(rb, run.ID)
		if err != nil {
			return err
		}
		if old.CancelRequested && !run.CancelRequested {
			run.CancelRequested = true
			if run.CancelledBy == "" {
				run.CancelledBy = old.CancelledBy
			}
			if raw, err = encode(run); err != nil {
				return err
			}
		}
		if err := rb.Put(keyRun, raw); err != nil {
			return err
		}
		return appendRunEntry(rb, run.ID, entry)
	})
}

// RequestCancel asks the process running the run to stop at its next safe
// point: it sets CancelRequested (and CancelledBy, first requester wins) and
// journals "run.cancel_requested". A finished run yields ErrConflict.
func (s *Store) RequestCancel(id, by string, at time.Time) error {
	if by == "" {
		return fmt.Errorf("cancel run %s: say who cancels (by is empty)", id)
	}
	return s.update(func(tx *bolt.Tx) error {
		rb, err := runBucket(tx, id)
		if err != nil {
			return err
		}
		r, err := loadRun(rb, id)
		if err != nil {
			return err
		}
		if r.Status.Done() {
			return fmt.Errorf("cancel run %s: %w: the run already ended (%s); nothing to cancel", id, ErrConflict, r.Status)
		}
		r.CancelRequested = true
		if r.CancelledBy == "" {
			r.CancelledBy = by
		}
		r.UpdatedAt = at
		raw, err := encode(r)
		if err != nil {
			return err
		}
		if err := rb.Put(keyRun, raw); err != nil {
			return err
		}
		return appendRunEntry(rb, id, JournalEntry{At: at, Type: "run.cancel_requested", Actor: by})
	})
}

// Steps returns the run's step records sorted by name.
func (s *Store) Steps(runID string) ([]StepRecord, error) {
	var out []StepRecord
	err := s.view(func(tx *bolt.Tx) error {
		rb, err := runBucket(tx, runID)
		if err != nil {
			return err
		}
		sb := rb.Bucket(bucketSteps)
		if sb == nil {
			return nil
		}
		return sb.ForEach(func(k, v []byte) error {
			rec, err := loadStepRaw(v, runID, string(k))
			if err != nil {
				return err
			}
			out = append(out, rec)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Step returns one step record, or an error wrapping ErrNotFound.
func (s *Store) Step(runID, name string) (StepRecord, error) {
	var rec StepRecord
	err := s.view(func(tx *bolt.Tx) error {
		rb, err := runBucket(tx, runID)
		if err != nil {
			return err
		}
		rec, err = loadStep(rb, runID, name)
		return err
	})
	return rec, err
}

// PutStep records one transition of a step: the record and its journal
// entry in one fsynced transaction. entry.Step defaults to rec.Name.
// Approvals and a Resolution already stored, which other processes write,
// are kept when rec lacks them, so a stale copy cannot erase them.
func (s *Store) PutStep(runID string, rec StepRecord, entry JournalEntry) error {
	if err := checkName("step name", rec.Name, maxNameLen); err != nil {
		return fmt.Errorf("put step of run %s: %w", runID, err)
	}
	if entry.Step == "" {
		entry.Step = rec.Name
	}
	return s.update(func(tx *bolt.Tx) error {
		rb, err := runBucket(tx, runID)
		if err != nil {
			return err
		}
		sb, err := rb.CreateBucketIfNotExists(bucketSteps)
		if err != nil {
			return err
		}
		if raw := sb.Get([]byte(rec.Name)); raw != nil {
			old, err := loadStepRaw(raw, runID, rec.Name)
			if err != nil {
				return err
			}
			rec.Approvals = mergeApprovals(old.Approvals, rec.Approvals)
			if rec.Resolution == nil {
				rec.Resolution = old.Resolution
			}
		}
		return putStep(rb, sb, runID, rec, entry)
	})
}

// AddApproval appends one person's answer to a step's approvals and journals
// entry (Step defaults to step), in one transaction. A second answer by the
// same person (names compared case-insensitively) or an answer to a
// finished step yields ErrConflict.
func (s *Store) AddApproval(runID, step string, a Approval, entry JournalEntry) error {
	if a.By == "" {
		return fmt.Errorf("approve step %s of run %s: say who answers (By is empty)", step, runID)
	}
	if a.Decision != "approved" && a.Decision != "rejected" {
		return fmt.Errorf("approve step %s of run %s: decision %q must be \"approved\" or \"rejected\"", step, runID, a.Decision)
	}
	if entry.Step == "" {
		entry.Step = step
	}
	return s.changeStep(runID, step, entry, func(rec *StepRecord) error {
		if rec.Status.Done() {
			return fmt.Errorf("approve step %s of run %s: %w: the step already ended (%s); answers are no longer accepted", step, runID, ErrConflict, rec.Status)
		}
		for _, old := range rec.Approvals {
			if strings.EqualFold(old.By, a.By) {
				return fmt.Errorf("approve step %s of run %s: %w: %s already answered (%s at %s); each person answers once", step, runID, ErrConflict, old.By, old.Decision, old.At.UTC().Format(time.RFC3339))
			}
		}
		rec.Approvals = append(rec.Approvals, a)
		return nil
	})
}

// Resolve records an operator's decision on an in-doubt step and journals
// entry (Step defaults to step), in one transaction. A step that is not
// in doubt, or already resolved, yields ErrConflict naming its status.
func (s *Store) Resolve(runID, step string, r Resolution, entry JournalEntry) error {
	switch {
	case r.By == "":
		return fmt.Errorf("resolve step %s of run %s: say who decides (By is empty)", step, runID)
	case r.Decision != "succeeded" && r.Decision != "failed" && r.Decision != "retry":
		return fmt.Errorf("resolve step %s of run %s: decision %q must be \"succeeded\", \"failed\" or \"retry\"", step, runID, r.Decision)
	case strings.TrimSpace(r.Reason) == "":
		return fmt.Errorf("resolve step %s of run %s: give a reason for the decision", step, runID)
	}
	if entry.Step == "" {
		entry.Step = step
	}
	return s.changeStep(runID, step, entry, func(rec *StepRecord) error {
		if rec.Status != StepInDoubt {
			return fmt.Errorf("resolve step %s of run %s: %w: the step is %s, not %s; only an in-doubt step can be resolved", step, runID, ErrConflict, rec.Status, StepInDoubt)
		}
		if rec.Resolution != nil {
			return fmt.Errorf("resolve step %s of run %s: %w: already resolved by %s (%s)", step, runID, ErrConflict, rec.Resolution.By, rec.Resolution.Decision)
		}
		rec.Resolution = &r
		return nil
	})
}

// changeStep applies change to a stored step record and stores it with
// entry, in one transaction; an error from change leaves the record as is.
func (s *Store) changeStep(runID, step string, entry JournalEntry, change func(*StepRecord) error) error {
	return s.update(func(tx *bolt.Tx) error {
		rb, err := runBucket(tx, runID)
		if err != nil {
			return err
		}
		rec, err := loadStep(rb, runID, step)
		if err != nil {
			return err
		}
		if err := change(&rec); err != nil {
			return err
		}
		return putStep(rb, rb.Bucket(bucketSteps), runID, rec, entry)
	})
}

// mergeApprovals returns stored plus the incoming approvals of people who
// have no stored answer. Stored answers win: they are evidence.
func mergeApprovals(stored, incoming []Approval) []Approval {
	out := stored
	for _, a := range incoming {
		if !slices.ContainsFunc(out, func(o Approval) bool { return strings.EqualFold(o.By, a.By) }) {
			out = append(out, a)
		}
	}
	return out
}

func putStep(rb, sb *bolt.Bucket, runID string, rec StepRecord, entry JournalEntry) error {
	raw, err := encode(rec)
	if err != nil {
		return fmt.Errorf("run %s: step %s: %w", runID, rec.Name, err)
	}
	if err := sb.Put([]byte(rec.Name), raw); err != nil {
		return err
	}
	return appendRunEntry(rb, runID, entry)
}

// runBucket returns runs/<id>/ or an error wrapping ErrNotFound.
func runBucket(tx *bolt.Tx, id string) (*bolt.Bucket, error) {
	var rb *bolt.Bucket
	if runs := tx.Bucket(bucketRuns); runs != nil && id != "" {
		rb = runs.Bucket([]byte(id))
	}
	if rb == nil {
		return nil, fmt.Errorf("run %q: %w; `baton runs` lists the runs in %s", id, ErrNotFound, tx.DB().Path())
	}
	return rb, nil
}

func loadRun(rb *bolt.Bucket, id string) (Run, error) {
	raw := rb.Get(keyRun)
	if raw == nil {
		return Run{}, fmt.Errorf("%w: run %s has no run record; restore the state file from a backup", ErrCorrupt, id)
	}
	r, err := decodeRun(raw)
	if err != nil {
		return Run{}, fmt.Errorf("%w: run %s: %v; restore the state file from a backup", ErrCorrupt, id, err)
	}
	return r, nil
}

func loadStep(rb *bolt.Bucket, runID, name string) (StepRecord, error) {
	var raw []byte
	if sb := rb.Bucket(bucketSteps); sb != nil && name != "" {
		raw = sb.Get([]byte(name))
	}
	if raw == nil {
		return StepRecord{}, fmt.Errorf("step %q of run %s: %w", name, runID, ErrNotFound)
	}
	return loadStepRaw(raw, runID, name)
}

func loadStepRaw(raw []byte, runID, name string) (StepRecord, error) {
	rec, err := decodeStep(raw)
	if err != nil {
		return StepRecord{}, fmt.Errorf("%w: run %s, step %s: %v; restore the state file from a backup", ErrCorrupt, runID, name, err)
	}
	return rec, nil
}
