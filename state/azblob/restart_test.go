package azblob

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/batonhq/baton/state"
)

// TestAzuriteRestart (without a spool): with the service gone every call fails with an
// error wrapping ErrBusy that says what to do, and writes nothing; once
// it is back (same data directory) the run verifies, holds every
// acknowledged write, and its owner carries on with the same lease.
func TestAzuriteRestart(t *testing.T) {
	t.Parallel()
	exe := needAzurite(t)
	dir := t.TempDir()
	a := startAzurite(t, exe, 0, dir)
	t.Cleanup(a.Stop)
	// One quick retry, so that the calls made while it is down fail fast.
	s := openFresh(t, a, Options{NoSpool: true}, pipeline{retry: &policy.RetryOptions{MaxRetries: 1, RetryDelay: 50 * time.Millisecond, TryTimeout: 5 * time.Second}})
	run := newRun("r1")
	run.LockKey = "site:P01"
	l, err := s.CreateRun(run, pending("a", "gate"), ev("run.created", t0), state.CreateOptions{Owner: state.Self("alice", t0)})
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, l, t0, state.StepRecord{Name: "a", Status: state.StepRunning, Attempt: 1}, state.StepRecord{Name: "gate", Status: state.StepAwaitingApproval})
	if _, err := s.Answer("r1", approve("gate", "bob")); err != nil {
		t.Fatal(err)
	}
	if err := l.AppendLog("a", []byte("backing up\n")); err != nil {
		t.Fatal(err)
	}
	before, err := s.Journal("r1")
	if err != nil {
		t.Fatal(err)
	}
	a.Shutdown()

	done := state.StepRecord{Name: "a", Status: state.StepSucceeded, Attempt: 1}
	wantUnreachable(t, s, l, done, "cannot reach")

	a2 := startAzurite(t, exe, a.Port, dir)
	t.Cleanup(a2.Stop)
	after, err := s.Journal("r1")
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) || after[len(after)-1].Hash != before[len(before)-1].Hash {
		t.Fatalf("after the restart the journal has %d entries (head %s), before %d (head %s)", len(after), after[len(after)-1].Hash, len(before), before[len(before)-1].Hash)
	}
	mustVerify(t, s, "r1")
	if err := l.Renew(t0.Add(time.Minute)); err != nil {
		t.Errorf("Renew after the restart: %v", err)
	}
	mustPut(t, l, t0, done)
	if err := l.AppendLog("a", []byte("done\n")); err != nil {
		t.Fatal(err)
	}
	if out, err := s.Logs("r1", "a"); err != nil || string(out) != "backing up\ndone\n" {
		t.Errorf("Logs = %q, %v", out, err)
	}
	if h, err := s.Lock("site:P01"); err != nil || h.RunID != "r1" {
		t.Errorf("Lock = %+v, %v", h, err)
	}
	mustVerify(t, s, "r1")
}

// wantUnreachable checks that every kind of call fails with ErrBusy
// saying the service cannot be reached, in words containing says (and
// never ErrLeaseLost).
func wantUnreachable(t *testing.T, s *store, l state.Lease, rec state.StepRecord, says string) {
	t.Helper()
	for name, err := range map[string]error{
		"PutSteps":  l.PutSteps([]state.StepRecord{rec}, []state.JournalEntry{ev("step.succeeded", t0)}),
		"Renew":     l.Renew(t0.Add(time.Minute)),
		"AppendLog": l.AppendLog("a", []byte("done\n")),
		"Answer":    func() error { _, err := s.Answer("r1", approve("gate", "carol")); return err }(),
		"Run":       func() error { _, err := s.Run("r1"); return err }(),
		"Locks":     func() error { _, err := s.Locks(); return err }(),
		"AcquireRun": func() error {
			_, err := s.AcquireRun("r1", state.Self("carol", t0), t0.Add(time.Hour))
			return err
		}(),
	} {
		if !errors.Is(err, state.ErrBusy) || !strings.Contains(err.Error(), says) || errors.Is(err, state.ErrLeaseLost) {
			t.Errorf("%s while the service is down: %v; want ErrBusy saying %q", name, err, says)
		}
	}
}

// TestAzuriteKilled: Azurite killed outright (SIGKILL) loses what it had
// not saved yet (its database autosaves every 5 s): the journal goes back
// in time. Whatever survived verifies, and the owner, whose view is now
// ahead of the service, is refused by the append-position check, re-reads
// and carries on from what is there: nothing is chained onto an entry
// that no longer exists.
func TestAzuriteKilled(t *testing.T) {
	t.Parallel()
	exe := needAzurite(t)
	dir := t.TempDir()
	a := startAzurite(t, exe, 0, dir)
	t.Cleanup(a.Stop)
	s := openFresh(t, a, Options{}, pipeline{retry: &policy.RetryOptions{MaxRetries: 1, RetryDelay: 50 * time.Millisecond, TryTimeout: 5 * time.Second}})
	l := mustCreate(t, s, newRun("r1"), state.Self("alice", t0), "a")
	mustPut(t, l, t0, state.StepRecord{Name: "a", Status: state.StepRunning, Attempt: 1})
	time.Sleep(6 * time.Second) // past Azurite's autosave
	mustPut(t, l, t0, state.StepRecord{Name: "a", Status: state.StepRunning, Attempt: 2})
	a.Stop() // SIGKILL: the last write may be lost

	a2 := startAzurite(t, exe, a.Port, dir)
	t.Cleanup(a2.Stop)
	j, err := s.Journal("r1")
	if err != nil {
		t.Fatalf("Journal after the kill: %v", err)
	}
	t.Logf("after the kill the journal has %d of 3 entries", len(j))
	if len(j) < 2 {
		t.Fatalf("entries saved before the autosave were lost: %+v", j)
	}
	mustVerify(t, s, "r1")
	moved := s.moved.Load()
	mustPut(t, l, t0, state.StepRecord{Name: "a", Status: state.StepSucceeded, Attempt: 2})
	if len(j) == 2 && s.moved.Load() == moved {
		t.Error("the owner's view was ahead of the service, but its append was not refused")
	}
	mustVerify(t, s, "r1")
	if st, err := s.Step("r1", "a"); err != nil || st.Status != state.StepSucceeded {
		t.Errorf("Step(a) = %+v, %v", st, err)
	}
}
