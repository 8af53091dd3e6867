package executor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/batonhq/baton/internal/identity"
	"github.com/batonhq/baton/state"
)

// journal is the run's side of the state contract: the lease its writes go
// through, grouped into shared commits, and the answers read back from the
// journal.
type journal struct {
	lease state.Lease

	mu      sync.Mutex // guards the queue (recs, entries), queued, durable
	recs    []state.StepRecord
	entries []state.JournalEntry
	queued  uint64 // writes ever queued
	durable uint64 // writes known committed
	urgent  uint64 // the last queued write that must be durable before the loop acts
	failed  error  // the first write that failed: nothing more is written
	flushMu sync.Mutex

	cursor   uint64                          // the journal seq read so far
	given    map[string][]state.JournalEntry // approval answers per step since it asked
	resolved map[string]state.JournalEntry   // resolutions of steps in doubt
	cancel   *state.JournalEntry
	refused  map[uint64]bool // answers whose signature did not hold, journaled once
}

func newJournal() *journal {
	return &journal{given: map[string][]state.JournalEntry{}, resolved: map[string]state.JournalEntry{}, refused: map[uint64]bool{}}
}

// Durability of a queued transition.
const (
	writeNow    = iota // durable before put returns
	writeUrgent        // durable before the loop acts or blocks (flushUrgent)
	writeLazy          // durable with whatever commit comes next: losing it in a crash only means a read-only step runs again
)

// put queues a step transition. Concurrent puts share one commit: whoever
// commits takes every transition queued so far.
func (j *journal) put(rec state.StepRecord, e state.JournalEntry, when int) error {
	j.mu.Lock()
	j.recs, j.entries = append(j.recs, rec), append(j.entries, e)
	j.queued++
	mine := j.queued
	if when == writeUrgent {
		j.urgent = mine
	}
	j.mu.Unlock()
	if when != writeNow {
		return nil
	}
	return j.flushUpTo(&mine)
}

// flushUrgent makes the queued transitions durable if any must be.
func (j *journal) flushUrgent() error { return j.flushUpTo(&j.urgent) }

// flush makes every queued transition durable.
func (j *journal) flush() error { return j.flushUpTo(&j.queued) }

// flushUpTo makes the queued transitions durable up to write number *mark
// (read on entry), unless they already are.
func (j *journal) flushUpTo(mark *uint64) error {
	j.mu.Lock()
	n := *mark
	j.mu.Unlock()
	j.flushMu.Lock()
	defer j.flushMu.Unlock()
	j.mu.Lock()
	if j.failed != nil || j.durable >= n {
		err := j.failed
		j.mu.Unlock()
		return err
	}
	recs, entries, upTo := j.recs, j.entries, j.queued
	j.recs, j.entries = nil, nil
	j.mu.Unlock()
	err := j.lease.PutSteps(recs, entries)
	j.mu.Lock()
	defer j.mu.Unlock()
	if err != nil {
		j.failed = err
		return err
	}
	j.durable = upTo
	return nil
}

// holder names this process as the run's owner.
func (r *run) holder() state.Holder {
	h := state.Holder{Host: r.opts.Host, PID: r.opts.PID, User: r.opts.Requester, Since: r.opts.LeaseClock.Now()}
	if h.PID == os.Getpid() {
		h.ProcStart = state.ProcStart(h.PID)
	}
	return h
}

// keepLease renews the lease at a third of its TTL until ctx ends; when the
// lease is lost it records why (r.lost) and stops the run (cancelRun).
func (r *run) keepLease(ctx context.Context, cancelRun context.CancelFunc) {
	every := state.DefaultLeaseTTL / 3
	for {
		if err := r.opts.LeaseClock.Sleep(ctx, every); err != nil {
			return
		}
		if err := r.j.lease.Renew(r.opts.LeaseClock.Now()); err != nil {
			if errors.Is(err, state.ErrLeaseLost) {
				r.mu.Lock()
				r.lost = err
				r.mu.Unlock()
				cancelRun()
				return
			}
			r.log.Warn("renewing the run's lease", "error", err)
		}
	}
}

