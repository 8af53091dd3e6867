package state

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Answer implements Backend: it checks the answer against the stored run
// and journal, then appends it. No record changes: the owner applies it.
func (s *Store) Answer(runID string, entry JournalEntry) (JournalEntry, error) {
	a := entry.Answer
	if err := checkAnswer(runID, entry); err != nil {
		return JournalEntry{}, err
	}
	entry.Type = "answer." + string(a.Kind)
	entry.RunRecord, entry.StepRecord = "", "" // an answer writes no record
	var stored JournalEntry
	err := s.update(func(tx *bolt.Tx) error {
		rb, _, err := liveRun(tx, runID)
		if err != nil {
			return err
		}
		j, err := rb.CreateBucketIfNotExists(bucketJournal)
		if err != nil {
			return err
		}
		// A run whose journal does not verify is frozen; a cancel is how
		// it ends on record, so only a cancel is taken.
		if err := verifyRun(rb, runID); err != nil && a.Kind != AnswerCancel {
			return fmt.Errorf("%w; answers are refused until it is explained: keep a copy of the state file, investigate, then end the run on record with baton cancel RUN --by NAME --reason TEXT", err)
		}
		if a.Kind != AnswerCancel {
			rec, err := loadStep(rb, runID, entry.Step)
			if err != nil {
				return err
			}
			if err := answerFits(runID, rec, entry, j); err != nil {
				return err
			}
		}
		stored, err = appendEntry(j, entry)
		return err
	})
	return stored, err
}

// checkAnswer checks an answer's own fields.
func checkAnswer(runID string, e JournalEntry) error {
	a := e.Answer
	switch {
	case a == nil:
		return fmt.Errorf("answer to run %s: the entry carries no answer", runID)
	case strings.TrimSpace(a.By) == "":
		return fmt.Errorf("answer to run %s: say who answers (by is empty)", runID)
	case a.Kind == AnswerCancel:
		return nil
	case e.Step == "":
		return fmt.Errorf("answer to run %s: name the step answered", runID)
	case a.Kind == AnswerResolve:
		if a.Resolution != "succeeded" && a.Resolution != "failed" && a.Resolution != "retry" {
			return fmt.Errorf("resolve step %s of run %s: decision %q must be \"succeeded\", \"failed\" or \"retry\"", e.Step, runID, a.Resolution)
		}
		if strings.TrimSpace(a.Comment) == "" {
			return fmt.Errorf("resolve step %s of run %s: give a reason for the decision", e.Step, runID)
		}
		return nil
	case a.Kind == AnswerApprove || a.Kind == AnswerReject:
		return nil
	}
	return fmt.Errorf("answer to run %s: unknown kind %q", runID, a.Kind)
}

// answerFits checks an answer against the step it answers and the answers
// already journaled for it (since the step last asked).
func answerFits(runID string, rec StepRecord, e JournalEntry, j *bolt.Bucket) error {
	a := e.Answer
	step := e.Step
	if a.Kind == AnswerResolve {
		if rec.Status != StepInDoubt {
			return fmt.Errorf("resolve step %s of run %s: %w: the step is %s, not %s; only an in-doubt step can be resolved", step, runID, ErrConflict, rec.Status, StepInDoubt)
		}
		for _, old := range stepAnswers(j, step) {
			if old.Answer.Kind == AnswerResolve {
				return fmt.Errorf("resolve step %s of run %s: %w: already resolved by %s (%s)", step, runID, ErrConflict, old.Answer.By, old.Answer.Resolution)
			}
		}
		return nil
	}
	if rec.Status != StepAwaitingApproval {
		return fmt.Errorf("answer step %s of run %s: %w: the step is %s, not awaiting approval", step, runID, ErrConflict, rec.Status)
	}
	for _, old := range stepAnswers(j, step) {
		if SameName(old.Answer.By, a.By) {
			return fmt.Errorf("answer step %s of run %s: %w: %s already answered (%s at %s); each person answers once", step, runID, ErrConflict, old.Answer.By, old.Answer.Kind, old.At.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

// stepAnswers returns the answers journaled for step since it last asked
// (its latest approval request or in-doubt transition).
func stepAnswers(j *bolt.Bucket, step string) []JournalEntry {
	var out []JournalEntry
	c := j.Cursor()
	for k, v := c.Last(); k != nil; k, v = c.Prev() {
		e, err := decodeEntry(v)
		if err != nil || e.Step != step {
			continue
		}
		if e.Answer != nil {
			out = append(out, e)
			continue
		}
		if e.Type == "approval.requested" || e.Type == "step.in_doubt" {
			break
		}
	}
	return out
}

// JournalSince implements Reader.
func (s *Store) JournalSince(runID string, seq uint64) ([]JournalEntry, error) {
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
		prev := ""
		c := j.Cursor()
		k, v := c.Seek(seqKey(max(seq, 1)))
		if seq > 0 {
			if k == nil || string(k) != string(seqKey(seq)) {
				return &TamperedError{RunID: runID, Seq: seq, Reason: "deleted: an entry already read is missing"}
			}
			last, err := decodeEntry(v)
			if err != nil {
				return &TamperedError{RunID: runID, Seq: seq, Reason: fmt.Sprintf("edited: %v", err)}
			}
			prev = last.Hash
			k, v = c.Next()
		}
		for ; k != nil; k, v = c.Next() {
			e, err := decodeEntry(v)
			if err != nil {
				return &TamperedError{RunID: runID, Seq: keySeq(k), Reason: fmt.Sprintf("edited: %v", err)}
			}
			if e.Prev != prev || HashEntry(e) != e.Hash {
				return &TamperedError{RunID: runID, Seq: e.Seq, Reason: "edited or reordered: it does not chain onto the entry before it"}
			}
			prev = e.Hash
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// keySeq is the sequence number a journal key names (0 for a foreign key).
func keySeq(k []byte) uint64 {
	if len(k) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(k)
}
