package azblob

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/batonhq/baton/state"
	"github.com/hashicorp/go-hclog"
)

// quickRetry makes one call give up fast while the service is away: two
// attempts of 300 ms.
var quickRetry = &policy.RetryOptions{MaxRetries: 1, RetryDelay: 50 * time.Millisecond, MaxRetryDelay: 100 * time.Millisecond, TryTimeout: 300 * time.Millisecond}

// logBuf collects a backend's log.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuf) logger() hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Output: l, Level: hclog.Info})
}

// worker plays the executor: for each step it commits "running", does
// the step's work (gated per step), then commits "succeeded", each commit
// a PutSteps that returns only once durable. started counts the steps
// begun; ran counts each step's work.
type worker struct {
	l       state.Lease
	steps   []string
	gate    map[string]chan struct{}
	started atomic.Int32
	mu      sync.Mutex
	ran     map[string]int
	done    chan error
}

func startWorker(l state.Lease, steps []string, gated ...string) *worker {
	w := &worker{l: l, steps: steps, gate: map[string]chan struct{}{}, ran: map[string]int{}, done: make(chan error, 1)}
	for _, g := range gated {
		w.gate[g] = make(chan struct{})
	}
	go func() { w.done <- w.run() }()
	return w
}

func (w *worker) run() error {
	for _, n := range w.steps {
		if err := w.l.PutSteps([]state.StepRecord{{Name: n, Status: state.StepRunning, Attempt: 1, StartedAt: t0}}, []state.JournalEntry{ev("step.running", t0)}); err != nil {
			return err
		}
		w.started.Add(1)
		if g := w.gate[n]; g != nil {
			<-g
		}
		w.mu.Lock()
		w.ran[n]++
		w.mu.Unlock()
		if err := w.l.AppendLog(n, []byte("did "+n+"\n")); err != nil {
			return err
		}
		if err := w.l.PutSteps([]state.StepRecord{{Name: n, Status: state.StepSucceeded, Attempt: 1, StartedAt: t0, FinishedAt: t0}}, []state.JournalEntry{ev("step.succeeded", t0)}); err != nil {
			return err
		}
	}
	return nil
}

