package state

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestAppendChains(t *testing.T) {
	s, _ := newStore(t)
	l := createRun(t, s, "r1", "a")
	// Callers leave Seq, Prev and Hash empty; values given are ignored.
	e := JournalEntry{At: at(1), Type: "note", Actor: "alice", Data: map[string]string{"b": "2", "a": "1"}, Seq: 99, Prev: "x", Hash: "y"}
	for range 3 {
		if err := l.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	j, err := s.Journal("r1")
	if err != nil {
		t.Fatal(err)
	}
	prev := ""
	for i, e := range j {
		if e.Seq != uint64(i+1) || e.Prev != prev || e.Hash != HashEntry(e) || len(e.Hash) != 64 {
			t.Errorf("entry %d = %+v", i, e)
		}
		prev = e.Hash
	}
	head, err := s.VerifyJournal("r1")
	if err != nil || head != prev {
		t.Errorf("VerifyJournal = %q, %v; want %q", head, err, prev)
	}
	if err := l.Append(JournalEntry{At: t0}); err == nil || !strings.Contains(err.Error(), "no type") {
		t.Errorf("entry without type: %v", err)
	}
}

func TestHashEntry(t *testing.T) {
	base := JournalEntry{Seq: 1, At: t0, Type: "run.created", Step: "a", Actor: "alice", Data: map[string]string{"x": "1", "y": "2"}, Prev: ""}
	// Pinned (and recomputed independently from the documented encoding):
	// changing the canonical encoding would break every stored journal.
	const want = "5bac9950fb1dea9c7a7f202222e4f493dcdbbe742998874673050e26956e2600"
	got := HashEntry(base)
	if got != want {
		t.Errorf("HashEntry(base) = %s, want %s", got, want)
	}
	other := func(f func(e *JournalEntry)) string {
		e := base
		e.Data = map[string]string{"x": "1", "y": "2"}
		f(&e)
		return HashEntry(e)
	}
	same := map[string]string{
		"other zone":   other(func(e *JournalEntry) { e.At = t0.In(time.FixedZone("CET", 3600)) }),
		"map order":    other(func(e *JournalEntry) { e.Data = map[string]string{"y": "2", "x": "1"} }),
		"hash ignored": other(func(e *JournalEntry) { e.Hash = "whatever" }),
	}
	for name, h := range same {
		if h != got {
			t.Errorf("%s changed the hash", name)
		}
	}
	differ := map[string]string{
		"seq":            other(func(e *JournalEntry) { e.Seq = 2 }),
		"time":           other(func(e *JournalEntry) { e.At = t0.Add(time.Nanosecond) }),
		"type":           other(func(e *JournalEntry) { e.Type = "run.createe" }),
		"field boundary": other(func(e *JournalEntry) { e.Type, e.Step = "run.createda", "" }),
		"actor":          other(func(e *JournalEntry) { e.Actor = "mallory" }),
		"data value":     other(func(e *JournalEntry) { e.Data["x"] = "2" }),
		"data key":       other(func(e *JournalEntry) { e.Data = map[string]string{"x1": "", "y": "2"} }),
		"data added":     other(func(e *JournalEntry) { e.Data["z"] = "" }),
		"prev":           other(func(e *JournalEntry) { e.Prev = "00" }),
		"answer":         other(func(e *JournalEntry) { e.Answer = &Answer{Kind: AnswerApprove, By: "bob"} }),
		"answer by":      other(func(e *JournalEntry) { e.Answer = &Answer{Kind: AnswerApprove, By: "bo"} }),
		"policy":         other(func(e *JournalEntry) { e.Policy = &ApprovalPolicy{MinApprovals: 1} }),
		"run record":     other(func(e *JournalEntry) { e.RunRecord = "ab" }),
		"step record":    other(func(e *JournalEntry) { e.StepRecord = "ab" }),
	}
	for name, h := range differ {
		if h == got {
			t.Errorf("changing %s left the hash unchanged", name)
		}
	}
	if differ["answer"] == differ["answer by"] || differ["run record"] == differ["step record"] {
		t.Error("the added fields are not told apart")
	}
}

// TestVerifyJournalDetectsTampering edits the file with bbolt directly.
func TestVerifyJournalDetectsTampering(t *testing.T) {
	journal := func(tx *bolt.Tx) *bolt.Bucket {
		return tx.Bucket(bucketRuns).Bucket([]byte("r1")).Bucket(bucketJournal)
	}
	rewrite := func(seq uint64, f func(e *JournalEntry)) func(tx *bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			j := journal(tx)
			e, err := decodeEntry(j.Get(seqKey(seq)))
			if err != nil {
				return err
			}
			f(&e)
			raw, _ := json.Marshal(e)
			return j.Put(seqKey(seq), raw)
		}
	}
	tests := []struct {
		name    string
		tamper  func(tx *bolt.Tx) error
		seq     uint64
		reason  string
		appends bool // Append still works afterwards
	}{
		{"edit a data value", rewrite(2, func(e *JournalEntry) { e.Data["approved_by"] = "mallory" }), 2, "edited", true},
		{"edit and rehash", rewrite(2, func(e *JournalEntry) { e.Actor = "mallory"; e.Hash = HashEntry(*e) }), 3, "does not follow entry 2", true},
		{"edit the time", rewrite(4, func(e *JournalEntry) { e.At = e.At.Add(-time.Hour) }), 4, "edited", true},
		{"garbage value", func(tx *bolt.Tx) error { return journal(tx).Put(seqKey(3), []byte("{not json")) }, 3, "edited", true},
		{"delete a middle entry", func(tx *bolt.Tx) error { return journal(tx).Delete(seqKey(2)) }, 2, "deleted", true},
		{"delete the last entry", func(tx *bolt.Tx) error { return journal(tx).Delete(seqKey(5)) }, 5, "deleted", false},
		{"delete the first entry", func(tx *bolt.Tx) error { return journal(tx).Delete(seqKey(1)) }, 1, "deleted", true},
		{"swap two entries", func(tx *bolt.Tx) error {
			j := journal(tx)
			a, b := append([]byte(nil), j.Get(seqKey(2))...), append([]byte(nil), j.Get(seqKey(3))...)
			if err := j.Put(seqKey(2), b); err != nil {
				return err
			}
			return j.Put(seqKey(3), a)
		}, 2, "reordered", true},
		{"renumber after a deletion", func(tx *bolt.Tx) error {
			j := journal(tx)
			for seq := uint64(2); seq < 5; seq++ {
				raw := append([]byte(nil), j.Get(seqKey(seq+1))...)
				e, _ := decodeEntry(raw)
				e.Seq = seq
				raw, _ = json.Marshal(e)
				if err := j.Put(seqKey(seq), raw); err != nil {
					return err
				}
			}
			if err := j.Delete(seqKey(5)); err != nil {
				return err
			}
			return j.SetSequence(4)
		}, 2, "does not follow entry 1", true},
		{"add an entry", func(tx *bolt.Tx) error {
			raw, _ := json.Marshal(JournalEntry{Seq: 6, Type: "forged"})
			return journal(tx).Put(seqKey(6), raw)
		}, 6, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, path := newStore(t)
			l := createRun(t, s, "r1", "a")
			for i, typ := range []string{"approval.given", "step.running", "step.succeeded", "run.succeeded"} {
				e := JournalEntry{At: at(i + 1), Type: typ, Actor: "alice", Data: map[string]string{"approved_by": "alice"}}
				if err := l.Append(e); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.VerifyJournal("r1"); err != nil {
				t.Fatalf("before tampering: %v", err)
			}
			s.Close()
			rawUpdate(t, path, tt.tamper)
			s = openStore(t, path, Options{})

			_, err := s.VerifyJournal("r1")
			wantErr(t, err, ErrTampered)
			var te *TamperedError
			if !errors.As(err, &te) {
				t.Fatalf("err %v is not a *TamperedError", err)
			}
			if te.Seq != tt.seq || te.RunID != "r1" || !strings.Contains(te.Reason, tt.reason) {
				t.Errorf("got seq %d reason %q, want seq %d and %q", te.Seq, te.Reason, tt.seq, tt.reason)
			}
			if !strings.Contains(err.Error(), "entry ") || !strings.Contains(err.Error(), "r1") {
				t.Errorf("message %q should name the run and entry", err)
			}
			if _, err := s.Answer("r1", JournalEntry{At: at(9), Step: "a", Answer: &Answer{Kind: AnswerApprove, By: "bob"}}); !errors.Is(err, ErrTampered) {
				t.Errorf("an approval of a tampered run: err = %v, want ErrTampered", err)
			}
			// The lease outlives the reopen: its token is in the record.
			err = s.LeaseFor("r1", l.Token()).Append(entry("after"))
			if tt.appends && err != nil {
				t.Errorf("Append after tampering: %v", err)
			}
			if !tt.appends {
				wantErr(t, err, ErrTampered)
			}
		})
	}
}

