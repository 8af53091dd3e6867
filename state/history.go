package state

import (
	"errors"
	"fmt"
	"sort"
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
	for _, name := range sortedKeys(stepWant) {
		if !names[name] {
			return &TamperedError{RunID: h.Run.ID, Reason: "the record of step " + name + " is missing: its journal entry holds its digest"}
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
