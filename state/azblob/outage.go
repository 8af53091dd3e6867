package azblob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/batonhq/baton/state"
)

// An owner write that the service does not answer (isOutage: no
// connection, no answer within the pipeline's TryTimeout, or 408, 429,
// 5xx, each after azcore's retries) is kept in the spool and sent again
// until it lands: the Lease call blocks meanwhile, so the executor,
// whose commit it is, starts nothing new. Each attempt is one call of the
// SDK, itself bounded and retried by azcore's retry policy
// (policy.RetryOptions: MaxRetries, TryTimeout, RetryDelay,
// MaxRetryDelay); outlast only calls again.
//
// Sending again is idempotent, because a write that timed out may have
// landed:
//   - a journal block is appended on the condition that the journal is
//     exactly as long as when the block was built (the append-position
//     condition). If it landed, the retry is refused (412) and commit finds
//     the block's exact bytes at that position (landed): done. If someone
//     else appended meanwhile (an answer), the block did not land and never
//     can at that position: commit re-reads, re-checks the fence and
//     rebuilds it on the new end, and the spool entry is replaced.
//   - a log chunk is appended on its log's length the same way, and
//     recognised by its bytes (holds).
//   - the heartbeat (owner blob) is an unconditional write under the blob
//     lease: writing it twice is writing it once. Lock blobs are written
//     by CreateRun and AcquireRun only, by re-reading loops that accept a
//     lock already naming their run. Neither is spooled.
//
// Before each attempt after the first, the blob lease is renewed (Azure
// renews a lapsed lease under the same id while nobody leased the blob
// since) or acquired again under the same id. Either can fail because
// another process took the run over while this one could not reach the
// service; the journal append decides: its takeover moved the journal,
// the rebuilt write fails the fence with state.ErrLeaseLost, and the
// spool entry is kept for the record (the next resume on this machine
// discards it, saying what it held).
//
// The wait ends when the write lands (its spool entry is deleted), fails
// for another reason (the entry is kept), or Options.Context is done or
// the store closed (the entry is kept; `baton resume` on this machine
// replays it, see replaySpool).

// attempt is one try of an owner write: what it sent, for the spool.
type attempt struct {
	rec *spooled
}

// outlast runs try until it lands or fails for a reason other than an
// outage, keeping what it sends in the spool while the service does not
// answer. what names the write for messages ("put steps").
func (l *azLease) outlast(what string, try func(ctx context.Context, at *attempt) error) error {
	var kept *spooled
	for first := true; ; first = false {
		if !first && l.s.stop.Err() != nil {
			return fmt.Errorf("%s of run %s: the state store %s did not answer and this process is stopping: %s is kept in the spool %s; `baton resume %s` on this machine writes it if the run is still as it was (%w)",
				what, l.runID, l.s.url, kept.what(), l.s.spool.path, l.runID, state.ErrBusy)
		}
		ctx, cancel := l.attemptCtx(first)
		if !first {
			if err := l.regain(ctx); err != nil {
				cancel()
				if isOutage(err) {
					continue
				}
				return l.refused(kept, err)
			}
		}
		var at attempt
		err := try(ctx, &at)
		cancel()
		if err == nil {
			if kept != nil {
				if derr := l.s.spool.drop(kept); derr != nil {
					l.s.log.Warn("the spooled write landed but its spool entry could not be deleted (the next resume finds it landed and deletes it)", "run", l.runID, "error", derr)
				}
				l.s.log.Warn(fmt.Sprintf("state store answers again: %s is written to %s; the run carries on", kept.what(), l.s.url), "run", l.runID, "spool", l.s.spool.path)
			}
			return nil
		}
		if !isOutage(err) || l.s.spool == nil || at.rec == nil {
			return l.refused(kept, err)
		}
		rec := at.rec
		if kept == nil || kept.Pos != rec.Pos || !bytes.Equal(kept.Block, rec.Block) {
			if serr := l.s.spool.put(rec); serr != nil {
				return fmt.Errorf("%w; and keeping it in the local spool failed too: %v", err, serr)
			}
		}
		if kept == nil {
			l.s.log.Warn(fmt.Sprintf("state store unreachable: %s is kept in %s; no new step starts until the store answers; do not resume this run from another host while this process is alive", rec.what(), l.s.spool.path),
				"run", l.runID, "store", l.s.url, "error", err)
		}
		kept = rec
	}
}

