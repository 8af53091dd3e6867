package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/batonhq/baton/engine/executor"
	"github.com/batonhq/baton/state"
	"github.com/batonhq/baton/state/served"
	bolt "go.etcd.io/bbolt"
)

// teamEnv is a state file and a runbook directory shared by several baton
// processes, as on a jump host with an operator in each terminal.
type teamEnv struct {
	t      *testing.T
	dir    string
	state  string
	ledger string
	once   sync.Once
	cl     state.Backend
}

func newTeamEnv(t *testing.T) *teamEnv {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("uses sh")
	}
	dir := t.TempDir()
	e := &teamEnv{t: t, dir: dir, state: filepath.Join(dir, "state.db"), ledger: filepath.Join(dir, "ledger")}
	t.Setenv("BATON_STATE", e.state)
	t.Setenv("BATON_USER", "alice")
	return e
}

// runbook writes a runbook whose action "promote" appends to the ledger
// after sleeping var.delay seconds; lock is its lock key ("" for none).
func (e *teamEnv) runbook(lock string) string {
	e.t.Helper()
	lockLine := ""
	if lock != "" {
		lockLine = fmt.Sprintf("  lock  = %q\n", lock)
	}
	src := fmt.Sprintf(`runbook "promo" {
  title = "promotion"
%s}

variable "delay" {
  type    = string
  default = "0"
}

approval "cab" {
  approvers = ["bob"]
}

action "promote" {
  uses               = "exec"
  shell              = true
  command            = ["sleep ${var.delay}; echo promoted >> %s"]
  idempotent         = false
  point_of_no_return = true
  depends_on         = [step.cab]
}
`, lockLine, filepath.ToSlash(e.ledger))
	path := filepath.Join(e.dir, "promo.hcl")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		e.t.Fatal(err)
	}
	return path
}

// baton starts baton (this test binary acting as it) as a process.
func (e *teamEnv) baton(user string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	cmd := exec.Command(plainBaton(e.t), args...)
	cmd.Env = append(os.Environ(), "BATON_USER="+user, "NO_COLOR=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	return cmd, &out
}

// watchedOutput is a process's output that the test may read while the
// process still writes it.
type watchedOutput struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *watchedOutput) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *watchedOutput) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// waitFor returns once the output holds s, or after limit (the process may
// have ended without it: the caller's checks say what that means).
func (w *watchedOutput) waitFor(t *testing.T, s string, limit time.Duration) {
	t.Helper()
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(2 * time.Millisecond) {
		if strings.Contains(w.String(), s) {
			return
		}
	}
}

