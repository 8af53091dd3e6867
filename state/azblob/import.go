package azblob

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/batonhq/baton/state"
)

var _ state.Importer = (*store)(nil)

// importBlock is the size at which an imported journal is cut into
// append blocks, well below what one append may carry.
const importBlock = 1 << 20

// Import implements state.Importer. Logs and the plan record come first,
// then the journal, whose first block is the commit point as for
// CreateRun: a crash before it leaves a run that does not exist, and a
// second Import completes it (the logs already written are recognised).
func (s *store) Import(h state.History) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	if err := state.CheckHistory(h); err != nil {
		return err
	}
	id := h.Run.ID
	if err := checkBlobName("run id", s.journalName(id)); err != nil {
		return fmt.Errorf("import run %s: %w", id, err)
	}
	ctx, cancel := s.ctx()
	defer cancel()
	st, err := s.readJournal(ctx, id)
	if err != nil {
		return err
	}
	if st.size() > 0 {
		return fmt.Errorf("import run %s: %w in this store", id, state.ErrExists)
	}
	blocks, err := importBlocks(h)
	if err != nil {
		return err
	}
	for step, out := range h.Logs {
		if err := s.importLog(ctx, s.logName(id, step), out); err != nil {
			return fmt.Errorf("import run %s: log of step %s: %w", id, step, err)
		}
	}
	if err := s.importPlan(ctx, h.Run); err != nil {
		return err
	}
	if err := s.createAppend(ctx, s.journalName(id)); err != nil {
		return err
	}
	var pos int64
	for _, b := range blocks {
		if _, err := s.appendAt(ctx, s.journalName(id), b, pos); errors.Is(err, errMoved) {
			return fmt.Errorf("import run %s: %w: another process wrote its journal meanwhile", id, state.ErrExists)
		} else if err != nil {
			return fmt.Errorf("import run %s: %w", id, err)
		}
		pos += int64(len(b))
	}
	got, err := s.readJournal(ctx, id)
	if err != nil {
		return err
	}
	_, err = got.verify()
	return err
}

// importBlocks lays the history out as journal blocks: every entry, the
// first with the pristine records of every step, and each record attached
// to the last entry that holds its digest, where replay finds it.
func importBlocks(h state.History) ([][]byte, error) {
	run := h.Run
	run.Owner = nil
	lastRun, lastStep := -1, map[string]int{}
	for i, e := range h.Journal {
		if e.RunRecord != "" {
			lastRun = i
		}
		if e.StepRecord != "" {
			lastStep[e.Step] = i
		}
	}
	final := map[string]state.StepRecord{}
	for _, rec := range h.Steps {
		final[rec.Name] = rec
	}
	items := make([]item, 0, len(h.Journal))
	for i := range h.Journal {
		e := h.Journal[i]
		it := item{Entry: &e}
		if i == 0 {
			for _, rec := range h.Steps {
				raw, _ := json.Marshal(state.StepRecord{Name: rec.Name, Status: state.StepPending})
				it.Steps = append(it.Steps, raw)
			}
		}
		if i == lastRun || i == 0 && lastRun < 0 {
			it.Run, _ = json.Marshal(run)
		}
		if j, ok := lastStep[e.Step]; ok && j == i {
			it.Step, _ = json.Marshal(final[e.Step])
		}
		items = append(items, it)
	}
	return packBlocks(items)
}

// packBlocks encodes items into blocks of at most importBlock bytes (a
// single larger item gets a block of its own).
func packBlocks(items []item) ([][]byte, error) {
	var blocks [][]byte
	var cur []item
	size := 0
	for _, it := range items {
		b, err := json.Marshal(it)
		if err != nil {
			return nil, fmt.Errorf("encode the journal: %w", err)
		}
		if len(cur) > 0 && size+len(b) > importBlock {
			blk, err := encodeBlock(cur)
			if err != nil {
				return nil, err
			}
			blocks, cur, size = append(blocks, blk), nil, 0
		}
		cur, size = append(cur, it), size+len(b)+1
	}
	if len(cur) > 0 {
		blk, err := encodeBlock(cur)
		if err != nil {
			return nil, err
		}
		blocks = append(blocks, blk)
	}
	return blocks, nil
}

// importLog writes a step's output as a new append blob, or recognises it
// written by an earlier Import that stopped before its commit point.
func (s *store) importLog(ctx context.Context, name string, out []byte) error {
	if err := s.createAppend(ctx, name); err != nil {
		return err
	}
	for off := 0; off < len(out); off += maxBlock {
		chunk := out[off:min(off+maxBlock, len(out))]
		_, err := s.appendAt(ctx, name, chunk, int64(off))
		if errors.Is(err, errMoved) {
			if ok, herr := s.holds(ctx, name, int64(off), chunk); herr != nil || !ok {
				return fmt.Errorf("%s already holds other output (%v): delete it only if no run of this id exists", name, herr)
			}
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// importPlan records that the run spent its plan unless a run of this
// store already did (that one keeps it).
func (s *store) importPlan(ctx context.Context, run state.Run) error {
	if run.PlanDigest == "" || run.Rehearsal {
		return nil
	}
	name := s.planName(run.PlanDigest)
	if err := checkBlobName("plan digest", name); err != nil {
		return err
	}
	data, _ := json.Marshal(planRecord{RunID: run.ID})
	if _, err := s.put(ctx, name, data, "", ""); err != nil && !errors.Is(err, errRace) {
		return fmt.Errorf("import run %s: record its plan: %w", run.ID, err)
	}
	return nil
}