// appendEntry journals an entry that changes no record, after the
// transitions queued before it. It is best effort: when the queued
// transitions cannot be written the run is stopping anyway (storeFailed).
func (r *run) appendEntry(e state.JournalEntry) {
	if r.j.flush() != nil {
		return
	}
	if err := r.j.lease.Append(e); err != nil {
		r.log.Warn("journaling", "type", e.Type, "error", err)
	}
}

// updateRun writes the run record after the transitions queued before it.
func (r *run) updateRun(rec state.Run, e state.JournalEntry) error {
	if err := r.j.flush(); err != nil {
		return err
	}
	return r.j.lease.UpdateRun(rec, e)
}

// readAnswers takes the answers journaled since the last read. It reports
// whether a cancel was asked for.
func (r *run) readAnswers() bool {
	entries, err := r.store.JournalSince(r.id, r.j.cursor)
	if err != nil {
		r.log.Warn("reading answers", "error", err)
		return false
	}
	r.applyEntries(entries)
	if c := r.j.cancel; c != nil && !r.record.CancelRequested {
		r.mu.Lock()
		r.record.CancelRequested, r.record.CancelledBy = true, c.Answer.By
		r.mu.Unlock()
	}
	return r.j.cancel != nil
}

// applyEntries folds journal entries into the answers the run acts on:
// each step's approvals since it last asked, its resolution since it was
// last in doubt, and a cancel request.
func (r *run) applyEntries(entries []state.JournalEntry) {
	j := r.j
	for _, e := range entries {
		j.cursor = e.Seq
		switch {
		case e.Type == "approval.requested":
			delete(j.given, e.Step)
		case e.Type == "step.in_doubt", e.Type == "step.resolved", e.Type == "step.intent":
			// A resolution answers one doubt: the one before it. Taken
			// (step.resolved), or overtaken by a new attempt or a new
			// doubt, it answers nothing more.
			delete(j.resolved, e.Step)
		case e.Answer == nil:
		case e.Answer.Kind == state.AnswerOverrideWindow, e.Answer.Kind == state.AnswerAcceptChanges:
			// Decided by the resume that journaled them.
		case e.Answer.Kind == state.AnswerCancel:
			if j.cancel == nil {
				c := e
				j.cancel = &c
			}
		case e.Answer.Kind == state.AnswerResolve:
			if _, ok := j.resolved[e.Step]; !ok {
				j.resolved[e.Step] = e
			}
		default:
			j.given[e.Step] = append(j.given[e.Step], e)
		}
	}
}

// approvalsOf converts the answers given to step into the approvals its
// record shows. A run that counts only signed decisions skips, and
// journals once, every answer whose signature does not hold.
func (r *run) approvalsOf(step string, pol state.ApprovalPolicy) []state.Approval {
	var out []state.Approval
	for _, e := range r.j.given[step] {
		if !r.decisionCounts(e, pol) {
			continue
		}
		d := "approved"
		if e.Answer.Kind == state.AnswerReject {
			d = "rejected"
		}
		out = append(out, state.Approval{By: e.Answer.By, Decision: d, Comment: e.Answer.Comment, At: e.At, PlanDigest: e.Answer.PlanDigest})
	}
	return out
}

// decisionCounts verifies a signed answer when the run requires it.
func (r *run) decisionCounts(e state.JournalEntry, pol state.ApprovalPolicy) bool {
	if r.record.AllowedSignersDigest == "" {
		return true
	}
	if r.j.refused[e.Seq] {
		return false
	}
	fp, err := verifyDecision(r.opts.AllowedSigners, r.record, e, pol)
	if err == nil {
		return true
	}
	r.j.refused[e.Seq] = true
	r.log.Warn("an answer does not count", "step", e.Step, "by", e.Answer.By, "error", err)
	r.appendEntry(r.entry("answer.not_counted", e.Step, map[string]string{"seq": fmt.Sprint(e.Seq), "by": e.Answer.By, "key": fp, "reason": err.Error()}))
	return false
}

// frozenError says why a run whose journal does not verify is not acted on.
func frozenError(runID string, err error) error {
	return fmt.Errorf("run %s is frozen: %w; keep a copy of the state file, investigate, then end the run on record with: baton cancel %s --by NAME --reason TEXT", runID, err, runID)
}

// processIdentity is the authenticated OS identity of this process, which
// every journal entry it writes records beside the name it was given.
var processIdentity = sync.OnceValue(func() string {
	id, err := identity.Current()
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	return id.String()
})
