package azblob

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/batonhq/baton/state"
)

// item is one element of a journal block: an entry and the record written
// with it. The first block of a run also carries its new step records
// (Steps, pristine, covered by no digest). A Void item, alone in the
// first block, marks an id whose run was never created.
type item struct {
	Entry *state.JournalEntry `json:"entry,omitempty"`
	Run   json.RawMessage     `json:"run,omitempty"`
	Step  json.RawMessage     `json:"step,omitempty"`
	Steps []json.RawMessage   `json:"steps,omitempty"`
	Void  *voidMark           `json:"void,omitempty"`
}

// voidMark says why a run id can never be created.
type voidMark struct {
	ByRun  string    `json:"by_run"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// encodeBlock is one append block: a JSON array of items and a newline.
func encodeBlock(items []item) ([]byte, error) {
	b, err := json.Marshal(items)
	if err != nil {
		return nil, fmt.Errorf("encode journal block: %w", err)
	}
	return append(b, '\n'), nil
}

// runState is a run's journal blob replayed: its entries and the last
// record of each kind written (the projection).
type runState struct {
	id      string
	raw     []byte
	etag    azcore.ETag
	void    *voidMark
	entries []state.JournalEntry
	run     state.Run
	hasRun  bool
	runBad  error                      // the last run record does not decode
	steps   map[string]json.RawMessage // step name -> last record as stored
	gen     uint64                     // seq of the last entry that changed the owner
	bad     *state.TamperedError       // the first block that does not decode
	badLast bool                       // ... and it is the last block
}

func (st *runState) size() int64 { return int64(len(st.raw)) }

// exists reports whether the blob holds a created run.
func (st *runState) exists() bool { return st != nil && st.void == nil && len(st.entries) > 0 }

// lastSeq and lastHash are where the next entry chains on.
func (st *runState) lastSeq() uint64 {
	if n := len(st.entries); n > 0 {
		return st.entries[n-1].Seq
	}
	return 0
}

func (st *runState) lastHash() string {
	if n := len(st.entries); n > 0 {
		return st.entries[n-1].Hash
	}
	return ""
}

// replay parses a journal blob. It never fails: a block that does not
// decode is recorded in bad, for VerifyJournal and the readers to report.
func replay(id string, raw []byte, etag azcore.ETag) *runState {
	st := &runState{id: id, raw: raw, etag: etag, steps: map[string]json.RawMessage{}}
	off := 0
	for off < len(raw) {
		n := bytes.IndexByte(raw[off:], '\n')
		if n < 0 {
			n = len(raw) - off
		}
		line := raw[off : off+n]
		off += n + 1
		var items []item
		if err := json.Unmarshal(line, &items); err != nil {
			if st.bad == nil {
				st.bad = &state.TamperedError{RunID: id, Seq: st.lastSeq() + 1, Reason: fmt.Sprintf("edited: the journal block at byte %d is no longer valid (%v)", off-n-1, err)}
			}
			st.badLast = off >= len(raw)
			continue
		}
		st.badLast = false
		for _, it := range items {
			st.apply(it)
		}
	}
	return st
}

// apply adds one item to the projection.
func (st *runState) apply(it item) {
	if it.Void != nil && len(st.entries) == 0 {
		st.void = it.Void
		return
	}
	for _, raw := range it.Steps {
		st.putStep(raw)
	}
	if it.Step != nil {
		st.putStep(it.Step)
	}
	if it.Run != nil {
		st.putRun(it.Run, it.Entry)
	}
	if it.Entry != nil {
		st.entries = append(st.entries, *it.Entry)
	}
}

func (st *runState) putStep(raw json.RawMessage) {
	var rec struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		return // VerifyJournal reports the record its digest no longer matches
	}
	st.steps[rec.Name] = raw
}

func (st *runState) putRun(raw json.RawMessage, e *state.JournalEntry) {
	var run state.Run
	if err := json.Unmarshal(raw, &run); err != nil {
		st.runBad = fmt.Errorf("%w: run %s: the run record does not decode (%v); `baton journal verify` says where", state.ErrCorrupt, st.id, err)
		return
	}
	st.runBad = nil
	if tokenOf(run.Owner) != tokenOf(st.run.Owner) || !st.hasRun {
		if e != nil {
			st.gen = e.Seq
		}
	}
	st.run, st.hasRun = run, true
}

func tokenOf(o *state.Owner) uint64 {
	if o == nil {
		return 0
	}
	return o.Token
}

// step decodes the projected record of step name.
func (st *runState) step(name string) (state.StepRecord, error) {
	raw, ok := st.steps[name]
	if !ok || name == "" {
		return state.StepRecord{}, fmt.Errorf("step %q of run %s: %w", name, st.id, state.ErrNotFound)
	}
	var rec state.StepRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return state.StepRecord{}, fmt.Errorf("%w: run %s, step %s: %v", state.ErrCorrupt, st.id, name, err)
	}
	return rec, nil
}

// stepNames returns the projected steps in name order.
func (st *runState) stepNames() []string { return slices.Sorted(maps.Keys(st.steps)) }

// chain gives entries their Seq, Prev and Hash after st's last entry.
func (st *runState) chain(items []item) ([]state.JournalEntry, error) {
	if st.bad != nil && st.badLast {
		return nil, &state.TamperedError{RunID: st.id, Seq: st.bad.Seq, Reason: "edited: the last journal block is no longer valid, so nothing more can be chained"}
	}
	if n := len(st.raw); n > 0 && st.raw[n-1] != '\n' {
		return nil, &state.TamperedError{RunID: st.id, Seq: st.lastSeq(), Reason: "edited: the journal does not end with a whole block, so nothing more can be chained"}
	}
	seq, prev := st.lastSeq(), st.lastHash()
	var out []state.JournalEntry
	for i := range items {
		e := items[i].Entry
		if e == nil {
			continue
		}
		if e.Type == "" {
			return nil, fmt.Errorf("run %s: journal entry has no type; set JournalEntry.Type (for example \"step.running\")", st.id)
		}
		seq++
		e.Seq, e.Prev = seq, prev
		e.Hash = state.HashEntry(*e)
		prev = e.Hash
		out = append(out, *e)
	}
	return out, nil
}

// verify checks the hash chain and every projected record against the
// digest its last entry holds; it returns the head hash.
func (st *runState) verify() (string, error) {
	if st.bad != nil {
		return "", st.bad
	}
	bad := func(seq uint64, format string, args ...any) error {
		return &state.TamperedError{RunID: st.id, Seq: seq, Reason: fmt.Sprintf(format, args...)}
	}
	prev := ""
	for i, e := range st.entries {
		want := uint64(i + 1)
		switch {
		case e.Seq != want:
			return "", bad(want, "deleted, added or reordered: position %d holds entry %d", want, e.Seq)
		case e.Prev != prev:
			return "", bad(want, "does not follow entry %d (an entry was deleted, replaced or reordered)", want-1)
		case state.HashEntry(e) != e.Hash:
			return "", bad(want, "edited: its content does not match its hash")
		}
		prev = e.Hash
	}
	return prev, st.verifyRecords()
}

// verifyRecords checks the projected run and step records.
func (st *runState) verifyRecords() error {
	runWant, runSeq := "", uint64(0)
	stepWant, stepSeq := map[string]string{}, map[string]uint64{}
	for _, e := range st.entries {
		if e.RunRecord != "" {
			runWant, runSeq = e.RunRecord, e.Seq
		}
		if e.StepRecord != "" {
			stepWant[e.Step], stepSeq[e.Step] = e.StepRecord, e.Seq
		}
	}
	edited := func(seq uint64, what string) error {
		return &state.TamperedError{RunID: st.id, Seq: seq, Reason: what + " was edited: it no longer matches the digest its last journal entry holds"}
	}
	if runWant != "" {
		if d, err := runDigest(st.run); st.runBad != nil || err != nil || d != runWant {
			return edited(runSeq, "the run record")
		}
	}
	for _, name := range slices.Sorted(maps.Keys(stepWant)) {
		raw, ok := st.steps[name]
		if !ok {
			return &state.TamperedError{RunID: st.id, Seq: stepSeq[name], Reason: "the record of step " + name + " was deleted: its journal entry holds its digest"}
		}
		if recordDigest(raw) != stepWant[name] {
			return edited(stepSeq[name], "the record of step "+name)
		}
	}
	for _, name := range st.stepNames() {
		if _, ok := stepWant[name]; ok {
			continue
		}
		pristine, _ := json.Marshal(state.StepRecord{Name: name, Status: state.StepPending})
		if !bytes.Equal(pristine, st.steps[name]) {
			return edited(1, "the record of step "+name)
		}
	}
	return nil
}

// since returns the entries after seq, each checked to chain onto the one
// before it (state.Reader.JournalSince).
func (st *runState) since(seq uint64) ([]state.JournalEntry, error) {
	start, prev := 0, ""
	if seq > 0 {
		i := slices.IndexFunc(st.entries, func(e state.JournalEntry) bool { return e.Seq == seq })
		if i < 0 {
			return nil, &state.TamperedError{RunID: st.id, Seq: seq, Reason: "deleted: an entry already read is missing"}
		}
		start, prev = i+1, st.entries[i].Hash
	}
	if st.bad != nil && st.bad.Seq > seq {
		return nil, st.bad
	}
	var out []state.JournalEntry
	for _, e := range st.entries[start:] {
		if e.Prev != prev || state.HashEntry(e) != e.Hash {
			return nil, &state.TamperedError{RunID: st.id, Seq: e.Seq, Reason: "edited or reordered: it does not chain onto the entry before it"}
		}
		prev = e.Hash
		out = append(out, e)
	}
	return out, nil
}

// runDigest is the digest of a run record without its lease, as the bbolt
// store computes it: the lease changes with every heartbeat and carries
// no meaning of the run.
func runDigest(run state.Run) (string, error) {
	run.Owner = nil
	raw, err := json.Marshal(run)
	if err != nil {
		return "", fmt.Errorf("run %s: encode the run record: %w", run.ID, err)
	}
	return recordDigest(raw), nil
}

// recordDigest is the hex SHA-256 of a record as stored.
func recordDigest(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// runItem is the item writing run with entry (its digest set).
func runItem(run state.Run, e state.JournalEntry) (item, error) {
	raw, err := json.Marshal(run)
	if err != nil {
		return item{}, fmt.Errorf("run %s: encode the run record: %w", run.ID, err)
	}
	e.Step, e.StepRecord = "", ""
	if e.RunRecord, err = runDigest(run); err != nil {
		return item{}, err
	}
	return item{Entry: &e, Run: raw}, nil
}

// stepItem is the item writing rec with entry (its digest set).
func stepItem(runID string, rec state.StepRecord, e state.JournalEntry) (item, error) {
	raw, err := json.Marshal(rec)
	if err != nil {
		return item{}, fmt.Errorf("run %s: step %s: encode the record: %w", runID, rec.Name, err)
	}
	if e.Step == "" {
		e.Step = rec.Name
	}
	e.RunRecord, e.StepRecord = "", recordDigest(raw)
	return item{Entry: &e, Step: raw}, nil
}
