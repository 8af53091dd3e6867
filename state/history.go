package state

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// History is everything a store holds of one run: what `baton state copy`
// moves from one backend to another.
type History struct {
	Run     Run
	Steps   []StepRecord
	Journal []JournalEntry
	Logs    map[string][]byte // step -> captured output
}

// Importer is a Backend that takes a run's history verbatim: the journal
// with the hashes it has, each record as last written, the logs, and the
// plan it spent. Only an ended run moves: a live run keeps its owner and
// its lock in the store where it runs. Import refuses a run the store
// already holds (ErrExists) and a history that does not verify
// (CheckHistory), writing nothing then.
type Importer interface {
	Import(h History) error
}

// ErrNotEnded: a run that has not ended cannot be moved.
var ErrNotEnded = errors.New("the run has not ended")

// ReadHistory reads run id's history from r, its journal verified first.
func ReadHistory(r Reader, id string) (History, error) {
	h := History{Logs: map[string][]byte{}}
	if _, err := r.VerifyJournal(id); err != nil {
		return h, err
	}
	var err error
	if h.Run, err = r.Run(id); err != nil {
		return h, err
	}
	if h.Steps, err = r.Steps(id); err != nil {
		return h, err
	}
	if h.Journal, err = r.Journal(id); err != nil {
		return h, err
	}
	for _, s := range h.Steps {
		out, err := r.Logs(id, s.Name)
		if err != nil {
			return h, fmt.Errorf("logs of step %s: %w", s.Name, err)
		}
		if len(out) > 0 {
			h.Logs[s.Name] = out
		}
	}
	return h, nil
}

// CheckHistory is what Import checks before it writes anything: the run
// ended, its names fit every backend, its journal chains, and every record
// is the one its last journal entry holds the digest of.
func CheckHistory(h History) error {
	id := h.Run.ID
	if err := CheckName("run id", id, MaxIDLen); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if !h.Run.Status.Done() {
		return fmt.Errorf("import run %s: %w (%s): finish or cancel it where it runs, then copy it", id, ErrNotEnded, h.Run.Status)
	}
	prev := ""
	for i, e := range h.Journal {
		want := uint64(i + 1)
		switch {
		case e.Seq != want:
			return &TamperedError{RunID: id, Seq: want, Reason: fmt.Sprintf("position %d holds entry %d", want, e.Seq)}
		case e.Prev != prev:
			return &TamperedError{RunID: id, Seq: want, Reason: "does not follow the entry before it"}
		case HashEntry(e) != e.Hash:
			return &TamperedError{RunID: id, Seq: want, Reason: "edited: its content does not match its hash"}
		}
		prev = e.Hash
	}
	return checkHistoryRecords(h)
}

