package azblob

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/batonhq/baton/state"
)

// lockRec is a lock blob as read.
type lockRec struct {
	holder state.LockHolder
	blob   blobData
}

// readLock reads locks/<key>; errNoBlob when there is none.
func (s *store) readLock(ctx context.Context, key string) (lockRec, error) {
	name := s.lockName(key)
	b, err := s.get(ctx, name)
	if err != nil {
		return lockRec{}, err
	}
	var h state.LockHolder
	if err := json.Unmarshal(b.data, &h); err != nil || h.RunID == "" {
		return lockRec{}, fmt.Errorf("%w: lock %q (%s) does not decode; supersede its run, or delete the blob if no run holds the site", state.ErrCorrupt, key, name)
	}
	return lockRec{holder: h, blob: b}, nil
}

// holderRun reads the run holding a lock; held is false when that run
// ended or was never created.
func (s *store) holderRun(ctx context.Context, runID string) (v *runView, held bool, err error) {
	v, err = s.loadRun(ctx, runID)
	if errors.Is(err, state.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return v, !v.run.Status.Done(), nil
}

// runHolds reports whether runID exists and has not ended (journal only).
func (s *store) runHolds(ctx context.Context, runID string) (bool, error) {
	st, err := s.readRun(ctx, runID)
	if errors.Is(err, state.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return st.hasRun && !st.run.Status.Done(), nil
}

// checkLock decides how run takes its lock (CreateRun): the claim to
// write, or why it cannot.
func (s *store) checkLock(ctx context.Context, run state.Run, opts state.CreateOptions, now time.Time) (*claimRec, error) {
	key := run.LockKey
	data, _ := json.Marshal(state.LockHolder{Key: key, RunID: run.ID, Host: opts.Owner.Host, PID: opts.Owner.PID, User: run.Requester, Since: now})
	c := &claimRec{name: s.lockName(key), data: data}
	lr, err := s.readLock(ctx, key)
	if errors.Is(err, errNoBlob) {
		return c, nil
	} else if err != nil {
		return nil, err
	}
	c.etag, c.prev = lr.blob.etag, lr.blob.data
	h := lr.holder
	if h.RunID == run.ID {
		return c, nil
	}
	v, held, err := s.holderRun(ctx, h.RunID)
	switch {
	case err != nil:
		return nil, err
	case v == nil:
		c.voidID = h.RunID
		return c, nil
	case !held:
		return c, nil
	case !opts.ForceLock:
		return nil, &state.LockedError{Holder: h, Run: v.run}
	}
	if err := checkSupersession(h.RunID, opts.Supersede); err != nil {
		return nil, fmt.Errorf("take over lock %q: %w", key, err)
	}
	if o := v.run.Owner; o != nil && !gone(v, now) {
		return nil, fmt.Errorf("take over lock %q: supersede run %s: %w", key, h.RunID, &state.OwnedError{RunID: h.RunID, Owner: *o})
	}
	c.supersede = h.RunID
	return c, nil
}

// relock makes sure a resumed run still holds its lock, taking it again
// if it is free (AcquireRun).
func (s *store) relock(ctx context.Context, run state.Run, now time.Time) error {
	for range maxAttempts {
		lr, err := s.readLock(ctx, run.LockKey)
		var etag = lr.blob.etag
		switch {
		case errors.Is(err, errNoBlob):
			etag = ""
		case err != nil:
			return err
		case lr.holder.RunID == run.ID:
			return nil
		default:
			v, held, err := s.holderRun(ctx, lr.holder.RunID)
			if err != nil {
				return err
			}
			if held {
				return &state.LockedError{Holder: lr.holder, Run: v.run}
			}
			if v == nil {
				if err := s.voidRun(ctx, lr.holder.RunID, run.ID, "took "+s.lockName(run.LockKey)+" over", now); errors.Is(err, errRedo) {
					continue
				} else if err != nil {
					return err
				}
			}
		}
		raw, _ := json.Marshal(state.LockHolder{Key: run.LockKey, RunID: run.ID, Host: run.Host, PID: run.PID, User: run.Requester, Since: now})
		if _, err := s.put(ctx, s.lockName(run.LockKey), raw, etag, ""); !errors.Is(err, errRace) {
			return err
		}
	}
	return fmt.Errorf("take lock %q again for run %s: it kept changing; retry (%w)", run.LockKey, run.ID, state.ErrBusy)
}

// releaseLock deletes key's blob if runID holds it, best effort: a lock
// whose run ended is free anyway.
func (s *store) releaseLock(ctx context.Context, key, runID string) {
	lr, err := s.readLock(ctx, key)
	if err == nil && lr.holder.RunID == runID {
		err = s.remove(ctx, s.lockName(key), lr.blob.etag)
	}
	if err != nil && !errors.Is(err, errNoBlob) && !errors.Is(err, errRace) {
		s.log.Warn("releasing the lock of a run that ended (it counts as free)", "lock", key, "run", runID, "error", err)
	}
}

// Lock implements state.Reader.
func (s *store) Lock(key string) (state.LockHolder, error) {
	if err := s.checkOpen(); err != nil {
		return state.LockHolder{}, err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	if key == "" || checkBlobName("lock key", s.lockName(key)) != nil {
		return state.LockHolder{}, fmt.Errorf("lock %q: %w", key, state.ErrNotFound)
	}
	lr, err := s.readLock(ctx, key)
	if errors.Is(err, errNoBlob) {
		return state.LockHolder{}, fmt.Errorf("lock %q: %w", key, state.ErrNotFound)
	} else if err != nil {
		return state.LockHolder{}, err
	}
	held, err := s.runHolds(ctx, lr.holder.RunID)
	if err != nil {
		return lr.holder, err
	}
	if !held {
		return lr.holder, fmt.Errorf("lock %q: %w (its run %s ended or was never created)", key, state.ErrNotFound, lr.holder.RunID)
	}
	return lr.holder, nil
}

// Locks implements state.Reader: every held lock, sorted by key.
func (s *store) Locks() ([]state.LockHolder, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	dir := s.prefix + "locks/"
	names, err := s.list(ctx, dir)
	if err != nil {
		return nil, err
	}
	var out []state.LockHolder
	for _, n := range names {
		key := unesc(strings.TrimPrefix(n, dir))
		lr, err := s.readLock(ctx, key)
		if errors.Is(err, errNoBlob) {
			continue // released meanwhile
		} else if err != nil {
			return nil, err
		}
		if held, err := s.runHolds(ctx, lr.holder.RunID); err != nil {
			return nil, fmt.Errorf("lock %q: %w", key, err)
		} else if held {
			out = append(out, lr.holder)
		}
	}
	slices.SortFunc(out, func(a, b state.LockHolder) int { return cmp.Compare(a.Key, b.Key) })
	return out, nil
}
