package state

import (
	"crypto/sha256"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// t0 is the fixed clock of the tests: the store never reads the clock.
var t0 = time.Date(2026, 11, 25, 21, 30, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

// checkFile opens path with bbolt directly and fails t if tx.Check finds
// a problem (bbolt's own btesting habit).
func checkFile(t testing.TB, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		return
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		t.Errorf("check %s: %v", path, err)
		return
	}
	defer db.Close()
	if err := db.View(func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	}); err != nil {
		t.Errorf("tx.Check of %s: %v", path, err)
	}
}

// newStore opens a new store in a temporary directory. At cleanup the store
// is closed and the file checked.
func newStore(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	return openStore(t, path, Options{}), path
}

func openStore(t testing.TB, path string, opts Options) *Store {
	t.Helper()
	s, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { checkFile(t, path) })
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func testRun(id string) Run {
	return Run{
		ID: id, Runbook: "site-failover", RunbookPath: "runbooks/failover.hcl",
		SourceDigest: "sha256:aa", Requester: "alice", Host: "ops1", PID: 4242,
		EngineVersion: "0.1.0", Status: RunRunning, CreatedAt: t0, UpdatedAt: t0,
	}
}

func entry(typ string) JournalEntry { return JournalEntry{At: t0, Type: typ, Actor: "engine"} }

// createRun stores run id with pending steps of the given names, owned by
// this process, and returns its lease.
func createRun(t testing.TB, s *Store, id string, steps ...string) Lease {
	t.Helper()
	l, err := s.CreateRun(testRun(id), pending(steps...), entry("run.created"), CreateOptions{Owner: Self("alice", t0)})
	if err != nil {
		t.Fatalf("CreateRun(%s): %v", id, err)
	}
	return l
}

// pending returns new records of the named steps.
func pending(names ...string) []StepRecord {
	recs := make([]StepRecord, len(names))
	for i, n := range names {
		recs[i] = StepRecord{Name: n, Status: StepPending}
	}
	return recs
}

// put records one transition through l, journaled as "step.<status>".
func put(t testing.TB, l Lease, rec StepRecord) {
	t.Helper()
	typ := "step." + string(rec.Status)
	if rec.Status == StepAwaitingApproval {
		typ = "approval.requested"
	}
	if err := l.PutSteps([]StepRecord{rec}, []JournalEntry{entry(typ)}); err != nil {
		t.Fatalf("PutSteps(%s): %v", rec.Name, err)
	}
}

// rawUpdate changes the file behind the store's back, with bbolt directly.
// The store must be closed.
func rawUpdate(t testing.TB, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func fileSum(t testing.TB, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// deadPID returns the pid of a process that has exited and been reaped.
func deadPID(t testing.TB) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatalf("start a short-lived process: %v", err)
	}
	return cmd.Process.Pid
}

func wantErr(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("err = %v, want %v", err, target)
	}
}
