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
	createRun(t, s, "r1", "a")
	// Callers leave Seq, Prev and Hash empty; values given are ignored.
	e := JournalEntry{At: at(1), Type: "note", Actor: "alice", Data: map[string]string{"b": "2", "a": "1"}, Seq: 99, Prev: "x", Hash: "y"}
	for range 3 {
		if err := s.Append("r1", e); err != nil {
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
	if err := s.Append("r1", JournalEntry{At: t0}); err == nil || !strings.Contains(err.Error(), "no type") {
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
	}
	for name, h := range differ {
		if h == got {
			t.Errorf("changing %s left the hash unchanged", name)
		}
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
			createRun(t, s, "r1", "a")
			for i, typ := range []string{"approval.given", "step.running", "step.succeeded", "run.succeeded"} {
				e := JournalEntry{At: at(i + 1), Type: typ, Actor: "alice", Data: map[string]string{"approved_by": "alice"}}
				if err := s.Append("r1", e); err != nil {
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
			err = s.Append("r1", entry("after"))
			if tt.appends && err != nil {
				t.Errorf("Append after tampering: %v", err)
			}
			if !tt.appends {
				wantErr(t, err, ErrTampered)
			}
		})
	}
}