// TestVerifyJournalDetectsEditedRecords edits records, not the journal,
// with bbolt directly: each record must match the digest its last journal
// entry holds.
func TestVerifyJournalDetectsEditedRecords(t *testing.T) {
	editRun := func(f func(r *Run)) func(tx *bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			rb := tx.Bucket(bucketRuns).Bucket([]byte("r1"))
			r, err := decodeRun(rb.Get(keyRun))
			if err != nil {
				return err
			}
			f(&r)
			raw, _ := json.Marshal(r)
			return rb.Put(keyRun, raw)
		}
	}
	editStep := func(name string, f func(r *StepRecord)) func(tx *bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			sb := tx.Bucket(bucketRuns).Bucket([]byte("r1")).Bucket(bucketSteps)
			r, err := decodeStep(sb.Get([]byte(name)))
			if err != nil {
				return err
			}
			f(&r)
			raw, _ := json.Marshal(r)
			return sb.Put([]byte(name), raw)
		}
	}
	for _, tt := range []struct {
		name   string
		tamper func(tx *bolt.Tx) error
		reason string // "" verifies
	}{
		{"run status", editRun(func(r *Run) { r.Status = RunSucceeded }), "the run record was edited"},
		{"run plan", editRun(func(r *Run) { r.PlanDigest = "sha256:other" }), "the run record was edited"},
		{"run heartbeat only", editRun(func(r *Run) { r.Owner.Renewed = at(99) }), ""},
		{"step status", editStep("a", func(r *StepRecord) { r.Status = StepSucceeded }), "the record of step a was edited"},
		{"step approvals", editStep("a", func(r *StepRecord) { r.Approvals = []Approval{{By: "mallory", Decision: "approved"}} }), "the record of step a was edited"},
		{"pending step", editStep("b", func(r *StepRecord) { r.Status = StepSkipped }), "the record of step b was edited"},
		{"step added", func(tx *bolt.Tx) error {
			raw, _ := json.Marshal(StepRecord{Name: "c", Status: StepSucceeded})
			return tx.Bucket(bucketRuns).Bucket([]byte("r1")).Bucket(bucketSteps).Put([]byte("c"), raw)
		}, "the record of step c was edited"},
		{"journaled step record deleted", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketRuns).Bucket([]byte("r1")).Bucket(bucketSteps).Delete([]byte("a"))
		}, "the record of step a was deleted"},
		{"steps bucket deleted", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketRuns).Bucket([]byte("r1")).DeleteBucket(bucketSteps)
		}, "the record of step a was deleted"},
		{"pending step record deleted", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketRuns).Bucket([]byte("r1")).Bucket(bucketSteps).Delete([]byte("b"))
		}, ""}, // not detected: no journal entry names a step never written
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, path := newStore(t)
			l := createRun(t, s, "r1", "a", "b")
			put(t, l, StepRecord{Name: "a", Status: StepFailed, Error: "exit status 1"})
			s.Close()
			rawUpdate(t, path, tt.tamper)
			s = openStore(t, path, Options{})
			_, err := s.VerifyJournal("r1")
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("VerifyJournal: %v", err)
				}
				return
			}
			var te *TamperedError
			if !errors.As(err, &te) || !strings.Contains(te.Reason, tt.reason) || te.RunID != "r1" {
				t.Fatalf("err = %v, want a *TamperedError saying %q", err, tt.reason)
			}
		})
	}
}