// checkHistoryRecords checks the run and step records against the digests
// their last journal entries hold; a step no entry wrote must be pristine.
func checkHistoryRecords(h History) error {
	runWant, stepWant := "", map[string]string{}
	for _, e := range h.Journal {
		if e.RunRecord != "" {
			runWant = e.RunRecord
		}
		if e.StepRecord != "" {
			stepWant[e.Step] = e.StepRecord
		}
	}
	edited := func(what string) error {
		return &TamperedError{RunID: h.Run.ID, Reason: what + " does not match the digest its last journal entry holds"}
	}
	if d, err := runDigest(h.Run); err != nil || runWant != "" && d != runWant {
		return edited("the run record")
	}
	names := map[string]bool{}
	for _, s := range h.Steps {
		if err := CheckName("step name", s.Name, MaxNameLen); err != nil || names[s.Name] {
			return fmt.Errorf("import run %s: step %q: listed twice or not a valid name", h.Run.ID, s.Name)
		}
		names[s.Name] = true
		want, ok := stepWant[s.Name]
		raw, err := encode(s)
		switch {
		case err != nil:
			return err
		case ok && recordDigest(raw) != want, !ok && !Pristine(s):
			return edited("the record of step " + s.Name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(stepWant)) {
		if !names[name] {
			return &TamperedError{RunID: h.Run.ID, Reason: "the record of step " + name + " is missing: its journal entry holds its digest"}
		}
	}
	return nil
}

// Import implements Importer: the whole history in one transaction, checked
// again by the store's own verification before it commits.
func (s *Store) Import(h History) error {
	if err := CheckHistory(h); err != nil {
		return err
	}
	id := h.Run.ID
	run := h.Run
	run.Owner = nil // nobody executes a run that ended
	return s.update(func(tx *bolt.Tx) error {
		runs, err := tx.CreateBucketIfNotExists(bucketRuns)
		if err != nil {
			return err
		}
		rb, err := runs.CreateBucket([]byte(id))
		if errors.Is(err, berrors.ErrBucketExists) {
			return fmt.Errorf("import run %s: %w in this store", id, ErrExists)
		} else if err != nil {
			return err
		}
		if err := importRecords(rb, run, h.Steps); err != nil {
			return err
		}
		j, err := rb.CreateBucket(bucketJournal)
		if err != nil {
			return err
		}
		for _, e := range h.Journal {
			b, err := encode(e)
			if err != nil {
				return err
			}
			if err := j.Put(seqKey(e.Seq), b); err != nil {
				return err
			}
		}
		if err := j.SetSequence(uint64(len(h.Journal))); err != nil {
			return err
		}
		if err := importLogs(rb, h.Logs); err != nil {
			return err
		}
		if err := importPlan(tx, run); err != nil {
			return err
		}
		if _, err := verifyChain(j, id); err != nil {
			return err
		}
		return verifyRecords(rb, id)
	})
}

// importRecords writes the run record and the step records as they were.
func importRecords(rb *bolt.Bucket, run Run, steps []StepRecord) error {
	raw, err := encode(run)
	if err != nil {
		return err
	}
	if err := rb.Put(keyRun, raw); err != nil {
		return err
	}
	return putStepRecords(rb, run.ID, steps)
}

// importLogs writes each step's captured output as one chunk.
func importLogs(rb *bolt.Bucket, logs map[string][]byte) error {
	lbs, err := rb.CreateBucket(bucketLogs)
	if err != nil {
		return err
	}
	for step, out := range logs {
		lb, err := lbs.CreateBucket([]byte(step))
		if err != nil {
			return err
		}
		if err := lb.Put(seqKey(0), out); err != nil {
			return err
		}
		if err := lb.SetSequence(uint64(len(out))); err != nil {
			return err
		}
	}
	return nil
}

// importPlan records that the run spent its plan, unless another run of
// this store already did: the plan stays spent by that one.
func importPlan(tx *bolt.Tx, run Run) error {
	if run.PlanDigest == "" || run.Rehearsal {
		return nil
	}
	plans, err := tx.CreateBucketIfNotExists(bucketPlans)
	if err != nil {
		return err
	}
	if plans.Get([]byte(run.PlanDigest)) != nil {
		return nil
	}
	return plans.Put([]byte(run.PlanDigest), []byte(run.ID))
}

// CopyReport is what Copy did with each run.
type CopyReport struct {
	Copied     []string // moved, and verified in the target
	Already    []string // the target holds the same history (same journal head)
	Unfinished []string // not ended: copy them once they end
}

// Copy moves the ended runs ids (every run of from when ids is empty) into
// to, verifying each copy's journal head against the original's. A run
// the target already holds with the same head counts as copied before;
// with another head it is an error, as is any failure (the runs before it
// stay copied: Copy can be run again).
func Copy(from Reader, to Backend, ids []string) (CopyReport, error) {
	var rep CopyReport
	imp, ok := to.(Importer)
	if !ok {
		return rep, errors.New("the target store cannot take copied runs (it implements no state.Importer)")
	}
	if len(ids) == 0 {
		runs, err := from.Runs()
		if err != nil {
			return rep, err
		}
		for _, r := range runs {
			ids = append(ids, r.ID)
		}
	}
	for _, id := range ids {
		h, err := ReadHistory(from, id)
		if err != nil {
			return rep, fmt.Errorf("run %s: %w", id, err)
		}
		if !h.Run.Status.Done() {
			rep.Unfinished = append(rep.Unfinished, id)
			continue
		}
		head := ""
		if n := len(h.Journal); n > 0 {
			head = h.Journal[n-1].Hash
		}
		err = imp.Import(h)
		if errors.Is(err, ErrExists) {
			if got, verr := to.VerifyJournal(id); verr == nil && got == head {
				rep.Already = append(rep.Already, id)
				continue
			}
			return rep, fmt.Errorf("run %s: the target holds another run with this id: %w", id, err)
		}
		if err != nil {
			return rep, fmt.Errorf("run %s: %w", id, err)
		}
		if got, err := to.VerifyJournal(id); err != nil || got != head {
			return rep, fmt.Errorf("run %s: the copy does not verify (head %s, want %s): %w", id, got, head, err)
		}
		rep.Copied = append(rep.Copied, id)
	}
	return rep, nil
}
