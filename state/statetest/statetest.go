// Package statetest is the conformance suite of the state contract
// (state.Backend, state.Reader, state.Lease): any backend proves it keeps
// the contract by calling Run from one of its own tests.
//
//	func TestConformance(t *testing.T) {
//		statetest.Run(t, statetest.Harness{
//			Open: func(t *testing.T) state.Backend { ... a new, empty backend ... },
//		})
//	}
//
// Each subtest proves one clause of the contract in the doc comment of
// state.Backend, against a new backend. The suite never sleeps: every time
// it gives the backend is a fixed one (the backend must not read the clock
// for anything a caller supplies), and a holder that is provably gone is
// either a process of this host that has exited, a pid whose start time is
// not the holder's, or a holder whose heartbeat is older than its TTL at the
// time the caller gives.
package statetest

import (
	"errors"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/state"
	"github.com/google/go-cmp/cmp"
)

// Harness is what a backend gives the suite.
type Harness struct {
	// Open returns a new, empty backend for one subtest. The suite closes
	// it with t.Cleanup; Open may register cleanups of its own (they run
	// after the suite's Close).
	Open func(t *testing.T) state.Backend
	// EditStepRecord, when set, changes a stored step record behind the
	// backend's back, as an attacker editing the store would: no lease,
	// no journal entry. b and the leases it granted must keep working
	// afterwards. Without it the tamper tests are skipped.
	EditStepRecord func(t *testing.T, b state.Backend, runID, step string, edit func(*state.StepRecord))
	// Raw, when set, returns every byte the backend stored so far (its
	// file, its tables, its objects), for the secret scan; b must keep
	// working afterwards. Without it the scan is skipped.
	Raw func(t *testing.T, b state.Backend) []byte
}

// Run runs the conformance suite against the backend h opens.
func Run(t *testing.T, h Harness) {
	if h.Open == nil {
		t.Fatal("statetest: Harness.Open is nil")
	}
	s := &suite{h: h}
	for _, g := range []struct {
		name string
		fn   func(t *testing.T)
	}{
		{"Create", s.testCreate},
		{"Ownership", s.testOwnership},
		{"FencedWrites", s.testFencedWrites},
		{"PutSteps", s.testPutSteps},
		{"FinishedStaysFinished", s.testFinishedStaysFinished},
		{"Answers", s.testAnswers},
		{"Journal", s.testJournal},
		{"Locks", s.testLocks},
		{"Supersede", s.testSupersede},
		{"Plans", s.testPlans},
		{"Logs", s.testLogs},
		{"Secrets", s.testSecrets},
		{"Import", s.testImport},
	} {
		t.Run(g.name, g.fn)
	}
}

// suite carries the harness and what is computed once per Run.
type suite struct {
	h Harness

	deadOnce sync.Once
	deadPID  int
	deadErr  error
}