// waitFor polls cond every 10 ms for at most d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// spooledSteps returns what the spool holds for run r1 of s: journal
// entries as "step:status", log chunks as "log:step".
func spooledSteps(t *testing.T, s *store, run string) []string {
	t.Helper()
	recs, err := s.spool.pending(s.url, run)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		if r.Kind == spoolLog {
			out = append(out, "log:"+r.Step)
			continue
		}
		for _, e := range r.Entries {
			out = append(out, e.Step+":"+e.Status)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkOnce checks that each step's journal holds one "running" and one
// "succeeded" entry, and its log its output once.
func checkOnce(t *testing.T, s *store, run string, steps ...string) {
	t.Helper()
	j, err := s.Journal(run)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range j {
		if e.Step != "" {
			count[e.Step+" "+e.Type]++
		}
	}
	for _, n := range steps {
		if count[n+" step.running"] != 1 || count[n+" step.succeeded"] != 1 {
			t.Errorf("step %s: journal has %d running and %d succeeded entries, want 1 and 1", n, count[n+" step.running"], count[n+" step.succeeded"])
		}
		if out, err := s.Logs(run, n); err != nil || string(out) != "did "+n+"\n" {
			t.Errorf("Logs(%s) = %q, %v", n, out, err)
		}
	}
	mustVerify(t, s, run)
}

// TestSpoolBlackHole: the route to the service goes dark while step b is
// in flight. Its output and outcome wait in the spool, the operator is
// told, no further step starts; once the route is back they land, the
// spool is empty, every step ran once and the journal verifies.
func TestSpoolBlackHole(t *testing.T) {
	a := shared(t)
	hole := newBlackHole(t, a.Addr())
	proxied := *a
	proxied.Port = hole.port()
	var log logBuf
	s := openFresh(t, &proxied, Options{Spool: filepath.Join(t.TempDir(), "spool.db"), Log: log.logger()}, pipeline{retry: quickRetry})
	steps := []string{"a", "b", "c"}
	l := mustCreate(t, s, newRun("r1"), state.Self("alice", t0), steps...)

	w := startWorker(l, steps, "b")
	waitFor(t, 10*time.Second, "step b did not start", func() bool { return w.started.Load() == 2 })
	hole.set(true)
	close(w.gate["b"])
	waitFor(t, 10*time.Second, "the outcome of step b never reached the spool", func() bool {
		return contains(spooledSteps(t, s, "r1"), "b:succeeded")
	})
	if msg := log.String(); !strings.Contains(msg, "state store unreachable: the outcome of step b (succeeded) is kept in "+s.spool.path) ||
		!strings.Contains(msg, "no new step starts until the store answers") || !strings.Contains(msg, "do not resume this run from another host") {
		t.Errorf("the operator was not told what happens and what to do:\n%s", msg)
	}
	// The outage lasts: the worker is blocked in its commit.
	for range 3 {
		time.Sleep(100 * time.Millisecond)
		if n := w.started.Load(); n != 2 {
			t.Fatalf("%d steps started during the outage", n)
		}
	}
	select {
	case err := <-w.done:
		t.Fatalf("the worker returned during the outage: %v", err)
	default:
	}

	hole.set(false)
	select {
	case err := <-w.done:
		if err != nil {
			t.Fatalf("after the outage: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the spooled write did not land within 30 s of the route coming back")
	}
	if got := spooledSteps(t, s, "r1"); len(got) != 0 {
		t.Errorf("the spool still holds %v", got)
	}
	if !strings.Contains(log.String(), "state store answers again") {
		t.Errorf("the operator was not told the store answers again:\n%s", log.String())
	}
	for _, n := range steps {
		if w.ran[n] != 1 {
			t.Errorf("step %s ran %d times", n, w.ran[n])
		}
	}
	checkOnce(t, s, "r1", steps...)
}

// TestSpoolAzuriteRestart: the service stops (SIGTERM; on-disk data)
// while step b is in flight and comes back at the same address: the
// outcome waits in the spool meanwhile and lands after the restart.
func TestSpoolAzuriteRestart(t *testing.T) {
	t.Parallel()
	exe := needAzurite(t)
	dir := t.TempDir()
	a := startAzurite(t, exe, 0, dir)
	t.Cleanup(a.Stop)
	var log logBuf
	s := openFresh(t, a, Options{Spool: filepath.Join(t.TempDir(), "spool.db"), Log: log.logger()}, pipeline{retry: quickRetry})
	steps := []string{"a", "b", "c"}
	l := mustCreate(t, s, newRun("r1"), state.Self("alice", t0), steps...)
	w := startWorker(l, steps, "b")
	waitFor(t, 10*time.Second, "step b did not start", func() bool { return w.started.Load() == 2 })
	a.Shutdown()
	close(w.gate["b"])
	waitFor(t, 10*time.Second, "step b's output and outcome never reached the spool", func() bool {
		got := spooledSteps(t, s, "r1")
		return contains(got, "log:b") && contains(got, "b:succeeded")
	})
	a2 := startAzurite(t, exe, a.Port, dir)
	t.Cleanup(a2.Stop)
	select {
	case err := <-w.done:
		if err != nil {
			t.Fatalf("after the restart: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the spooled writes did not land within 30 s of the restart")
	}
	if got := spooledSteps(t, s, "r1"); len(got) != 0 {
		t.Errorf("the spool still holds %v", got)
	}
	if w.started.Load() != 3 {
		t.Errorf("%d steps started", w.started.Load())
	}
	checkOnce(t, s, "r1", steps...)
}

// crashedOwner is a holder on this host whose process has exited: the
// process that spooled a write and crashed.
func crashedOwner(t *testing.T) state.Holder {
	t.Helper()
	host, err := state.HostID()
	if err != nil || host == "" {
		t.Skipf("no host name (%v)", err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$", "-test.count=1")
	if err := cmd.Run(); err != nil {
		t.Skipf("cannot run a short-lived process: %v", err)
	}
	return state.Holder{Host: host, PID: cmd.Process.Pid, User: "alice", Since: t0}
}

// spoolThenCrash starts run r1 owned by a holder that is gone, and
// writes step a's outcome while the service is black-holed, then closes
// the store as a crash would end the process: the outcome stays in the
// spool. It returns the store's URL, the spool and the proxy.
func spoolThenCrash(t *testing.T) (u, spoolPath string, hole *blackHole) {
	t.Helper()
	a := shared(t)
	hole = newBlackHole(t, a.Addr())
	proxied := *a
	proxied.Port = hole.port()
	spoolPath = filepath.Join(t.TempDir(), "spool.db")
	s := openFresh(t, &proxied, Options{Spool: spoolPath}, pipeline{retry: quickRetry})
	l := mustCreate(t, s, newRun("r1"), crashedOwner(t), "a", "b")
	mustPut(t, l, t0, state.StepRecord{Name: "a", Status: state.StepRunning, Attempt: 1})
	hole.set(true)
	errc := make(chan error, 1)
	go func() {
		errc <- l.PutSteps([]state.StepRecord{{Name: "a", Status: state.StepSucceeded, Attempt: 1}}, []state.JournalEntry{ev("step.succeeded", t0)})
	}()
	waitFor(t, 10*time.Second, "step a's outcome never reached the spool", func() bool {
		return contains(spooledSteps(t, s, "r1"), "a:succeeded")
	})
	_ = s.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, state.ErrBusy) || !strings.Contains(err.Error(), "kept in the spool "+spoolPath) || !strings.Contains(err.Error(), "baton resume r1") {
			t.Fatalf("PutSteps after Close = %v; want ErrBusy saying the outcome is kept and how to write it", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("PutSteps did not give up after Close")
	}
	hole.set(false)
	return s.url, spoolPath, hole
}

// TestSpoolReplayedOnResume: after a crash with step a's outcome in the
// spool, the next resume on this machine writes it first (the run is
// exactly as it was), then takes the run over.
func TestSpoolReplayedOnResume(t *testing.T) {
	u, spoolPath, _ := spoolThenCrash(t)
	var log logBuf
	s := openURL(t, shared(t), u, Options{Spool: spoolPath, Log: log.logger()})
	l, err := s.AcquireRun("r1", state.Self("bob", t0), t0.Add(time.Minute))
	if err != nil {
		t.Fatalf("resume after the crash: %v", err)
	}
	j, err := s.Journal("r1")
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range j {
		types = append(types, e.Type+"("+e.Step+")")
	}
	want := "run.created() step.running(a) step.succeeded(a) run.owner_taken_over()"
	if got := strings.Join(types, " "); got != want {
		t.Errorf("journal after the resume: %s\nwant %s", got, want)
	}
	if rec, err := s.Step("r1", "a"); err != nil || rec.Status != state.StepSucceeded {
		t.Errorf("Step(a) = %+v, %v", rec, err)
	}
	if got := spooledSteps(t, s, "r1"); len(got) != 0 {
		t.Errorf("the spool still holds %v", got)
	}
	if !strings.Contains(log.String(), "replayed from the spool") {
		t.Errorf("the replay was not logged:\n%s", log.String())
	}
	mustPut(t, l, t0, state.StepRecord{Name: "b", Status: state.StepRunning, Attempt: 1})
	mustVerify(t, s, "r1")
}

// TestSpoolDiscardedAfterTakeover: after the crash another host took the
// run over (and paused it, step a in doubt for it); the resume on the
// crashed machine discards the spooled outcome, logs and journals why,
// and step a's outcome is never written twice.
func TestSpoolDiscardedAfterTakeover(t *testing.T) {
	u, spoolPath, _ := spoolThenCrash(t)
	other := openURL(t, shared(t), u, Options{NoSpool: true})
	lb, err := other.AcquireRun("r1", remote("carol", t0), t0.Add(time.Minute))
	if err != nil {
		t.Fatalf("the other host's takeover: %v", err)
	}
	run, err := other.Run("r1")
	if err != nil {
		t.Fatal(err)
	}
	run.Status = state.RunPaused
	if err := lb.UpdateRun(run, ev("run.paused", t0)); err != nil {
		t.Fatal(err)
	}

	var log logBuf
	s := openURL(t, shared(t), u, Options{Spool: spoolPath, Log: log.logger()})
	if _, err := s.AcquireRun("r1", state.Self("bob", t0), t0.Add(2*time.Minute)); err != nil {
		t.Fatalf("resume on the crashed machine: %v", err)
	}
	j, err := s.Journal("r1")
	if err != nil {
		t.Fatal(err)
	}
	var discarded *state.JournalEntry
	for i, e := range j {
		if e.Type == "step.succeeded" {
			t.Errorf("the spooled outcome was written after a takeover: entry %d", e.Seq)
		}
		if e.Type == "run.spool_discarded" {
			discarded = &j[i]
		}
	}
	if discarded == nil || discarded.Data["entry.0.step"] != "a" || discarded.Data["entry.0.status"] != "succeeded" {
		t.Errorf("no run.spool_discarded entry naming step a: %+v", discarded)
	}
	if rec, err := s.Step("r1", "a"); err != nil || rec.Status != state.StepRunning {
		t.Errorf("Step(a) = %+v, %v; want it still running (in doubt)", rec, err)
	}
	if got := spooledSteps(t, s, "r1"); len(got) != 0 {
		t.Errorf("the spool still holds %v", got)
	}
	if !strings.Contains(log.String(), "discarded from the spool") || !strings.Contains(log.String(), "the outcome of step a (succeeded)") {
		t.Errorf("the discard was not explained:\n%s", log.String())
	}
	mustVerify(t, s, "r1")
}

// TestSpoolLeaseLostWhileUnreachable: while this process cannot reach the
// service, another host judges it gone and takes the run over; when the
// route is back the spooled write is refused with ErrLeaseLost, the entry
// stays in the spool and the operator is told.
func TestSpoolLeaseLostWhileUnreachable(t *testing.T) {
	a := shared(t)
	hole := newBlackHole(t, a.Addr())
	proxied := *a
	proxied.Port = hole.port()
	var log logBuf
	s := openFresh(t, &proxied, Options{Spool: filepath.Join(t.TempDir(), "spool.db"), Log: log.logger()}, pipeline{retry: quickRetry})
	l := mustCreate(t, s, newRun("r1"), remote("alice", t0), "a")
	mustPut(t, l, t0, state.StepRecord{Name: "a", Status: state.StepRunning, Attempt: 1})
	hole.set(true)
	errc := make(chan error, 1)
	go func() {
		errc <- l.PutSteps([]state.StepRecord{{Name: "a", Status: state.StepSucceeded, Attempt: 1}}, []state.JournalEntry{ev("step.succeeded", t0)})
	}()
	waitFor(t, 10*time.Second, "step a's outcome never reached the spool", func() bool {
		return contains(spooledSteps(t, s, "r1"), "a:succeeded")
	})
	other := openURL(t, a, s.url, Options{NoSpool: true})
	if _, err := other.AcquireRun("r1", state.Holder{Host: "ops2.invalid", PID: 7, User: "carol", Since: t0}, t0.Add(time.Hour)); err != nil {
		t.Fatalf("the other host's takeover: %v", err)
	}
	hole.set(false)
	select {
	case err := <-errc:
		if !errors.Is(err, state.ErrLeaseLost) {
			t.Fatalf("the spooled write after a takeover: %v; want ErrLeaseLost", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the spooled write neither landed nor failed within 30 s")
	}
	if got := spooledSteps(t, s, "r1"); !contains(got, "a:succeeded") {
		t.Errorf("the spool lost the refused outcome: %v", got)
	}
	if !strings.Contains(log.String(), "the run was taken over meanwhile: the outcome of step a (succeeded) was NOT written") {
		t.Errorf("the operator was not told:\n%s", log.String())
	}
	if rec, err := other.Step("r1", "a"); err != nil || rec.Status != state.StepRunning {
		t.Errorf("Step(a) = %+v, %v", rec, err)
	}
	mustVerify(t, other, "r1")
}