// attemptCtx bounds one attempt; the attempts after the first also end
// when the store stops (Options.Context, Close), the first does not, so
// that Ctrl-C never cancels a write the service would answer.
func (l *azLease) attemptCtx(first bool) (context.Context, context.CancelFunc) {
	if first {
		return l.s.ctx()
	}
	return context.WithTimeout(l.s.stop, opTimeout)
}

// refused is err, once the spooled write kept is known not to land.
func (l *azLease) refused(kept *spooled, err error) error {
	if kept == nil {
		return err
	}
	if errors.Is(err, state.ErrLeaseLost) {
		l.s.log.Warn(fmt.Sprintf("state store answers again, but the run was taken over meanwhile: %s was NOT written; it stays in %s for the record; the new owner handles the step as in doubt: tell them what this process saw", kept.what(), l.s.spool.path),
			"run", l.runID, "error", err)
		return err
	}
	l.s.log.Warn(fmt.Sprintf("state store answers again but refused the spooled write: %s was NOT written; it stays in %s; `baton resume %s` on this machine decides what to do with it", kept.what(), l.s.spool.path, l.runID),
		"run", l.runID, "error", err)
	return err
}

// regain renews the blob lease, or acquires it again under the same id
// when it lapsed or was broken while the service was unreachable. A
// lease another process holds now is not an error here: the journal
// decides (see above).
func (l *azLease) regain(ctx context.Context) error {
	err := l.s.renewLease(ctx, l.runID, l.leaseID)
	if !errors.Is(err, errLeased) {
		return err
	}
	lc, lerr := l.s.leaseClient(l.runID, l.leaseID)
	if lerr != nil {
		return lerr
	}
	_, err = lc.AcquireLease(ctx, int32(l.s.ttl/time.Second), nil)
	switch {
	case err == nil:
		l.s.log.Info("the run's blob lease lapsed while the store was unreachable; acquired it again", "run", l.runID)
		return nil
	case bloberror.HasCode(err, bloberror.LeaseAlreadyPresent, bloberror.LeaseIsBreakingAndCannotBeAcquired):
		l.s.log.Warn("another process took the run's blob lease while the store was unreachable; the journal decides who owns the run", "run", l.runID)
		return nil
	}
	if w := l.s.wrap(err, "acquire the lease of run "+l.runID); isOutage(w) {
		return w
	}
	return nil // the journal decides
}

// journalRec is the spool entry of a journal block about to be sent.
func (l *azLease) journalRec(st *runState, block []byte, items []item) *spooled {
	return &spooled{
		Store: l.s.url, Run: l.runID, Kind: spoolJournal, Blob: l.s.journalName(l.runID),
		Pos: st.size(), ETag: string(st.etag), Block: block,
		Token: l.token, Holder: l.holder, Entries: describe(items),
		Spooled: time.Now().UTC(), FirstSeq: st.lastSeq() + 1,
	}
}

// replaySpool handles what a crashed owner of run v left in this
// machine's spool, before AcquireRun decides on the run (a process that
// is still alive, waiting out an outage, keeps its entries). A journal
// block is written if and only if the journal is still exactly as it was
// when the block was spooled (same length and ETag): then it is the
// append the crashed owner was making, at the same position, and the
// takeover that follows is journaled after it. A block already there is
// dropped. Otherwise it can never land: it is dropped, the operator is
// told what it held (a step whose outcome it was is in doubt, as after
// any crash), and the explanation is returned for the new owner to
// journal ("run.spool_discarded"). Log chunks follow the same rule on
// their log blob. replayed reports whether anything was written (the
// caller reads the run again).
func (s *store) replaySpool(ctx context.Context, v *runView) (replayed bool, discarded []*spooled, err error) {
	if s.spool == nil {
		return false, nil, nil
	}
	recs, err := s.spool.pending(s.url, v.st.id)
	if err != nil {
		return false, nil, err
	}
	for _, r := range recs {
		if state.HolderAlive(r.Holder) {
			s.log.Info("a live process keeps a spooled write of this run; leaving it to that process", "run", r.Run, "pid", r.Holder.PID)
			continue
		}
		ok, wrote, err := s.replayOne(ctx, v.st, r)
		if err != nil {
			return replayed, discarded, err
		}
		replayed = replayed || wrote
		if derr := s.spool.drop(r); derr != nil {
			return replayed, discarded, derr
		}
		switch {
		case wrote:
			s.log.Warn(fmt.Sprintf("replayed from the spool %s: %s, kept there by pid %d when the store stopped answering", s.spool.path, r.what(), r.Holder.PID), "run", r.Run)
		case ok:
			s.log.Info("a spooled write had landed already; dropped it from the spool", "run", r.Run, "what", r.what())
		default:
			s.log.Warn(fmt.Sprintf("discarded from the spool %s: %s, kept there by pid %d, because the run changed since (another process wrote to it or took it over); that outcome was never recorded: a step it concerns is handled as in doubt", s.spool.path, r.what(), r.Holder.PID), "run", r.Run)
			if r.Kind == spoolJournal {
				discarded = append(discarded, r)
			}
		}
	}
	return replayed, discarded, nil
}

