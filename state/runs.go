package state

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// ErrConflict: the change contradicts the stored state (a second answer by
// the same approver, resolving a step that is not in doubt, cancelling a
// finished run). The message says what the state is.
var ErrConflict = errors.New("conflicts with the stored state")

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

func putStep(rb, sb *bolt.Bucket, runID string, rec StepRecord, entry JournalEntry) error {
	if prev := sb.Get([]byte(rec.Name)); prev != nil {
		old, err := loadStepRaw(prev, runID, rec.Name)
		if err != nil {
			return err
		}
		if err := CheckTransition(runID, old, rec); err != nil {
			return err
		}
	}
	raw, err := encode(rec)
	if err != nil {
		return fmt.Errorf("run %s: step %s: %w", runID, rec.Name, err)
	}
	if err := sb.Put([]byte(rec.Name), raw); err != nil {
		return err
	}
	if entry.Step == "" {
		entry.Step = rec.Name
	}
	entry.RunRecord, entry.StepRecord = "", recordDigest(raw)
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
