package azblob

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/lease"
	"github.com/batonhq/baton/state"
)

// leaseIDFor is the blob lease id proposed by whoever takes a run's
// ownership at generation gen (the seq of the entry that last changed
// the owner). Acquirers that read the same generation propose the same
// id, so one never breaks a racing acquirer's lease; the conditional
// journal append decides which of them owns the run.
func leaseIDFor(runID string, gen uint64) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "baton-owner\x00%s\x00%d", runID, gen))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (s *store) leaseClient(runID, leaseID string) (*lease.BlobClient, error) {
	bc := s.cc.NewBlockBlobClient(s.ownerName(runID))
	return lease.NewBlobClient(bc, &lease.BlobClientOptions{LeaseID: to.Ptr(leaseID)})
}

// takeLease acquires the owner blob's lease under leaseID, creating the
// blob if needed. With mayBreak (the recorded holder is gone) a lease
// held under another id is stale: it is broken, then acquired. errLeased:
// another live process holds it.
func (s *store) takeLease(ctx context.Context, runID, leaseID string, mayBreak bool) error {
	if _, err := s.put(ctx, s.ownerName(runID), []byte("{}"), "", ""); err != nil && !errors.Is(err, errRace) && !errors.Is(err, errLeased) {
		return err
	}
	lc, err := s.leaseClient(runID, leaseID)
	if err != nil {
		return fmt.Errorf("lease of run %s: %w", runID, err)
	}
	secs := int32(s.ttl / time.Second)
	for broke := false; ; broke = true {
		_, err := lc.AcquireLease(ctx, secs, nil)
		held := bloberror.HasCode(err, bloberror.LeaseAlreadyPresent, bloberror.LeaseIsBreakingAndCannotBeAcquired)
		switch {
		case err == nil:
			return nil
		case held && mayBreak && !broke:
			s.log.Info("breaking the blob lease of a run whose owner is gone", "run", runID)
			if _, err := lc.BreakLease(ctx, &lease.BlobBreakOptions{BreakPeriod: to.Ptr(int32(0))}); err != nil && !bloberror.HasCode(err, bloberror.LeaseNotPresentWithLeaseOperation) {
				return s.wrap(err, "break the lease of run "+runID)
			}
		case held:
			return errLeased
		default:
			return s.wrap(err, "take the lease of run "+runID)
		}
	}
}

// renewLease renews the owner blob's lease; errLeased when it is no
// longer ours (broken, or taken by another).
func (s *store) renewLease(ctx context.Context, runID, leaseID string) error {
	lc, err := s.leaseClient(runID, leaseID)
	if err != nil {
		return fmt.Errorf("lease of run %s: %w", runID, err)
	}
	_, err = lc.RenewLease(ctx, nil)
	switch {
	case err == nil:
		return nil
	case isStatus(err, 409), bloberror.HasCode(err, bloberror.BlobNotFound):
		return errLeased
	}
	return s.wrap(err, "renew the lease of run "+runID)
}

// releaseLease gives the owner blob's lease up, best effort: a lease
// left behind lapses by itself.
func (s *store) releaseLease(ctx context.Context, runID, leaseID string) {
	lc, err := s.leaseClient(runID, leaseID)
	if err == nil {
		_, err = lc.ReleaseLease(ctx, nil)
	}
	if err != nil && !isStatus(err, 409) {
		s.log.Warn("releasing a run's blob lease (it lapses by itself)", "run", runID, "error", s.wrap(err, "release"))
	}
}

// breakLease ends whatever lease the owner blob has, best effort.
func (s *store) breakLease(ctx context.Context, runID string) {
	lc, err := s.leaseClient(runID, leaseIDFor(runID, 0))
	if err == nil {
		_, err = lc.BreakLease(ctx, &lease.BlobBreakOptions{BreakPeriod: to.Ptr(int32(0))})
	}
	if err != nil && !isStatus(err, 409) && !isStatus(err, 404) {
		s.log.Warn("breaking a superseded run's blob lease", "run", runID, "error", s.wrap(err, "break"))
	}
}

// writeOwner stores the holder and its heartbeat in the owner blob, under
// the lease; errLeased when the lease is no longer ours.
func (s *store) writeOwner(ctx context.Context, runID, leaseID string, o state.Owner) error {
	raw, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("run %s: encode the owner: %w", runID, err)
	}
	_, err = s.put(ctx, s.ownerName(runID), raw, azcore.ETagAny, leaseID)
	return err
}

// AcquireRun implements state.Backend.
func (s *store) AcquireRun(runID string, h state.Holder, now time.Time) (state.Lease, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	var discarded []*spooled
	for range maxAttempts {
		l, err := s.acquireOnce(ctx, runID, h, now, &discarded)
		if errors.Is(err, errRedo) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, r := range discarded {
			if err := l.Append(discardedEntry(r, now, h.User)); err != nil {
				s.log.Warn("journaling what the spool held that could not be written", "run", runID, "error", err)
			}
		}
		return l, nil
	}
	return nil, fmt.Errorf("acquire run %s: its ownership kept changing; retry (%w)", runID, state.ErrBusy)
}

