package state

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Seams for tests.
var (
	hostname = os.Hostname
	isAlive  = processAlive
)

// LockedError is returned by AcquireLock when another run holds the key.
// errors.Is(err, ErrLocked) is true.
type LockedError struct {
	Holder LockHolder
	// Stale is true when the holder ran on this host and its process is
	// provably gone, so the lock can be taken over with force.
	Stale bool
}

func (e *LockedError) Error() string {
	h := e.Holder
	var b strings.Builder
	fmt.Fprintf(&b, "lock %q is held by run %s (host %s, pid %d, user %s, since %s)",
		h.Key, h.RunID, h.Host, h.PID, h.User, h.Since.UTC().Format(time.RFC3339))
	if e.Stale {
		b.WriteString("; the holder process is gone; use --force to take it over")
	} else {
		b.WriteString("; wait for that run to finish or cancel it; if its host is gone for good, force-unlock the lock by its name")
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Unwrap() error { return ErrLocked }

// AcquireLock takes the lock h.Key for run h.RunID and journals entry into
// that run (an entry with an empty Type journals nothing, and then the run
// need not exist). A lock already held by the same run is taken again, with
// h replacing the holder, unless a different live process on this host
// holds it for that run (a second resume), which is refused like a lock of
// another run. A lock held by another run yields a *LockedError; with force
// and a stale holder the lock is taken over and "lock.taken_over" is
// journaled into h.RunID first. A live holder is refused even with force.
// Staleness needs h.Host to be os.Hostname() and h.PID os.Getpid() of the
// process that runs the run.
func (s *Store) AcquireLock(h LockHolder, entry JournalEntry, force bool) error {
	if err := checkName("lock key", h.Key, maxNameLen); err != nil {
		return fmt.Errorf("acquire lock: %w", err)
	}
	if err := checkName("run id", h.RunID, maxIDLen); err != nil {
		return fmt.Errorf("acquire lock %q: %w", h.Key, err)
	}
	raw, err := encode(h)
	if err != nil {
		return fmt.Errorf("acquire lock %q: %w", h.Key, err)
	}
	return s.update(func(tx *bolt.Tx) error {
		locks, err := tx.CreateBucketIfNotExists(bucketLocks)
		if err != nil {
			return err
		}
		var rb *bolt.Bucket
		if entry.Type != "" {
			if rb, err = runBucket(tx, h.RunID); err != nil {
				return fmt.Errorf("acquire lock %q: %w", h.Key, err)
			}
		}
		if old := locks.Get([]byte(h.Key)); old != nil {
			holder, err := decodeLock(old)
			if err != nil {
				return fmt.Errorf("%w: lock %q: %v; force-unlock it by its name", ErrCorrupt, h.Key, err)
			}
			sameProc := holder.Host == h.Host && holder.PID == h.PID
			switch stale := s.stale(holder); {
			case holder.RunID == h.RunID && (sameProc || stale || holder.Host != h.Host):
				// Re-entrant: the same process, or a resume after the
				// previous process died (or on another host).
			case stale && force:
				if rb == nil {
					if rb, err = runBucket(tx, h.RunID); err != nil {
						return fmt.Errorf("take over lock %q: %w", h.Key, err)
					}
				}
				if err := appendRunEntry(rb, h.RunID, JournalEntry{
					At: h.Since, Type: "lock.taken_over", Actor: h.User,
					Data: holderData(holder),
				}); err != nil {
					return err
				}
			default:
				return &LockedError{Holder: holder, Stale: stale}
			}
		}
		if err := locks.Put([]byte(h.Key), raw); err != nil {
			return err
		}
		if rb == nil {
			return nil
		}
		return appendRunEntry(rb, h.RunID, entry)
	})
}

// stale reports whether holder ran on this host and its process is gone.
func (s *Store) stale(holder LockHolder) bool {
	return !ProcessAlive(holder.Host, holder.PID)
}

// ReleaseLock releases key if run runID holds it; otherwise it does nothing.
func (s *Store) ReleaseLock(key, runID string) error {
	return s.update(func(tx *bolt.Tx) error {
		var raw []byte
		locks := tx.Bucket(bucketLocks)
		if locks != nil && key != "" {
			raw = locks.Get([]byte(key))
		}
		if raw == nil {
			return errSkip
		}
		holder, err := decodeLock(raw)
		if err != nil || holder.RunID != runID {
			return errSkip // another run's lock; an unreadable one needs ForceUnlock
		}
		return locks.Delete([]byte(key))
	})
}

// ForceUnlock releases key whoever holds it and journals
// "lock.force_unlocked" (actor by, at) into the holder run's journal when
// that run still exists. It returns the former holder, or an error
// wrapping ErrNotFound.
func (s *Store) ForceUnlock(key, by string, at time.Time) (LockHolder, error) {
	if by == "" {
		return LockHolder{}, fmt.Errorf("force-unlock %q: say who unlocks (by is empty)", key)
	}
	var holder LockHolder
	err := s.update(func(tx *bolt.Tx) error {
		var raw []byte
		locks := tx.Bucket(bucketLocks)
		if locks != nil && key != "" {
			raw = locks.Get([]byte(key))
		}
		if raw == nil {
			return fmt.Errorf("lock %q: %w; `baton locks` lists the held locks", key, ErrNotFound)
		}
		var err error
		holder, err = decodeLock(raw)
		if err != nil {
			holder = LockHolder{Key: key} // unreadable: still let it go
		}
		if err := locks.Delete([]byte(key)); err != nil {
			return err
		}
		rb, err := runBucket(tx, holder.RunID)
		if err != nil {
			return nil // the run is gone; nothing to journal into
		}
		return appendRunEntry(rb, holder.RunID, JournalEntry{
			At: at, Type: "lock.force_unlocked", Actor: by, Data: holderData(holder),
		})
	})
	if err != nil {
		return LockHolder{}, err
	}
	return holder, nil
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
		var err error
		if h, err = decodeLock(raw); err != nil {
			return fmt.Errorf("%w: lock %q: %v; force-unlock it by its name", ErrCorrupt, key, err)
		}
		return nil
	})
	return h, err
}

// Locks returns every held lock, sorted by key.
func (s *Store) Locks() ([]LockHolder, error) {
	var out []LockHolder
	err := s.view(func(tx *bolt.Tx) error {
		locks := tx.Bucket(bucketLocks)
		if locks == nil {
			return nil
		}
		return locks.ForEach(func(k, v []byte) error {
			h, err := decodeLock(v)
			if err != nil {
				return fmt.Errorf("%w: lock %q: %v; force-unlock it by its name", ErrCorrupt, printable(k), err)
			}
			out = append(out, h)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func holderData(h LockHolder) map[string]string {
	return map[string]string{
		"key":    h.Key,
		"run_id": h.RunID,
		"host":   h.Host,
		"pid":    strconv.Itoa(h.PID),
		"user":   h.User,
		"since":  h.Since.UTC().Format(time.RFC3339Nano),
	}
}
