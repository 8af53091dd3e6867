package state

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// hashDomain starts every hashed encoding, so that a journal hash cannot be
// mistaken for the hash of anything else.
const hashDomain = "baton.journal.v1\x00"

// HashEntry returns the hex SHA-256 of e's canonical encoding: the domain
// tag, Seq as 8 big-endian bytes, then At (UTC, RFC 3339 with nanoseconds),
// Type, Step, Actor, the number of Data pairs, each Data key and value in
// key order, and Prev, every string preceded by its length as a uvarint.
// Hash itself is not covered. Answer, Policy, RunRecord, StepRecord and
// Identity follow, each as its name and its value (JSON for the structs),
// only when set. The encoding is independent of JSON and of map order, so
// any program can recompute it.
func HashEntry(e JournalEntry) string {
	buf := make([]byte, 0, 256)
	buf = append(buf, hashDomain...)
	buf = binary.BigEndian.AppendUint64(buf, e.Seq)
	field := func(s string) {
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	field(e.At.UTC().Format(time.RFC3339Nano))
	field(e.Type)
	field(e.Step)
	field(e.Actor)
	keys := make([]string, 0, len(e.Data))
	for k := range e.Data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	buf = binary.AppendUvarint(buf, uint64(len(keys)))
	for _, k := range keys {
		field(k)
		field(e.Data[k])
	}
	field(e.Prev)
	// Fields added later are covered only when set, so that entries
	// written before they existed still verify.
	jsonField := func(name string, v any) {
		b, _ := json.Marshal(v) // struct fields: a fixed order
		field(name)
		field(string(b))
	}
	if e.Answer != nil {
		jsonField("answer", e.Answer)
	}
	if e.Policy != nil {
		jsonField("policy", e.Policy)
	}
	for _, x := range [][2]string{{"run_record", e.RunRecord}, {"step_record", e.StepRecord}, {"identity", e.Identity}} {
		if x[1] != "" {
			field(x[0])
			field(x[1])
		}
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:])
}

// TamperedError says where and how a journal fails verification. It wraps
// ErrTampered.
type TamperedError struct {
	RunID  string
	Seq    uint64 // the first entry that does not verify
	Reason string // edited, deleted or reordered, in words
}

func (e *TamperedError) Error() string {
	return fmt.Sprintf("%v: run %s, entry %d: %s; keep a copy of the state file as evidence and do not resume this run until it is explained", ErrTampered, e.RunID, e.Seq, e.Reason)
}

// Unwrap makes errors.Is(err, ErrTampered) true.
func (e *TamperedError) Unwrap() error { return ErrTampered }

