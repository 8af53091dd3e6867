package azblob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/batonhq/baton/state"
)

// maxAttempts bounds how often a write is rebuilt because another writer
// appended first (answers landing between the owner's writes); with the
// backoff between attempts, a writer keeps trying for about 2 s.
const maxAttempts = 12

// errRedo, from a build function, means the state changed in a way that
// calls for the caller's whole decision again (the owner changed).
var errRedo = errors.New("the run changed meanwhile")

// commit appends the block that build makes from st, on the condition
// that the journal is still st.size() bytes long. When another writer
// appended first (HTTP 412) it re-reads the journal and builds again from
// what is there, so every write is checked against the state it lands on.
// It returns the state after the write and the entries as stored.
func (s *store) commit(ctx context.Context, st *runState, build func(*runState) ([]item, error)) (*runState, []state.JournalEntry, error) {
	return s.commitSeen(ctx, st, build, nil)
}

// commitSeen is commit telling seen about each append it sends: the
// journal state it is conditioned on, the block and its items (what the
// spool keeps when the service does not answer).
func (s *store) commitSeen(ctx context.Context, st *runState, build func(*runState) ([]item, error), seen func(st *runState, block []byte, items []item)) (*runState, []state.JournalEntry, error) {
	name := s.journalName(st.id)
	for attempt := 1; ; attempt++ {
		items, err := build(st)
		if err != nil {
			return nil, nil, err
		}
		entries, err := st.chain(items)
		if err != nil {
			return nil, nil, err
		}
		block, err := encodeBlock(items)
		if err != nil {
			return nil, nil, err
		}
		if seen != nil {
			seen(st, block, items)
		}
		etag, err := s.appendAt(ctx, name, block, st.size())
		if err == nil {
			return st.extended(block, items, etag), entries, nil
		}
		if errors.Is(err, errNoBlob) {
			return nil, nil, s.notFound(st.id)
		}
		if !errors.Is(err, errMoved) {
			return nil, nil, err
		}
		s.moved.Add(1)
		fresh, err := s.readJournal(ctx, st.id)
		if err != nil {
			return nil, nil, err
		}
		if landed(fresh, st.size(), block) {
			return fresh, entries, nil // a retried request had been applied
		}
		if attempt == maxAttempts {
			return nil, nil, fmt.Errorf("write to run %s: its journal changed under each of %d attempts; retry (%w)", st.id, maxAttempts, state.ErrBusy)
		}
		s.log.Debug("journal moved; re-reading and rebuilding the write", "run", st.id, "attempt", attempt, "at", st.size(), "now", fresh.size())
		if err := backoff(ctx, attempt); err != nil {
			return nil, nil, s.wrap(err, "write to run "+st.id)
		}
		st = fresh
	}
}

// backoff waits a random time that doubles with each attempt (5 to 10 ms,
// then up to 160 to 320 ms), so that writers that keep colliding spread
// out instead of colliding again.
func backoff(ctx context.Context, attempt int) error {
	d := 10 * time.Millisecond << min(attempt-1, 5)
	t := time.NewTimer(d/2 + rand.N(d/2))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// landed reports whether fresh holds block at pos: an append whose answer
// was lost and that the retry policy sent again.
func landed(fresh *runState, pos int64, block []byte) bool {
	end := pos + int64(len(block))
	return fresh.size() >= end && bytes.Equal(fresh.raw[pos:end], block)
}

// extended is st with block (holding items) appended.
func (st *runState) extended(block []byte, items []item, etag azcore.ETag) *runState {
	next := *st
	next.raw = append(slices.Clip(st.raw), block...)
	next.etag = etag
	next.entries = slices.Clip(st.entries)
	next.steps = maps.Clone(st.steps)
	for _, it := range items {
		next.apply(it)
	}
	next.badLast = false
	return &next
}
