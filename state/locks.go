package state

import (
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Seams for tests.
var (
	hostname  = HostID
	isAlive   = processAlive
	procStart = ProcStart
)

// LockedError is returned when another run holds a lock key. errors.Is(err,
// ErrLocked) is true.
type LockedError struct {
	Holder LockHolder
	// Run is the holding run as stored (its status, owner, reason).
	Run Run
}

func (e *LockedError) Error() string {
	h, r := e.Holder, e.Run
	var b strings.Builder
	fmt.Fprintf(&b, "lock %q is held by %s run %s (started by %s on %s, since %s", h.Key, r.Status, h.RunID, h.User, h.Host, h.Since.UTC().Format(time.RFC3339))
	if r.Reason != "" {
		fmt.Fprintf(&b, "; %s", r.Reason)
	}
	b.WriteString(")")
	if r.Owner != nil {
		fmt.Fprintf(&b, "; pid %d on %s executes it", r.Owner.PID, r.Owner.Host)
	}
	b.WriteString("; a run keeps its lock until it ends: wait for it, cancel it (baton cancel RUN), or supersede it (baton unlock KEY --supersede --by NAME --reason TEXT)")
	return b.String()
}

// Unwrap makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Unwrap() error { return ErrLocked }

// takeLock gives run its lock inside tx: free, held by an ended run, or,
// with opts.ForceLock, held by a run whose owner is not live, which is then
// superseded for run.
func takeLock(tx *bolt.Tx, run Run, opts CreateOptions, now time.Time) error {
	locks, err := tx.CreateBucketIfNotExists(bucketLocks)
	if err != nil {
		return err
	}
	if holder, hrun, held, err := lockHolderRun(tx, locks, run.LockKey); err != nil {
		return err
	} else if held && holder.RunID != run.ID {
		if !opts.ForceLock {
			return &LockedError{Holder: holder, Run: hrun}
		}
		if err := supersede(tx, holder.RunID, opts.Supersede, now, run.ID); err != nil {
			return fmt.Errorf("take over lock %q: %w", run.LockKey, err)
		}
	}
	h := LockHolder{Key: run.LockKey, RunID: run.ID, Host: opts.Owner.Host, PID: opts.Owner.PID, User: run.Requester, Since: now}
	raw, err := encode(h)
	if err != nil {
		return err
	}
	return locks.Put([]byte(run.LockKey), raw)
}

// relock makes sure a resumed run still holds its lock: a lock it lost
// (force-unlocked by an older baton) is taken again if free.
func relock(tx *bolt.Tx, run Run, now time.Time) error {
	locks, err := tx.CreateBucketIfNotExists(bucketLocks)
	if err != nil {
		return err
	}
	holder, hrun, held, err := lockHolderRun(tx, locks, run.LockKey)
	switch {
	case err != nil:
		return err
	case held && holder.RunID == run.ID:
		return nil
	case held:
		return &LockedError{Holder: holder, Run: hrun}
	}
	raw, err := encode(LockHolder{Key: run.LockKey, RunID: run.ID, Host: run.Host, PID: run.PID, User: run.Requester, Since: now})
	if err != nil {
		return err
	}
	return locks.Put([]byte(run.LockKey), raw)
}

// lockHolderRun reads key's holder and its run; held is false when the key
// is free or its run ended (or no longer exists).
func lockHolderRun(tx *bolt.Tx, locks *bolt.Bucket, key string) (LockHolder, Run, bool, error) {
	raw := locks.Get([]byte(key))
	if raw == nil {
		return LockHolder{}, Run{}, false, nil
	}
	holder, err := decodeLock(raw)
	if err != nil {
		return LockHolder{}, Run{}, false, fmt.Errorf("%w: lock %q: %v; supersede its run or restore the state file", ErrCorrupt, key, err)
	}
	rb, err := runBucket(tx, holder.RunID)
	if err != nil {
		return holder, Run{}, false, nil
	}
	run, err := loadRun(rb, holder.RunID)
	if err != nil {
		return holder, Run{}, false, err
	}
	return holder, run, !run.Status.Done(), nil
}

// releaseLock deletes key if runID holds it.
func releaseLock(tx *bolt.Tx, key, runID string) error {
	locks := tx.Bucket(bucketLocks)
	if locks == nil {
		return nil
	}
	raw := locks.Get([]byte(key))
	if raw == nil {
		return nil
	}
	if holder, err := decodeLock(raw); err == nil && holder.RunID != runID {
		return nil
	}
	return locks.Delete([]byte(key))
}

// Lock returns the holder of key, or an error wrapping ErrNotFound.
func (s *Store) Lock(key string) (LockHolder, error) {
	var h LockHolder
	err := s.view(func(tx *bolt.Tx) error {
		var raw []byte
		if locks := tx.Bucket(bucketLocks); locks != nil && key != "" {
			raw = locks.Get([]byte(key))
		}
		if raw == nil {
			return fmt.Errorf("lock %q: %w", key, ErrNotFound)
		}
		holder, _, held, err := lockHolderRun(tx, tx.Bucket(bucketLocks), key)
		h = holder
		if err != nil {
			return err
		}
		if !held {
			return fmt.Errorf("lock %q: %w (its run ended)", key, ErrNotFound)
		}
		return nil
	})
	return h, err
}

// Locks returns every held lock (its run has not ended), sorted by key.
func (s *Store) Locks() ([]LockHolder, error) {
	var out []LockHolder
	err := s.view(func(tx *bolt.Tx) error {
		locks := tx.Bucket(bucketLocks)
		if locks == nil {
			return nil
		}
		return locks.ForEach(func(k, v []byte) error {
			h, _, held, err := lockHolderRun(tx, locks, string(k))
			if err != nil {
				return fmt.Errorf("lock %q: %w", printable(k), err)
			}
			if held {
				out = append(out, h)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