// Journal returns the run's journal entries in order.
func (s *Store) Journal(runID string) ([]JournalEntry, error) {
	var out []JournalEntry
	err := s.view(func(tx *bolt.Tx) error {
		rb, err := runBucket(tx, runID)
		if err != nil {
			return err
		}
		j := rb.Bucket(bucketJournal)
		if j == nil {
			return nil
		}
		return j.ForEach(func(k, v []byte) error {
			e, err := decodeEntry(v)
			if err != nil {
				return fmt.Errorf("%w: run %s: journal entry %x: %v; `baton journal verify RUN` says where", ErrCorrupt, runID, k, err)
			}
			out = append(out, e)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// VerifyJournal recomputes the run's hash chain and returns the hash of
// the last entry (the head, "" for an empty journal). Any edited, deleted
// or reordered entry yields a *TamperedError wrapping ErrTampered. Editing
// the last entry and recomputing its hash is only detectable against a
// head recorded elsewhere, such as an exported change record.
func (s *Store) VerifyJournal(runID string) (head string, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		rb, err := runBucket(tx, runID)
		if err != nil {
			return err
		}
		head, err = verifyChain(rb.Bucket(bucketJournal), runID)
		if err != nil {
			return err
		}
		return verifyRecords(rb, runID)
	})
	if err != nil {
		return "", err
	}
	return head, nil
}

func verifyChain(j *bolt.Bucket, runID string) (string, error) {
	if j == nil {
		return "", nil
	}
	bad := func(seq uint64, format string, args ...any) error {
		return &TamperedError{RunID: runID, Seq: seq, Reason: fmt.Sprintf(format, args...)}
	}
	want, prev := uint64(1), ""
	c := j.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v == nil || len(k) != 8 {
			return "", bad(want, "unexpected key %x in the journal (added)", k)
		}
		seq := binary.BigEndian.Uint64(k)
		if seq != want {
			return "", bad(want, "entry %d was deleted (the journal jumps from %d to %d)", want, want-1, seq)
		}
		e, err := decodeEntry(v)
		if err != nil {
			return "", bad(seq, "edited: the stored entry is no longer valid (%v)", err)
		}
		if e.Seq != seq {
			return "", bad(seq, "reordered: position %d holds entry %d", seq, e.Seq)
		}
		if e.Prev != prev {
			return "", bad(seq, "does not follow entry %d (an entry was deleted, replaced or reordered)", seq-1)
		}
		if HashEntry(e) != e.Hash {
			return "", bad(seq, "edited: its content does not match its hash")
		}
		prev = e.Hash
		want++
	}
	n := want - 1
	switch written := j.Sequence(); {
	case written > n:
		return "", bad(n+1, "deleted: the journal ends at entry %d but %d entries were written", n, written)
	case written < n:
		return "", bad(written+1, "added: the journal holds %d entries but records %d written", n, written)
	}
	return prev, nil
}

// appendRunEntry appends e to the journal of the run bucket rb.
func appendRunEntry(rb *bolt.Bucket, runID string, e JournalEntry) error {
	j, err := rb.CreateBucketIfNotExists(bucketJournal)
	if err != nil {
		return fmt.Errorf("run %s: journal: %w", runID, err)
	}
	if _, err := appendEntry(j, e); err != nil {
		var te *TamperedError
		if errors.As(err, &te) {
			te.RunID = runID
		}
		return fmt.Errorf("run %s: %w", runID, err)
	}
	return nil
}

// appendEntry chains e onto the journal bucket j and stores it.
func appendEntry(j *bolt.Bucket, e JournalEntry) (JournalEntry, error) {
	if e.Type == "" {
		return e, errors.New("journal entry has no type; set JournalEntry.Type (for example \"step.running\")")
	}
	n := j.Sequence()
	e.Prev = ""
	if n > 0 {
		raw := j.Get(seqKey(n))
		if raw == nil {
			return e, &TamperedError{Seq: n, Reason: "deleted: the last entry is missing, so nothing more can be chained"}
		}
		last, err := decodeEntry(raw)
		if err != nil {
			return e, &TamperedError{Seq: n, Reason: fmt.Sprintf("edited: the last entry is no longer valid (%v)", err)}
		}
		e.Prev = last.Hash
	}
	e.Seq = n + 1
	e.Hash = HashEntry(e)
	b, err := encode(e)
	if err != nil {
		return e, err
	}
	if err := j.Put(seqKey(e.Seq), b); err != nil {
		return e, err
	}
	return e, j.SetSequence(e.Seq)
}

// verifyRecords checks the run record and every step record against the
// digest their last journal entry holds. Runs journaled before records had
// digests are not checked.
func verifyRecords(rb *bolt.Bucket, runID string) error {
	j := rb.Bucket(bucketJournal)
	if j == nil {
		return nil
	}
	var runSeq uint64
	runWant := ""
	stepWant := map[string]string{}
	stepSeq := map[string]uint64{}
	if err := j.ForEach(func(k, v []byte) error {
		e, err := decodeEntry(v)
		if err != nil {
			return err
		}
		if e.RunRecord != "" {
			runWant, runSeq = e.RunRecord, e.Seq
		}
		if e.StepRecord != "" {
			stepWant[e.Step], stepSeq[e.Step] = e.StepRecord, e.Seq
		}
		return nil
	}); err != nil {
		return err
	}
	if runWant == "" {
		return nil // an older run
	}
	edited := func(seq uint64, what string) error {
		return &TamperedError{RunID: runID, Seq: seq, Reason: what + " was edited: it no longer matches the digest its last journal entry holds"}
	}
	run, err := loadRun(rb, runID)
	if err != nil {
		return err
	}
	if d, err := runDigest(run); err != nil || d != runWant {
		return edited(runSeq, "the run record")
	}
	sb := rb.Bucket(bucketSteps)
	for _, name := range slices.Sorted(maps.Keys(stepWant)) {
		if sb == nil || sb.Get([]byte(name)) == nil {
			return &TamperedError{RunID: runID, Seq: stepSeq[name], Reason: "the record of step " + name + " was deleted: its journal entry holds its digest"}
		}
	}
	if sb == nil {
		return nil
	}
	return sb.ForEach(func(k, v []byte) error {
		name := string(k)
		want, ok := stepWant[name]
		if !ok {
			pristine, _ := encode(StepRecord{Name: name, Status: StepPending})
			if string(pristine) != string(v) {
				return edited(1, "the record of step "+name)
			}
			return nil
		}
		if recordDigest(v) != want {
			return edited(stepSeq[name], "the record of step "+name)
		}
		return nil
	})
}

// verifyRun verifies the chain and the records of run bucket rb.
func verifyRun(rb *bolt.Bucket, runID string) error {
	if _, err := verifyChain(rb.Bucket(bucketJournal), runID); err != nil {
		return err
	}
	return verifyRecords(rb, runID)
}