// acquireOnce decides on the run as read, takes the blob lease and
// journals the new owner; errRedo when the owner changed meanwhile.
func (s *store) acquireOnce(ctx context.Context, runID string, h state.Holder, now time.Time, discarded *[]*spooled) (*azLease, error) {
	v, err := s.loadRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	// What a crashed owner on this machine kept in the spool comes first.
	replayed, disc, err := s.replaySpool(ctx, v)
	*discarded = append(*discarded, disc...)
	if err != nil {
		return nil, err
	}
	if replayed {
		return nil, errRedo
	}
	if err := state.EndedError(v.run); err != nil {
		return nil, err
	}
	var data map[string]string // the old holder, on a takeover
	if o := v.run.Owner; o != nil {
		if !gone(v, now) {
			return nil, &state.OwnedError{RunID: runID, Owner: *o}
		}
		data = holderMap(o.Holder)
	}
	if v.run.LockKey != "" {
		if err := s.relock(ctx, v.run, now); err != nil {
			return nil, err
		}
	}
	leaseID := leaseIDFor(runID, v.st.gen)
	if err := s.takeLease(ctx, runID, leaseID, true); errors.Is(err, errLeased) {
		return nil, errRedo // someone else is taking it: look again
	} else if err != nil {
		return nil, err
	}
	st, owner, err := s.journalOwner(ctx, v.st, h, now, data)
	if err != nil {
		return nil, err
	}
	if err := s.writeOwner(ctx, runID, leaseID, owner); err != nil {
		s.log.Warn("recording the new owner in the owner blob (the journal has it; the next Renew writes it)", "run", runID, "error", err)
	}
	return &azLease{s: s, runID: runID, token: owner.Token, leaseID: leaseID, holder: h, st: st}, nil
}

// journalOwner appends the new owner's run record, unless the ownership
// generation moved on since from was read (errRedo). Its token is the seq
// of its entry.
func (s *store) journalOwner(ctx context.Context, from *runState, h state.Holder, now time.Time, old map[string]string) (*runState, state.Owner, error) {
	typ := "run.owner_acquired"
	if old != nil {
		typ = "run.owner_taken_over"
	}
	var owner state.Owner
	st, _, err := s.commit(ctx, from, func(st *runState) ([]item, error) {
		if st.gen != from.gen {
			return nil, errRedo
		}
		if err := state.EndedError(st.run); err != nil {
			return nil, err
		}
		run := st.run
		owner = state.Owner{Holder: h, Token: st.lastSeq() + 1, Renewed: now, TTL: s.ttl}
		run.Owner = &owner
		it, err := runItem(run, state.JournalEntry{At: now, Type: typ, Actor: h.User, Data: old})
		return []item{it}, err
	})
	return st, owner, err
}

// Supersede implements state.Backend.
func (s *store) Supersede(runID string, entry state.JournalEntry, now time.Time) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	return s.supersede(ctx, runID, entry, now, "", true)
}

// supersede ends runID for good if its owner is not live; byRun names the
// run taking its lock over (which then keeps the lock blob: freeLock false).
func (s *store) supersede(ctx context.Context, runID string, entry state.JournalEntry, now time.Time, byRun string, freeLock bool) error {
	if err := checkSupersession(runID, entry); err != nil {
		return err
	}
	for range maxAttempts {
		err := s.supersedeOnce(ctx, runID, entry, now, byRun, freeLock)
		if !errors.Is(err, errRedo) {
			return err
		}
	}
	return fmt.Errorf("supersede run %s: its ownership kept changing; retry (%w)", runID, state.ErrBusy)
}

func checkSupersession(runID string, e state.JournalEntry) error {
	if e.Actor == "" || e.Data["reason"] == "" {
		return fmt.Errorf("supersede run %s: say who supersedes it and why (--by, --reason)", runID)
	}
	return nil
}

func (s *store) supersedeOnce(ctx context.Context, runID string, entry state.JournalEntry, now time.Time, byRun string, freeLock bool) error {
	v, err := s.loadRun(ctx, runID)
	if err != nil {
		return err
	}
	if err := state.EndedError(v.run); err != nil {
		return err
	}
	if o := v.run.Owner; o != nil && !gone(v, now) {
		return fmt.Errorf("supersede run %s: %w", runID, &state.OwnedError{RunID: runID, Owner: *o})
	}
	mk := supersededItem(entry, now, byRun)
	_, _, err = s.commit(ctx, v.st, func(st *runState) ([]item, error) {
		if st.gen != v.st.gen {
			return nil, errRedo
		}
		if err := state.EndedError(st.run); err != nil {
			return nil, err
		}
		it, err := mk(st)
		return []item{it}, err
	})
	if err != nil {
		return err
	}
	if v.run.Owner != nil {
		s.breakLease(ctx, runID) // its Renew now fails at once
	}
	if freeLock && v.run.LockKey != "" {
		s.releaseLock(ctx, v.run.LockKey, runID)
	}
	return nil
}

// supersededItem builds the record and entry ending a run for good.
func supersededItem(entry state.JournalEntry, now time.Time, byRun string) func(st *runState) (item, error) {
	return func(st *runState) (item, error) {
		run := st.run
		run.Status, run.Reason = state.RunSuperseded, "superseded by "+entry.Actor+": "+entry.Data["reason"]
		run.Superseded = &state.Supersession{By: entry.Actor, Reason: entry.Data["reason"], At: now, ByRun: byRun}
		run.Owner = nil
		run.UpdatedAt, run.FinishedAt = now, now
		if entry.Type == "" {
			entry.Type = "run.superseded"
		}
		entry.At = now
		if byRun != "" {
			entry.Data = maps.Clone(entry.Data)
			entry.Data["by_run"] = byRun
		}
		return runItem(run, entry)
	}
}