// open returns a new backend, closed when t ends.
func (s *suite) open(t *testing.T) state.Backend {
	t.Helper()
	b := s.h.Open(t)
	if b == nil {
		t.Fatal("Harness.Open returned nil")
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b
}

// t0 is the suite's clock; at(m) is m minutes later.
var t0 = time.Date(2026, 11, 25, 21, 30, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

// hostname returns this host's name, skipping t when it cannot be read.
func hostname(t *testing.T) string {
	t.Helper()
	h, err := os.Hostname()
	if err != nil || h == "" {
		t.Skipf("no host name (%v): cannot tell a holder on this host", err)
	}
	return h
}

// self is this process acting for user since t0: alive on this host.
func self(user string) state.Holder { return state.Self(user, t0) }

// elsewhere is a holder on another host, whose process the backend cannot
// see: it is gone only once its heartbeat lapses.
func elsewhere(user string) state.Holder {
	return state.Holder{Host: "elsewhere.invalid", PID: 4242, User: user, Since: t0}
}

// gone is a holder on this host whose process has exited.
func (s *suite) gone(t *testing.T, user string) state.Holder {
	t.Helper()
	host := hostname(t)
	s.deadOnce.Do(func() { s.deadPID, s.deadErr = exitedPID() })
	if s.deadErr != nil {
		t.Skipf("cannot run a short-lived process: %v", s.deadErr)
	}
	return state.Holder{Host: host, PID: s.deadPID, User: user, Since: t0}
}

// reused is a holder on this host whose pid now belongs to another process
// (this one, which started at another time). It skips t where the
// platform cannot tell when a process started.
func reused(t *testing.T, user string) state.Holder {
	t.Helper()
	h := self(user)
	if h.ProcStart == "" || h.Host == "" {
		t.Skip("this platform cannot tell when a process started")
	}
	h.ProcStart = "1" + h.ProcStart // another start time
	return h
}

// exitedPID starts a process that exits at once, waits for it and returns
// its pid, which then names no process (a pid is not reused that soon).
// The process is this test binary running no test.
func exitedPID() (int, error) {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	cmd := exec.Command(exe, "-test.run=^$", "-test.count=1")
	if err := cmd.Run(); err != nil {
		return 0, err
	}
	return cmd.Process.Pid, nil
}

// newRun is a running run as the engine creates it.
func newRun(id string) state.Run {
	return state.Run{
		ID: id, Runbook: "site-failover", RunbookPath: "runbooks/failover.hcl",
		SourceDigest: "sha256:aa", Requester: "alice", Host: "ops1", PID: 4242,
		EngineVersion: "0.1.0", Status: state.RunRunning, CreatedAt: t0, UpdatedAt: t0,
	}
}

// pending returns new records of the named steps.
func pending(names ...string) []state.StepRecord {
	recs := make([]state.StepRecord, len(names))
	for i, n := range names {
		recs[i] = state.StepRecord{Name: n, Status: state.StepPending}
	}
	return recs
}

func entry(typ string, when time.Time) state.JournalEntry {
	return state.JournalEntry{At: when, Type: typ, Actor: "engine"}
}

// create stores run with pending steps, owned by owner, and fails t if
// that fails.
func create(t *testing.T, b state.Backend, run state.Run, owner state.Holder, steps ...string) state.Lease {
	t.Helper()
	l, err := b.CreateRun(run, pending(steps...), entry("run.created", run.CreatedAt), state.CreateOptions{Owner: owner})
	if err != nil {
		t.Fatalf("CreateRun(%s): %v", run.ID, err)
	}
	if l == nil {
		t.Fatalf("CreateRun(%s) returned no lease", run.ID)
	}
	return l
}

// put records transitions through l, one journal entry each ("step."+status
// unless typ is given), and fails t if that fails.
func put(t *testing.T, l state.Lease, when time.Time, recs ...state.StepRecord) {
	t.Helper()
	entries := make([]state.JournalEntry, len(recs))
	for i, r := range recs {
		entries[i] = entry("step."+string(r.Status), when)
		if r.Status == state.StepAwaitingApproval {
			entries[i].Type = "approval.requested" // the engine's type: answers count from it
			entries[i].Policy = &state.ApprovalPolicy{MinApprovals: 1, Requester: "alice"}
		}
	}
	if err := l.PutSteps(recs, entries); err != nil {
		t.Fatalf("PutSteps: %v", err)
	}
}

// end writes run with status st through l (pausing or ending it).
func end(t *testing.T, l state.Lease, run state.Run, st state.RunStatus, when time.Time) {
	t.Helper()
	run.Status, run.UpdatedAt = st, when
	if st.Done() {
		run.FinishedAt = when
	}
	if st == state.RunPaused {
		run.Reason = "waiting for approval of gate"
	}
	if err := l.UpdateRun(run, entry("run."+string(st), when)); err != nil {
		t.Fatalf("UpdateRun(%s): %v", st, err)
	}
}

// supersession is a valid Supersede entry.
func supersession(by string) state.JournalEntry {
	return state.JournalEntry{Type: "run.superseded", Actor: by, Data: map[string]string{"reason": "the site was recovered by hand"}}
}

// snap is everything a reader can see of a run.
type snap struct {
	Run     state.Run
	Steps   []state.StepRecord
	Journal []state.JournalEntry
	Logs    map[string]string
}

func snapshot(t *testing.T, b state.Reader, runID string) snap {
	t.Helper()
	var s snap
	var err error
	if s.Run, err = b.Run(runID); err != nil {
		t.Fatalf("Run(%s): %v", runID, err)
	}
	if s.Steps, err = b.Steps(runID); err != nil {
		t.Fatalf("Steps(%s): %v", runID, err)
	}
	if s.Journal, err = b.Journal(runID); err != nil {
		t.Fatalf("Journal(%s): %v", runID, err)
	}
	s.Logs = map[string]string{}
	for _, st := range s.Steps {
		out, err := b.Logs(runID, st.Name)
		if err != nil {
			t.Fatalf("Logs(%s, %s): %v", runID, st.Name, err)
		}
		if len(out) > 0 {
			s.Logs[st.Name] = string(out)
		}
	}
	return s
}

// unchanged fails t if what a reader sees of the run differs from before.
func unchanged(t *testing.T, b state.Reader, before snap, what string) {
	t.Helper()
	if diff := cmp.Diff(before, snapshot(t, b, before.Run.ID)); diff != "" {
		t.Errorf("%s changed run %s (-before +after):\n%s", what, before.Run.ID, diff)
	}
}

// journal reads the run's journal.
func journal(t *testing.T, b state.Reader, runID string) []state.JournalEntry {
	t.Helper()
	j, err := b.Journal(runID)
	if err != nil {
		t.Fatalf("Journal(%s): %v", runID, err)
	}
	return j
}

func last(t *testing.T, b state.Reader, runID string) state.JournalEntry {
	t.Helper()
	j := journal(t, b, runID)
	if len(j) == 0 {
		t.Fatalf("run %s has no journal", runID)
	}
	return j[len(j)-1]
}

func mustRun(t *testing.T, b state.Reader, id string) state.Run {
	t.Helper()
	r, err := b.Run(id)
	if err != nil {
		t.Fatalf("Run(%s): %v", id, err)
	}
	return r
}

func verifies(t *testing.T, b state.Reader, runID string) string {
	t.Helper()
	head, err := b.VerifyJournal(runID)
	if err != nil {
		t.Fatalf("VerifyJournal(%s): %v", runID, err)
	}
	return head
}

// notStored fails t unless run id does not exist.
func notStored(t *testing.T, b state.Reader, id string) {
	t.Helper()
	if _, err := b.Run(id); !errors.Is(err, state.ErrNotFound) {
		t.Errorf("Run(%s): err = %v, want ErrNotFound: a refused call left it half-written", id, err)
	}
}

// errAny stands for "some error" in tables whose other rows name a sentinel.
var errAny = errors.New("any error")

// matches reports whether err is what want stands for: no error (nil),
// some error (errAny), or one that errors.Is a sentinel.
func matches(err, want error) bool {
	switch {
	case want == nil:
		return err == nil
	case err == nil:
		return false
	case want == errAny:
		return true
	}
	return errors.Is(err, want)
}

// wantErr reports whether err matches want, failing t if not.
func wantErr(t *testing.T, err, want error) bool {
	t.Helper()
	if matches(err, want) {
		return true
	}
	if want == nil {
		want = errors.New("no error")
	}
	t.Errorf("err = %v, want %v", err, want)
	return false
}

// mustErr is wantErr that stops the test.
func mustErr(t *testing.T, err, want error) {
	t.Helper()
	if !wantErr(t, err, want) {
		t.FailNow()
	}
}
