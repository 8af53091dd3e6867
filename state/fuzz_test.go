package state

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzDecodeRecord feeds arbitrary bytes to every decoder of stored values.
func FuzzDecodeRecord(f *testing.F) {
	for _, v := range []any{
		testRun("r1"),
		StepRecord{Name: "a", Status: StepInDoubt, Approvals: []Approval{{By: "bob", Decision: "approved", At: t0}}, Resolution: &Resolution{By: "x"}},
		JournalEntry{Seq: 3, At: t0, Type: "step.running", Data: map[string]string{"a": "b"}, Prev: "aa", Hash: "bb"},
		LockHolder{Key: "k", RunID: "r", PID: 1, Since: t0},
	} {
		b, _ := json.Marshal(v)
		f.Add(b)
	}
	for _, s := range []string{"", "null", "{", `{"at":"not a time"}`, `{"seq":-1}`, `{"approvals":[null]}`, "\xff\xfe", "1"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = decodeRun(b)
		_, _ = decodeStep(b)
		_, _ = decodeLock(b)
		if e, err := decodeEntry(b); err == nil {
			if HashEntry(e) != HashEntry(e) {
				t.Fatal("HashEntry is not deterministic")
			}
		}
		_, _ = parseMeta(b)
		_, _ = parseVersion(b)
	})
}

// FuzzOpen writes arbitrary bytes as a state file: Open must fail cleanly
// (and leave the file alone) or give a working store.
func FuzzOpen(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("not a database"))
	seedDir := f.TempDir()
	for i, setup := range []func(path string) error{
		func(path string) error { // a real state file
			s, err := Open(path, Options{})
			if err != nil {
				return err
			}
			l, err := s.CreateRun(testRun("r1"), pending("a"), entry("run.created"), CreateOptions{Owner: Self("alice", t0)})
			if err == nil {
				err = l.PutSteps([]StepRecord{{Name: "a", Status: StepSucceeded}}, []JournalEntry{entry("step.succeeded")})
			}
			return errors.Join(err, s.Close())
		},
	} {
		path := filepath.Join(seedDir, "seed"+string(rune('0'+i)))
		if err := setup(path); err != nil {
			f.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "state.db")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(path, Options{Timeout: time.Second})
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNewerFormat) {
				t.Fatalf("unexpected error: %v", err)
			}
			after, _ := os.ReadFile(path)
			if string(after) != string(b) {
				t.Fatal("a refused file was changed")
			}
			return
		}
		defer s.Close()
		if _, err := s.Runs(); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Runs: %v", err)
		}
		_ = s.Check()
		for _, id := range []string{"r1", "x"} {
			_, _ = s.VerifyJournal(id)
			_, _ = s.JournalSince(id, 1)
		}
		_, _ = s.Locks()
	})
}