// TestJournalSince reads the journal from where an owner last read it,
// verifying each entry against the one before.
func TestJournalSince(t *testing.T) {
	s, path := newStore(t)
	l := createRun(t, s, "r1", "a")
	for range 4 {
		if err := l.Append(entry("note")); err != nil {
			t.Fatal(err)
		}
	}
	all := mustJournal(t, s, "r1")
	for _, tt := range []struct {
		seq  uint64
		want []JournalEntry
	}{
		{0, all}, {1, all[1:]}, {3, all[3:]}, {5, nil},
	} {
		got, err := s.JournalSince("r1", tt.seq)
		if err != nil {
			t.Fatalf("JournalSince(%d): %v", tt.seq, err)
		}
		if len(got) != len(tt.want) || len(got) > 0 && got[0].Seq != tt.want[0].Seq {
			t.Errorf("JournalSince(%d) = %d entries from %v, want %d", tt.seq, len(got), got, len(tt.want))
		}
	}
	_, err := s.JournalSince("r1", 6)
	wantErr(t, err, ErrTampered) // an entry already read is missing

	s.Close()
	rawUpdate(t, path, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRuns).Bucket([]byte("r1")).Bucket(bucketJournal).Put(seqKey(4), []byte("{not json"))
	})
	s = openStore(t, path, Options{})
	for _, tt := range []struct {
		seq    uint64
		tamper uint64 // the entry reported, 0: none
	}{
		{0, 4}, {2, 4}, {4, 4}, {5, 0},
	} {
		got, err := s.JournalSince("r1", tt.seq)
		if tt.tamper == 0 {
			if err != nil {
				t.Errorf("JournalSince(%d) past the damage: %v", tt.seq, err)
			}
			continue
		}
		var te *TamperedError
		if !errors.As(err, &te) || te.Seq != tt.tamper || te.RunID != "r1" {
			t.Errorf("JournalSince(%d) = %d entries, %v; want a *TamperedError at entry %d", tt.seq, len(got), err, tt.tamper)
		}
	}
}