// replayOne writes r if its blob is still as it was: ok when r is now in
// the blob (wrote: by this call).
func (s *store) replayOne(ctx context.Context, st *runState, r *spooled) (ok, wrote bool, err error) {
	if r.Kind == spoolJournal {
		switch {
		case st.size() == r.Pos && string(st.etag) == r.ETag:
			if _, err := s.appendAt(ctx, r.Blob, r.Block, r.Pos); errors.Is(err, errMoved) {
				fresh, err := s.readJournal(ctx, r.Run)
				if err != nil {
					return false, false, err
				}
				return landed(fresh, r.Pos, r.Block), false, nil
			} else if err != nil {
				return false, false, err
			}
			return true, true, nil
		case landed(st, r.Pos, r.Block):
			return true, false, nil
		}
		return false, false, nil
	}
	if r.Pos < 0 {
		return false, false, nil // its position was never known
	}
	if r.Pos >= state.MaxLogBytes {
		return true, false, nil // the log is full: the chunk is dropped, as when written
	}
	block := r.Block
	if room := state.MaxLogBytes - r.Pos; int64(len(block)) > room {
		block = append(block[:room:room], state.TruncatedMarker...)
	}
	r = &spooled{Blob: r.Blob, Pos: r.Pos, Block: block}
	size, err := s.blobSize(ctx, r.Blob)
	if err != nil {
		return false, false, err
	}
	if size == r.Pos {
		if _, err := s.appendAt(ctx, r.Blob, r.Block, r.Pos); err == nil {
			return true, true, nil
		} else if !errors.Is(err, errMoved) {
			return false, false, err
		}
	}
	held, err := s.holds(ctx, r.Blob, r.Pos, r.Block)
	return held, false, err
}

// blobSize is a blob's length (0 when it does not exist).
func (s *store) blobSize(ctx context.Context, name string) (int64, error) {
	p, err := s.cc.NewBlobClient(name).GetProperties(ctx, nil)
	if bloberror.HasCode(err, bloberror.BlobNotFound) || isStatus(err, 404) {
		return 0, nil
	}
	if err != nil {
		return 0, s.wrap(err, "read "+name)
	}
	return *p.ContentLength, nil
}

// discardedEntry is the journal entry saying what a crashed owner's
// spool held that could not be written.
func discardedEntry(r *spooled, now time.Time, by string) state.JournalEntry {
	data := map[string]string{
		"spooled_by_host": r.Holder.Host, "spooled_by_pid": fmt.Sprint(r.Holder.PID),
		"spooled_at": r.Spooled.Format(time.RFC3339Nano), "position": fmt.Sprint(r.Pos),
		"token": fmt.Sprint(r.Token), "what": r.what(),
	}
	for i, e := range r.Entries {
		data[fmt.Sprintf("entry.%d.type", i)] = e.Type
		if e.Step != "" {
			data[fmt.Sprintf("entry.%d.step", i)] = e.Step
		}
		if e.Status != "" {
			data[fmt.Sprintf("entry.%d.status", i)] = e.Status
		}
	}
	return state.JournalEntry{At: now, Type: "run.spool_discarded", Actor: by, Data: data}
}