// batonWatched starts baton with output the test may read as it comes.
func (e *teamEnv) batonWatched(user string, args ...string) (*exec.Cmd, *watchedOutput) {
	cmd := exec.Command(plainBaton(e.t), args...)
	cmd.Env = append(os.Environ(), "BATON_USER="+user, "NO_COLOR=1")
	out := &watchedOutput{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	return cmd, out
}

// run runs baton to its end and returns its exit code and output.
func (e *teamEnv) run(user string, args ...string) (int, string) {
	cmd, out := e.baton(user, args...)
	return exitCode(cmd.Wait()), out.String()
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func (e *teamEnv) promotions() int {
	b, _ := os.ReadFile(e.ledger)
	return strings.Count(string(b), "promoted")
}

func (e *teamEnv) lastRunID() string {
	e.t.Helper()
	code, out := e.run("alice", "runs", "-json")
	var runs []struct{ ID string }
	if code != 0 || json.Unmarshal([]byte(out), &runs) != nil || len(runs) == 0 {
		e.t.Fatalf("runs: exit %d %s", code, out)
	}
	return runs[0].ID
}

// pausedAtCab starts a run of rb that pauses at its approval, approves it
// as bob, and returns its id.
func (e *teamEnv) pausedAtCab(rb string, vars ...string) string {
	e.t.Helper()
	if code, out := e.run("alice", append([]string{"apply", rb}, vars...)...); code != exitPaused {
		e.t.Fatalf("apply: exit %d\n%s", code, out)
	}
	id := e.lastRunID()
	if code, out := e.run("bob", "approve", id, "cab", "--by", "bob"); code != 0 {
		e.t.Fatalf("approve: exit %d\n%s", code, out)
	}
	return id
}

// TestConcurrentResumes: two resumes of one run started together, with and
// without a lock: exactly one executes, the other is refused naming the
// owner, and the promotion happens once.
func TestConcurrentResumes(t *testing.T) {
	for _, lock := range []string{"configmgr-site/PS1", ""} {
		t.Run("lock="+lock, func(t *testing.T) {
			e := newTeamEnv(t)
			rb := e.runbook(lock)
			id := e.pausedAtCab(rb, "-var", "delay=2")
			a, outA := e.baton("alice", "resume", id, "-var", "delay=2")
			b, outB := e.baton("carol", "resume", id, "-var", "delay=2")
			codes := []int{exitCode(a.Wait()), exitCode(b.Wait())}
			outs := outA.String() + outB.String()
			if !(codes[0] == 0 && codes[1] == exitLocked || codes[0] == exitLocked && codes[1] == 0) {
				t.Fatalf("exit codes %v, want one 0 and one %d\n%s", codes, exitLocked, outs)
			}
			if !strings.Contains(outs, "is being executed by pid") {
				t.Errorf("the refused resume does not name the owner:\n%s", outs)
			}
			if n := e.promotions(); n != 1 {
				t.Fatalf("promoted %d times, want once", n)
			}
		})
	}
}

// TestRunNeverStalledByReaders: while a run writes, a program trying to
// read the file directly and commands polling through the state server
// never make it pause or fail.
func TestRunNeverStalledByReaders(t *testing.T) {
	e := newTeamEnv(t)
	var b strings.Builder
	b.WriteString("runbook \"long\" {\n  lock = \"long\"\n}\n")
	for i := range 150 {
		dep := ""
		if i > 0 {
			dep = fmt.Sprintf("  depends_on = [step.a%03d]\n", i-1)
		}
		fmt.Fprintf(&b, "action \"a%03d\" {\n  uses = \"noop_action\"\n  ledger = %q\n  idempotent = true\n%s}\n", i, filepath.ToSlash(e.ledger), dep)
	}
	rb := filepath.Join(e.dir, "long.hcl")
	if err := os.WriteFile(rb, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	apply, out := e.baton("alice", "apply", rb)
	done := make(chan int, 1)
	go func() { done <- exitCode(apply.Wait()) }()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(2)
	go func() { // a bbolt viewer or a backup tool
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if db, err := bolt.Open(e.state, 0o600, &bolt.Options{ReadOnly: true, Timeout: 100 * time.Millisecond}); err == nil {
				time.Sleep(time.Millisecond)
				_ = db.Close()
			}
		}
	}()
	polls := 0
	go func() { // a dashboard
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			e.run("carol", "runs")
			polls++
		}
	}()
	code := <-done
	close(stop)
	wg.Wait()
	if code != 0 {
		t.Fatalf("the run under readers: exit %d\n%s", code, out)
	}
	id := e.lastRunID()
	if _, j := e.run("alice", "journal", id); strings.Contains(j, "run.paused") {
		t.Errorf("the run paused under readers:\n%s", j)
	}
	t.Logf("%d status polls while the run wrote", polls)
}

// TestRehearsalNeverBlocksApply: a rehearsal paused at its approval holds
// no live lock and leaves no run in the live state.
func TestRehearsalNeverBlocksApply(t *testing.T) {
	e := newTeamEnv(t)
	rb := e.runbook("configmgr-site/PS1")
	t.Chdir("../..") // fixtures are found from the repository root
	if code, out := e.run("alice", "rehearse", rb, "--site", "contoso", "--scenario", "healthy"); code != exitPaused {
		t.Fatalf("rehearse: exit %d\n%s", code, out)
	}
	if code, out := e.run("alice", "apply", rb); code != exitPaused {
		t.Fatalf("apply after a paused rehearsal: exit %d, want %d (paused at its own approval)\n%s", code, exitPaused, out)
	}
	_, out := e.run("alice", "runs", "-json")
	if strings.Count(out, `"id"`) != 1 || strings.Contains(out, `"rehearsal": true`) {
		t.Errorf("the live state holds more than the live run:\n%s", out)
	}
}

// TestPlanAppliedOnce: a saved plan starts one run; a second apply is
// refused naming it, unless --respend names a run that ended before its
// point of no return.
func TestPlanAppliedOnce(t *testing.T) {
	e := newTeamEnv(t)
	rb := e.runbook("configmgr-site/PS1")
	planFile := filepath.Join(e.dir, "promo.plan")
	if code, out := e.run("alice", "plan", rb, "-out", planFile); code != 0 && code != 2 {
		t.Fatalf("plan: exit %d\n%s", code, out)
	}
	id := e.pausedAtCab(planFile)
	if code, out := e.run("alice", "apply", planFile); code != exitError || !strings.Contains(out, "already applied") || !strings.Contains(out, id) {
		t.Fatalf("second apply of the plan: exit %d\n%s", code, out)
	}
	if code, out := e.run("alice", "resume", id); code != 0 {
		t.Fatalf("resume: exit %d\n%s", code, out)
	}
	if code, out := e.run("alice", "apply", planFile, "--respend", id); code != exitError || !strings.Contains(out, "point of no return") {
		t.Fatalf("respend of a run that promoted: exit %d\n%s", code, out)
	}
	if n := e.promotions(); n != 1 {
		t.Fatalf("promoted %d times, want once", n)
	}
}

// TestCrashedRunSuperseded: the owner of a run dies during its action;
// apply --force supersedes the crashed run and promotes once; the crashed
// run can never resume.
func TestCrashedRunSuperseded(t *testing.T) {
	e := newTeamEnv(t)
	rb := e.runbook("configmgr-site/PS1")
	id := e.pausedAtCab(rb, "-var", "delay=30")
	resume, out := e.baton("alice", "resume", id, "-var", "delay=30")
	waitFor(t, func() bool { return e.stepStatus(id, "promote") == "running" })
	_ = resume.Process.Signal(syscall.SIGKILL)
	_ = resume.Wait()
	if code, o := e.run("carol", "apply", rb); code != exitLocked || !strings.Contains(o, id) {
		t.Fatalf("apply while the crashed run holds the lock: exit %d\n%s\n%s", code, o, out)
	}
	code, o := e.run("carol", "apply", rb, "--force", "--reason", "the first run's jump host died")
	if code != exitPaused {
		t.Fatalf("apply --force: exit %d\n%s", code, o)
	}
	second := e.lastRunID()
	if code, o := e.run("bob", "approve", second, "cab", "--by", "bob"); code != 0 {
		t.Fatalf("approve: %d %s", code, o)
	}
	if code, o := e.run("carol", "resume", second); code != 0 {
		t.Fatalf("second run: exit %d\n%s", code, o)
	}
	if code, o := e.run("alice", "resume", id, "-var", "delay=30"); code == 0 || !strings.Contains(o, "superseded") {
		t.Fatalf("resume of the superseded run: exit %d\n%s", code, o)
	}
	if n := e.promotions(); n != 1 {
		t.Fatalf("promoted %d times, want once", n)
	}
}

var teamApprovals = flag.Int("team.approvals", 200, "approvals TestApprovalsUnderPollingReaders gives (the issue's figure: 1000)")

// TestApprovalsUnderPollingReaders: 1,000 approvals, each through its own
// command's connection, while ten readers poll: none fails.
func TestApprovalsUnderPollingReaders(t *testing.T) {
	e := newTeamEnv(t)
	rb := filepath.Join(e.dir, "many.hcl")
	names := make([]string, 1000)
	for i := range names {
		names[i] = fmt.Sprintf("%q", fmt.Sprintf("approver%04d", i))
	}
	src := "runbook \"many\" {\n  lock = \"many\"\n}\napproval \"cab\" {\n  min_approvals = 1000\n  approvers = [" + strings.Join(names, ", ") + "]\n}\n"
	if err := os.WriteFile(rb, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := e.run("alice", "apply", rb); code != exitPaused {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	id := e.lastRunID()
	connect := func() state.Backend {
		st, err := served.Connect(e.state, served.ConnectOptions{Spawn: spawnServer})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := connect()
			defer st.Close()
			tick := time.NewTicker(5 * time.Millisecond) // ten `watch -n0.005` dashboards
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				_, _ = st.Run(id)
				_, _ = st.Steps(id)
			}
		}()
	}
	failures := 0
	var slowest time.Duration
	for i := range *teamApprovals {
		st := connect()
		start := time.Now()
		if err := executor.AnswerWith(st, id, "cab", executor.Decision{By: fmt.Sprintf("approver%04d", i), Decision: "approved"}, time.Now()); err != nil {
			failures++
			t.Logf("approval %d: %v", i, err)
		}
		slowest = max(slowest, time.Since(start))
		_ = st.Close()
	}
	close(stop)
	wg.Wait()
	if failures > 0 {
		t.Fatalf("%d of %d approvals failed under ten polling readers", failures, *teamApprovals)
	}
	t.Logf("%d approvals under ten polling readers; slowest %s", *teamApprovals, slowest)
}

// stepStatus reads one step's status through the state server.
func (e *teamEnv) stepStatus(id, step string) string {
	rec, err := e.client().Step(id, step)
	if err != nil {
		return ""
	}
	return string(rec.Status)
}

// client is a state client of the test itself, for cheap polling.
func (e *teamEnv) client() state.Backend {
	e.t.Helper()
	e.once.Do(func() {
		st, err := served.Connect(e.state, served.ConnectOptions{Spawn: spawnServer})
		if err != nil {
			e.t.Fatal(err)
		}
		e.cl = st
		e.t.Cleanup(func() { _ = st.Close() })
	})
	return e.cl
}

// waitFor polls cond until it holds, for at most 20 seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitRunbook writes a runbook whose wait polls a signal file every second
// for at most timeout, then records one action in the ledger.
func (e *teamEnv) waitRunbook(timeout string) (rb, signal string) {
	e.t.Helper()
	signal = filepath.Join(e.dir, "signal")
	src := fmt.Sprintf(`runbook "waiting" {
  lock = "waiting"
}

wait "switch_forced" {
  uses     = "ledger_count"
  ledger   = %q
  step     = "go"
  until    = self.output.count > 0
  interval = "1s"
  timeout  = %q
}

action "after" {
  uses       = "noop_action"
  ledger     = %q
  idempotent = false
  depends_on = [step.switch_forced]
}
`, filepath.ToSlash(signal), timeout, filepath.ToSlash(e.ledger))
	rb = filepath.Join(e.dir, "waiting.hcl")
	if err := os.WriteFile(rb, []byte(src), 0o644); err != nil {
		e.t.Fatal(err)
	}
	return rb, signal
}

// TestWaitTorture: kill -9 and Ctrl-C land anywhere in a wait's polling
// and interval sleeps; every resume re-arms the wait at its stored
// deadline, and once the condition holds the run ends as an uninterrupted
// one would: the action after the wait runs exactly once.
func TestWaitTorture(t *testing.T) {
	e := newTeamEnv(t)
	rb, signal := e.waitRunbook("10m")
	args := []string{"apply", rb}
	signals := 0
	for round := 0; ; round++ {
		if round == 20 { // the site switches over (ledger_count reads "<run>/<step> ..." lines)
			if err := os.WriteFile(signal, []byte(e.anyRunID()+"/go go 1\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		cmd, out := e.batonWatched("alice", args...)
		if round < 20 {
			// Timed from the wait's first progress line, not from the
			// start of a process whose start-up a loaded machine slows.
			out.waitFor(t, "switch_forced", 10*time.Second)
			time.Sleep(time.Duration(round*7%60) * time.Millisecond)
			sig := os.Signal(syscall.SIGKILL)
			if round%2 == 1 {
				sig = os.Interrupt
			}
			_ = cmd.Process.Signal(sig)
			signals++
		}
		code := e.wait(cmd, out)
		if round >= 20 && code == 0 {
			break
		}
		if round > 40 {
			t.Fatalf("the run never finished; last exit %d\n%s", code, out.String())
		}
		if args[0] == "apply" {
			if id := e.anyRunID(); id != "" {
				args = []string{"resume", id}
			}
		}
	}
	id := e.lastRunID()
	if e.stepStatus(id, "after") != "succeeded" {
		t.Fatalf("after: %s", e.stepStatus(id, "after"))
	}
	if n := strings.Count(readFile(t, e.ledger), " after "); n != 1 {
		t.Fatalf("the action after the wait ran %d times, want once", n)
	}
	_, j := e.run("alice", "journal", id)
	t.Logf("%d interruptions; the wait was resumed %d times", signals, strings.Count(j, "step.wait_resumed"))
	if !strings.Contains(j, "step.wait_resumed") {
		t.Error("no interruption landed during the wait")
	}
}

// TestWaitResumedAfterItsDeadline: a run interrupted during a wait and
// resumed after the wait's deadline fails with the wait's timeout, as an
// uninterrupted run whose condition never held would; the action after it
// never runs.
func TestWaitResumedAfterItsDeadline(t *testing.T) {
	e := newTeamEnv(t)
	rb, _ := e.waitRunbook("2s")
	cmd, _ := e.baton("alice", "apply", rb)
	waitFor(t, func() bool { return fileExists(e.state) && e.runStepStatus("switch_forced") == "waiting" })
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	id := e.lastRunID()
	deadline := e.stepDeadline(id, "switch_forced")
	time.Sleep(time.Until(deadline) + 50*time.Millisecond) // the runner is away past the deadline
	code, out := e.run("alice", "resume", id)
	if code != exitError || !strings.Contains(out, "timed out") {
		t.Fatalf("resume after the deadline: exit %d\n%s", code, out)
	}
	if fileExists(e.ledger) {
		t.Fatal("the action after the wait ran")
	}
}

// stepDeadline reads a step's stored deadline.
func (e *teamEnv) stepDeadline(id, step string) time.Time {
	e.t.Helper()
	rec, err := e.client().Step(id, step)
	if err != nil || rec.Deadline.IsZero() {
		e.t.Fatalf("step %s has no deadline (%v)", step, err)
	}
	return rec.Deadline
}

func (e *teamEnv) runStepStatus(step string) string {
	if id := e.anyRunID(); id != "" {
		return e.stepStatus(id, step)
	}
	return ""
}

// anyRunID is the newest run's id, "" while there is none.
func (e *teamEnv) anyRunID() string {
	if !fileExists(e.state) {
		return ""
	}
	runs, err := e.client().Runs()
	if err != nil || len(runs) == 0 {
		return ""
	}
	return runs[0].ID
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestOrphanedActionAcrossProcesses: baton is killed while an action's
// process tree works (a child that outlives its shell, as setup.exe does);
// the effect happens once, and the resume verifies only after that tree
// has ended, so it neither retries nor misjudges the action.
func TestOrphanedActionAcrossProcesses(t *testing.T) {
	e := newTeamEnv(t)
	var mu sync.Mutex
	var verifiedWith []int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n := e.promotions()
		mu.Lock()
		verifiedWith = append(verifiedWith, n)
		mu.Unlock()
		fmt.Fprint(w, n)
	}))
	defer srv.Close()
	started := filepath.Join(e.dir, "started")
	src := fmt.Sprintf(`runbook "orphan" {
  lock = "orphan"
}

action "promote" {
  uses    = "exec"
  command = ["sh", "-c", "(touch %s; sleep 2; echo promoted >> %s) & wait"]
  verify {
    uses      = "http_get"
    url       = %q
    condition = self.output.body == "1"
  }
}
`, filepath.ToSlash(started), filepath.ToSlash(e.ledger), srv.URL)
	rb := filepath.Join(e.dir, "orphan.hcl")
	if err := os.WriteFile(rb, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, _ := e.baton("alice", "apply", rb)
	waitFor(t, func() bool { // the child that will outlive its shell is at work
		id := e.anyRunID()
		rec, err := e.client().Step(id, "promote")
		return id != "" && err == nil && rec.Process != nil && fileExists(started)
	})
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	id := e.anyRunID()
	if _, st := e.run("alice", "status", id); !strings.Contains(st, "still running with no baton attached") {
		t.Errorf("status does not name the orphan:\n%s", st)
	}
	code, out := e.run("alice", "resume", id)
	if code != 0 {
		t.Fatalf("resume: exit %d\n%s", code, out)
	}
	if n := e.promotions(); n != 1 {
		t.Fatalf("the action took effect %d times, want once", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(verifiedWith) == 0 || verifiedWith[0] != 1 {
		t.Fatalf("verify saw %v promotions: it ran before the first attempt had ended", verifiedWith)
	}
	if _, j := e.run("alice", "journal", id); !strings.Contains(j, "step.orphan_found") || !strings.Contains(j, "step.orphan_ended") {
		t.Errorf("the journal does not record the orphan:\n%s", j)
	}
}

// wait waits for a baton process, at most 30 seconds, then kills it and
// fails with its output.
func (e *teamEnv) wait(cmd *exec.Cmd, out fmt.Stringer) int {
	e.t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return exitCode(err)
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Signal(syscall.SIGQUIT)
		<-done
		e.t.Fatalf("baton did not end within 30s:\n%s", out)
		return -1
	}
}

// TestSignedApprovalCLI: with a real ssh-agent, a run pinned to an
// allowed-signers file refuses an unsigned approval and takes one signed
// with the approver's key from the agent.
func TestSignedApprovalCLI(t *testing.T) {
	e := newTeamEnv(t)
	for _, tool := range []string{"ssh-agent", "ssh-add", "ssh-keygen"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("BATON_REQUIRE_SSH") == "1" {
				t.Fatalf("%s is needed: %v", tool, err)
			}
			t.Skipf("%s is needed (apt-get install openssh-client)", tool)
		}
	}
	key, allowed := e.bobsKey()
	sock := filepath.Join(e.dir, "agent.sock")
	agent := exec.Command("ssh-agent", "-D", "-a", sock)
	if err := agent.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = agent.Process.Kill(); _ = agent.Wait() })
	waitFor(t, func() bool { return fileExists(sock) })
	t.Setenv("SSH_AUTH_SOCK", sock)
	if out, err := exec.Command("ssh-add", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-add: %v\n%s", err, out)
	}
	rb := e.runbook("configmgr-site/PS1")
	if code, out := e.run("alice", "apply", rb, "--allowed-signers", allowed); code != exitPaused {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	id := e.lastRunID()
	if code, out := e.run("bob", "approve", id, "cab", "--by", "bob"); code != exitError || !strings.Contains(out, "only signed decisions") {
		t.Fatalf("unsigned approve: exit %d\n%s", code, out)
	}
	if code, out := e.run("bob", "approve", id, "cab", "--by", "bob", "--sign"); code != 0 || !strings.Contains(out, "(signed)") {
		t.Fatalf("signed approve: exit %d\n%s", code, out)
	}
	if code, out := e.run("alice", "resume", id); code != 0 {
		t.Fatalf("resume: exit %d\n%s", code, out)
	}
	if n := e.promotions(); n != 1 {
		t.Fatalf("promoted %d times", n)
	}
	if code, out := e.run("carol", "journal", "verify", id); code != 0 || !strings.Contains(out, "1 signed decisions verify") {
		t.Fatalf("journal verify: exit %d\n%s", code, out)
	}
}

// TestOfflineSignedApproval: a board member signs on their own machine
// from the plan file alone (no access to the run's state); the operator
// imports the decision and the run proceeds.
func TestOfflineSignedApproval(t *testing.T) {
	e := newTeamEnv(t)
	if _, err := exec.LookPath("ssh-keygen"); err != nil {
		if os.Getenv("BATON_REQUIRE_SSH") == "1" {
			t.Fatal("ssh-keygen is needed")
		}
		t.Skip("ssh-keygen is needed (apt-get install openssh-client)")
	}
	key, allowed := e.bobsKey()
	rb := e.runbook("configmgr-site/PS1")
	planFile := filepath.Join(e.dir, "promo.plan")
	if code, out := e.run("alice", "plan", rb, "-out", planFile); code != 0 && code != 2 {
		t.Fatalf("plan: exit %d\n%s", code, out)
	}
	if code, out := e.run("alice", "apply", planFile, "--allowed-signers", allowed); code != exitPaused {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	id := e.lastRunID()
	decision := filepath.Join(e.dir, "cab.sig")
	laptop := exec.Command(plainBaton(t), "approve", id, "cab", "--by", "bob", "--sign-only", "--key", key, "--plan", planFile, "-o", decision)
	laptop.Env = append(os.Environ(), "BATON_STATE="+filepath.Join(e.dir, "no-such-dir", "state.db"))
	if out, err := laptop.CombinedOutput(); err != nil {
		t.Fatalf("sign-only: %v\n%s", err, out)
	}
	if fileExists(filepath.Join(e.dir, "no-such-dir")) {
		t.Error("--sign-only touched a state location")
	}
	if code, out := e.run("alice", "approve", "--import", decision); code != 0 || !strings.Contains(out, "(signed)") {
		t.Fatalf("import: exit %d\n%s", code, out)
	}
	if code, out := e.run("alice", "resume", id); code != 0 {
		t.Fatalf("resume: exit %d\n%s", code, out)
	}
	if n := e.promotions(); n != 1 {
		t.Fatalf("promoted %d times", n)
	}
}

// bobsKey makes bob's ed25519 key with ssh-keygen and an allowed-signers
// file allowing it for bob.
func (e *teamEnv) bobsKey() (key, allowed string) {
	e.t.Helper()
	key = filepath.Join(e.dir, "bob_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bob", "-f", key).CombinedOutput(); err != nil {
		e.t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	pub, _ := os.ReadFile(key + ".pub")
	f := strings.Fields(string(pub))
	allowed = filepath.Join(e.dir, "allowed_signers")
	if err := os.WriteFile(allowed, []byte("bob "+f[0]+" "+f[1]+"\n"), 0o644); err != nil {
		e.t.Fatal(err)
	}
	return key, allowed
}
