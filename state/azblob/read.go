package azblob

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/batonhq/baton/state"
)

// readJournal downloads and replays a run's journal blob; a missing blob
// is an empty state.
func (s *store) readJournal(ctx context.Context, id string) (*runState, error) {
	b, err := s.get(ctx, s.journalName(id))
	if errors.Is(err, errNoBlob) {
		return replay(id, nil, ""), nil
	}
	if err != nil {
		return nil, err
	}
	return replay(id, b.data, b.etag), nil
}

// readRun is readJournal of a run that was created: ErrNotFound for a
// missing, empty or void journal.
func (s *store) readRun(ctx context.Context, id string) (*runState, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	if id == "" || checkBlobName("run id", s.journalName(id)) != nil {
		return nil, s.notFound(id)
	}
	st, err := s.readJournal(ctx, id)
	if err != nil {
		return nil, err
	}
	if st.void != nil || len(st.entries) == 0 && st.bad == nil {
		return nil, s.notFound(id)
	}
	return st, nil
}

func (s *store) notFound(id string) error {
	return fmt.Errorf("run %q: %w; `baton runs` lists the runs in %s", id, state.ErrNotFound, s.url)
}

// runView is a run as readers see it: the projected record with the
// heartbeat of its owner blob, and whether the blob lease is active.
type runView struct {
	st     *runState
	run    state.Run
	leased bool
}

// loadRun reads a run's journal and its owner blob (in parallel: one
// round trip of latency).
func (s *store) loadRun(ctx context.Context, id string) (*runView, error) {
	var (
		wg   sync.WaitGroup
		oi   ownerInfo
		oerr error
	)
	wg.Go(func() { oi, oerr = s.readOwner(ctx, id) })
	st, err := s.readRun(ctx, id)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if oerr != nil {
		return nil, oerr
	}
	if st.runBad != nil {
		return nil, st.runBad
	}
	if !st.hasRun {
		return nil, fmt.Errorf("%w: run %s has no run record in its journal; `baton journal verify %s` says where it is damaged", state.ErrCorrupt, id, id)
	}
	v := &runView{st: st, run: st.run, leased: oi.leased}
	if o := v.run.Owner; o != nil && oi.owner != nil && oi.owner.Token == o.Token && oi.owner.Renewed.After(o.Renewed) {
		cp := *o
		cp.Renewed = oi.owner.Renewed
		v.run.Owner = &cp
	}
	return v, nil
}

// gone reports whether nobody may be executing the run at now: it has no
// owner, the service says the owner's blob lease lapsed (or was broken),
// or the contract's check says the holder is gone (its process on this
// host exited, or its heartbeat is older than its TTL at the caller's now).
func gone(v *runView, now time.Time) bool {
	o := v.run.Owner
	return o == nil || !v.leased || o.Gone(now)
}

// ownerInfo is what the owner blob holds.
type ownerInfo struct {
	owner  *state.Owner
	leased bool
	exists bool
}

func (s *store) readOwner(ctx context.Context, id string) (ownerInfo, error) {
	b, err := s.get(ctx, s.ownerName(id))
	if errors.Is(err, errNoBlob) {
		return ownerInfo{}, nil
	}
	if err != nil {
		return ownerInfo{}, err
	}
	oi := ownerInfo{leased: b.leased, exists: true}
	var o state.Owner
	if json.Unmarshal(b.data, &o) == nil && o.Token != 0 {
		oi.owner = &o
	}
	return oi, nil
}

// Run implements state.Reader.
func (s *store) Run(id string) (state.Run, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	v, err := s.loadRun(ctx, id)
	if err != nil {
		return state.Run{}, err
	}
	return v.run, nil
}

// Runs implements state.Reader: it lists runs/ and reads every run, eight
// at a time. That is meant for tens to hundreds of runs; a store with
// thousands should archive ended runs under another prefix.
func (s *store) Runs() ([]state.Run, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	dirs, err := s.listDirs(ctx, s.prefix+"runs/")
	if err != nil {
		return nil, err
	}
	out, err := s.loadRuns(ctx, dirs)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b state.Run) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	return out, nil
}

// loadRuns reads the runs of the escaped ids, eight at a time, leaving
// out ids with no created run.
func (s *store) loadRuns(ctx context.Context, ids []string) ([]state.Run, error) {
	runs := make([]*state.Run, len(ids))
	errs := make([]error, len(ids))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			v, err := s.loadRun(ctx, unesc(id))
			if err == nil {
				runs[i] = &v.run
			} else if !errors.Is(err, state.ErrNotFound) {
				errs[i] = err
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var out []state.Run
	for _, r := range runs {
		if r != nil {
			out = append(out, *r)
		}
	}
	return out, nil
}

// Steps implements state.Reader: the run's step records sorted by name.
func (s *store) Steps(runID string) ([]state.StepRecord, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	st, err := s.readRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	var out []state.StepRecord
	for _, name := range st.stepNames() {
		rec, err := st.step(name)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}

// Step implements state.Reader.
func (s *store) Step(runID, name string) (state.StepRecord, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	st, err := s.readRun(ctx, runID)
	if err != nil {
		return state.StepRecord{}, err
	}
	return st.step(name)
}

// Journal implements state.Reader.
func (s *store) Journal(runID string) ([]state.JournalEntry, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	st, err := s.readRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	if st.bad != nil {
		return nil, fmt.Errorf("%w: run %s: %s; `baton journal verify %s` says where", state.ErrCorrupt, runID, st.bad.Reason, runID)
	}
	return slices.Clone(st.entries), nil
}

// JournalSince implements state.Reader.
func (s *store) JournalSince(runID string, seq uint64) ([]state.JournalEntry, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	st, err := s.readRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	return st.since(seq)
}

// VerifyJournal implements state.Reader.
func (s *store) VerifyJournal(runID string) (string, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	st, err := s.readRun(ctx, runID)
	if err != nil {
		return "", err
	}
	return st.verify()
}

// Close implements state.Backend. Later calls fail with state.ErrClosed.
func (s *store) Close() error {
	s.closed.Store(true)
	if s.halt != nil {
		s.halt()
	}
	return nil
}

var _ state.Backend = (*store)(nil)
