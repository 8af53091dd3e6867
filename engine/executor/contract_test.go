package executor

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/batonhq/baton/internal/redact"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/engine/clock"
	"github.com/batonhq/baton/internal/proc"
	"github.com/batonhq/baton/state"
	bolt "go.etcd.io/bbolt"
)

const waitRunbook = header + `
wait "poll" {
  uses     = "probe"
  key      = "poll"
  until    = self.output.n >= 3
  interval = "1m"
  timeout  = "10m"
}
action "after" {
  uses       = "change"
  key        = "after"
  depends_on = [step.poll]
}
`

// interruptAtPoll starts the wait runbook and interrupts it (Ctrl-C) at the
// given poll of the wait; it returns the run id.
func (f *fixture) interruptAtPoll(poll int) string {
	f.t.Helper()
	ctx, cancel := context.WithCancel(f.t.Context())
	o := f.opts()
	o.Observer = ObserverFunc(func(e Event) {
		if e.Type == EventWaitPolled && e.Step == "poll" && e.Attempt == poll {
			cancel()
		}
	})
	rb := f.load(waitRunbook)
	res, err := Start(ctx, rb, f.vars(rb), o, Meta{})
	if err != nil {
		f.t.Fatal(err)
	}
	if res.Status != state.RunPaused {
		f.t.Fatalf("interrupted run: %s (%s), want paused", res.Status, res.Reason)
	}
	return res.RunID
}

// TestInterruptedWaitResumes proves that a wait interrupted during its
// polling resumes at its stored deadline: it succeeds when the condition
// comes to hold in time, and times out when the runner was away past it.
func TestInterruptedWaitResumes(t *testing.T) {
	for _, tt := range []struct {
		name    string
		away    time.Duration
		status  state.RunStatus
		wantErr string
	}{
		{"resumed within the deadline", 2 * time.Minute, state.RunSucceeded, ""},
		{"resumed after the deadline", 30 * time.Minute, state.RunFailed, "timed out"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			id := f.interruptAtPoll(1)
			if got := f.statuses(id)["poll"]; got != state.StepWaiting {
				t.Fatalf("poll is %s after the interruption, want waiting", got)
			}
			f.clk.Advance(tt.away)
			rb := f.load(waitRunbook)
			res, err := Resume(t.Context(), rb, f.vars(rb), id, f.opts(), ResumeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tt.status || !strings.Contains(res.Reason, tt.wantErr) {
				t.Fatalf("resumed run: %s (%s), want %s with %q", res.Status, res.Reason, tt.status, tt.wantErr)
			}
			want := 0
			if tt.status == state.RunSucceeded {
				want = 1
			}
			if got := f.calls.get("after"); got != want {
				t.Errorf("the action after the wait ran %d times, want %d", got, want)
			}
		})
	}
}

// TestSecondResumeRefused proves that a run owned by a live process cannot
// be resumed by another: the second resume is refused naming the holder.
func TestSecondResumeRefused(t *testing.T) {
	f := newFixture(t)
	rb := f.load(header + `
approval "cab" {
  approvers = ["bob"]
}
action "go" {
  uses       = "change"
  depends_on = [step.cab]
}
`)
	res, err := Start(t.Context(), rb, f.vars(rb), f.opts(), Meta{})
	if err != nil || res.Status != state.RunPaused {
		t.Fatalf("start: %v %v", res, err)
	}
	// Another process (alive: this test's own pid) owns it now.
	h := state.Self("other-operator", time.Now())
	lease, err := f.store.AcquireRun(res.RunID, h, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := Answer(f.store, res.RunID, "cab", "bob", "", "approved", f.clk.Now()); err != nil {
		t.Fatal(err)
	}
	_, err = Resume(t.Context(), rb, f.vars(rb), res.RunID, f.opts(), ResumeOptions{})
	var owned *state.OwnedError
	if !errors.As(err, &owned) || owned.Owner.User != "other-operator" {
		t.Fatalf("second resume: %v, want an OwnedError naming other-operator", err)
	}
	if f.calls.get("change") != 0 {
		t.Fatal("the refused resume ran the action")
	}
	if err := lease.Release(); err != nil {
		t.Fatal(err)
	}
	res, err = Resume(t.Context(), rb, f.vars(rb), res.RunID, f.opts(), ResumeOptions{})
	if err != nil || res.Status != state.RunSucceeded || f.calls.get("change") != 1 {
		t.Fatalf("resume after release: %v %v, action ran %d times", res, err, f.calls.get("change"))
	}
}

const gatedRunbook = header + `
approval "cab" {
  approvers = ["bob"]
}
action "promote" {
  uses               = "change"
  point_of_no_return = true
  depends_on         = [step.cab]
}
`

// TestPausedRunKeepsItsLock proves the paused-run race is closed: a run
// paused at its approval keeps the site lock; a second run is refused,
// naming it; with --force the paused run is superseded and can never act.
func TestPausedRunKeepsItsLock(t *testing.T) {
	f := newFixture(t)
	rb := f.load(gatedRunbook)
	first, err := Start(t.Context(), rb, f.vars(rb), f.opts(), Meta{})
	if err != nil || first.Status != state.RunPaused {
		t.Fatalf("first: %v %v", first, err)
	}
	_, err = Start(t.Context(), rb, f.vars(rb), f.opts(), Meta{})
	var locked *state.LockedError
	if !errors.As(err, &locked) || locked.Holder.RunID != first.RunID || locked.Run.Status != state.RunPaused {
		t.Fatalf("second start: %v, want a LockedError naming paused run %s", err, first.RunID)
	}
	if !strings.Contains(err.Error(), "paused run "+first.RunID) {
		t.Errorf("message %q does not say the holder is a paused run", err)
	}
	o := f.opts()
	o.ForceLock, o.ForceReason = true, "CAB approved the second change instead"
	second, err := Start(t.Context(), rb, f.vars(rb), o, Meta{})
	if err != nil || second.Status != state.RunPaused {
		t.Fatalf("forced start: %v %v", second, err)
	}
	run, _ := f.store.Run(first.RunID)
	if run.Status != state.RunSuperseded || run.Superseded == nil || run.Superseded.ByRun != second.RunID {
		t.Fatalf("first run after the takeover: %+v", run)
	}
	if err := Answer(f.store, first.RunID, "cab", "bob", "", "approved", f.clk.Now()); err == nil {
		t.Error("an approval of the superseded run was accepted")
	}
	_, err = Resume(t.Context(), rb, f.vars(rb), first.RunID, f.opts(), ResumeOptions{})
	if err == nil || !strings.Contains(err.Error(), "superseded") {
		t.Fatalf("resume of the superseded run: %v", err)
	}
	if err := Answer(f.store, second.RunID, "cab", "bob", "", "approved", f.clk.Now()); err != nil {
		t.Fatal(err)
	}
	res, err := Resume(t.Context(), rb, f.vars(rb), second.RunID, f.opts(), ResumeOptions{})
	if err != nil || res.Status != state.RunSucceeded {
		t.Fatalf("second run: %v %v", res, err)
	}
	if got := f.calls.get("change"); got != 1 {
		t.Fatalf("the promotion ran %d times, want once", got)
	}
}

// TestPlanSpentOnce proves a saved plan starts one run; --respend is
// accepted only for a run that ended before its point of no return.
func TestPlanSpentOnce(t *testing.T) {
	f := newFixture(t)
	rb := f.load(gatedRunbook)
	meta := Meta{PlanDigest: "sha256:plan-1"}
	first, err := Start(t.Context(), rb, f.vars(rb), f.opts(), meta)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Cancel(f.store, first.RunID, "operator", f.clk.Now()); err != nil {
		t.Fatal(err)
	}
	_, err = Start(t.Context(), rb, f.vars(rb), f.opts(), meta)
	var spent *state.PlanSpentError
	if !errors.As(err, &spent) || spent.RunID != first.RunID {
		t.Fatalf("second apply of the plan: %v, want PlanSpentError naming %s", err, first.RunID)
	}
	o := f.opts()
	o.Respend = first.RunID
	second, err := Start(t.Context(), rb, f.vars(rb), o, meta)
	if err != nil {
		t.Fatalf("respend of a run cancelled before its point of no return: %v", err)
	}
	if err := Answer(f.store, second.RunID, "cab", "bob", "", "approved", f.clk.Now()); err != nil {
		t.Fatal(err)
	}
	if res, err := Resume(t.Context(), rb, f.vars(rb), second.RunID, f.opts(), ResumeOptions{}); err != nil || res.Status != state.RunSucceeded {
		t.Fatalf("second run: %v %v", res, err)
	}
	o.Respend = second.RunID
	if _, err := Start(t.Context(), rb, f.vars(rb), o, meta); err == nil || !strings.Contains(err.Error(), "point of no return") {
		t.Fatalf("respend of a run past its point of no return: %v", err)
	}
}

// TestTamperedRunFrozen proves that a step record edited behind baton's
// back (an approval planted in it) freezes the run: verify fails, and
// approve, resolve and resume refuse; cancel still ends it on record.
func TestTamperedRunFrozen(t *testing.T) {
	f := newFixture(t)
	rb := f.load(gatedRunbook)
	res, err := Start(t.Context(), rb, f.vars(rb), f.opts(), Meta{})
	if err != nil {
		t.Fatal(err)
	}
	f.editStep(res.RunID, "cab", func(rec *state.StepRecord) {
		rec.Approvals = append(rec.Approvals, state.Approval{By: "bob", Decision: "approved", At: epoch})
	})
	if _, err := f.store.VerifyJournal(res.RunID); !errors.Is(err, state.ErrTampered) {
		t.Fatalf("verify after the edit: %v", err)
	}
	if _, err := Resume(t.Context(), rb, f.vars(rb), res.RunID, f.opts(), ResumeOptions{}); !errors.Is(err, state.ErrTampered) || !strings.Contains(err.Error(), "baton cancel") {
		t.Fatalf("resume of a tampered run: %v", err)
	}
	if err := Answer(f.store, res.RunID, "cab", "bob", "", "approved", f.clk.Now()); !errors.Is(err, state.ErrTampered) {
		t.Fatalf("approve of a tampered run: %v", err)
	}
	if f.calls.get("change") != 0 {
		t.Fatal("the gated action ran on a planted approval")
	}
	if _, err := Cancel(f.store, res.RunID, "operator", f.clk.Now()); err != nil {
		t.Fatalf("cancel of a tampered run: %v", err)
	}
}

// editStep rewrites a step record in the file, as an attacker would.
func (f *fixture) editStep(runID, step string, edit func(*state.StepRecord)) {
	f.t.Helper()
	_ = f.store.Close()
	db, err := bolt.Open(f.path, 0o600, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		sb := tx.Bucket([]byte("runs")).Bucket([]byte(runID)).Bucket([]byte("steps"))
		var rec state.StepRecord
		if err := json.Unmarshal(sb.Get([]byte(step)), &rec); err != nil {
			return err
		}
		edit(&rec)
		b, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		return sb.Put([]byte(step), b)
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		f.t.Fatal(err)
	}
	if f.store, err = state.Open(f.path, state.Options{}); err != nil {
		f.t.Fatal(err)
	}
}

// TestSensitiveOutputNeverStored plants a canary through a sensitive
// variable into a step's arguments, its captured output and its output
// value, and scans the raw state file for it, plain, base64 and hex.
func TestSensitiveOutputNeverStored(t *testing.T) {
	const canary = "CANARY-7f3a9-secret"
	f := newFixture(t)
	rb := f.load(header + `
variable "token" {
  type      = string
  sensitive = true
}
action "use" {
  uses   = "echo_secret"
  secret = var.token
}
`)
	res, err := Start(t.Context(), rb, f.vars(rb, "token="+canary), f.opts(), Meta{})
	if err != nil || res.Status != state.RunSucceeded {
		t.Fatalf("run: %v %v", res, err)
	}
	if f.calls.get("echo_secret") != 1 {
		t.Fatal("the step did not run")
	}
	raw := f.rawState()
	forms := map[string]string{"plain": canary, "hex": hex.EncodeToString([]byte(canary))}
	for shift := range 3 {
		// The canary's base64 form depends on its offset: the middle of
		// each of the three alignments.
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("x", shift) + canary))
		forms[fmt.Sprintf("base64+%d", shift)] = enc[4 : len(enc)-4]
	}
	for name, form := range forms {
		if strings.Contains(raw, form) {
			t.Errorf("the state file holds the secret (%s)", name)
		}
	}
}

// TestOrphanSettledBeforeVerify proves that a resume finds the process an
// interrupted action left running, waits for it to end, and only then
// runs the action's verify.
func TestOrphanSettledBeforeVerify(t *testing.T) {
	f := newFixture(t)
	rb := f.load(header + `
action "a" {
  uses = "block"
  verify {
    uses      = "probe"
    key       = "verify"
    condition = true
  }
}
`)
	id := f.crashDuring(rb, "a")
	lease, err := f.store.AcquireRun(id, deadHolder(t), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	child := exec.Command("sleep", "0.2")
	if err := child.Start(); err != nil {
		t.Skipf("no sleep command: %v", err)
	}
	exited := make(chan time.Time, 1)
	go func() { _ = child.Wait(); exited <- time.Now() }()
	rec, _ := f.store.Step(id, "a")
	host, _ := os.Hostname()
	rec.StartedAt = time.Now() // the attempt began on the wall clock the resume uses
	rec.Process = &state.ChildProcess{PID: child.Process.Pid, Start: proc.Start(child.Process.Pid), Host: host, Since: time.Now()}
	if err := lease.PutSteps([]state.StepRecord{rec}, []state.JournalEntry{{At: f.clk.Now(), Type: "test.process"}}); err != nil {
		t.Fatal(err)
	}
	o := f.opts()
	o.Clock = clock.Wall{}
	res, err := Resume(t.Context(), rb, f.vars(rb), id, o, ResumeOptions{})
	verifiedAt := time.Now()
	if err != nil || res.Status != state.RunSucceeded {
		t.Fatalf("resume: %v %v", res, err)
	}
	ended := <-exited
	if f.calls.get("verify") != 1 || verifiedAt.Before(ended) {
		t.Fatalf("verify ran %d times, at %v; the orphan ended at %v", f.calls.get("verify"), verifiedAt, ended)
	}
	if j := f.journalTypes(id); !contains(j, "step.orphan_found:a") || !contains(j, "step.orphan_ended:a") {
		t.Errorf("journal lacks the orphan: %v", j)
	}
}

// TestDerivedSecretsStayMarked: a step's sensitive output reaches the
// next step as a secret (not as clear text), and every value derived from
// it is learned by the redactor, so neither the captured output nor the
// state holds it, in any encoding.
func TestDerivedSecretsStayMarked(t *testing.T) {
	const canary = "CANARY-derived-5e2b"
	f := newFixture(t)
	rb := f.load(header + `
variable "token" {
  type      = string
  sensitive = true
}
action "first" {
  uses       = "echo_secret"
  secret     = var.token
  idempotent = true
}
action "second" {
  uses       = "echo_secret"
  secret     = "${upper(step.first.output.key)}/${strrev(step.first.output.key)}"
  idempotent = true
}
`)
	res, err := Start(t.Context(), rb, f.vars(rb, "token="+canary), f.opts(), Meta{})
	if err != nil || res.Status != state.RunSucceeded {
		t.Fatalf("run: %v %v", res, err)
	}
	logs, err := f.store.Logs(res.RunID, "")
	if err != nil {
		t.Fatal(err)
	}
	rev := []rune(canary)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	for _, secret := range []string{canary, strings.ToUpper(canary), string(rev)} {
		for _, form := range redact.Forms(secret) {
			if len(form) < redact.MinLen {
				continue
			}
			if strings.Contains(string(logs), form) {
				t.Errorf("the captured output holds %q (a form of %q): %q", form, secret, logs)
			}
			if strings.Contains(f.rawState(), form) {
				t.Errorf("the state file holds %q (a form of %q)", form, secret)
			}
		}
	}
}

// TestRuntimeSecretRefusedOutsideSinks: a secret only known at run time (a
// step type returning a sensitive value) that reaches an argument which is
// not a secret sink stops the step, and is never printed.
func TestRuntimeSecretRefusedOutsideSinks(t *testing.T) {
	f := newFixture(t)
	rb := f.load(header + `
check "read" {
  uses = "vault"
}
action "use" {
  uses       = "leaky"
  key        = lower(step.read.output.key)
  secret     = "x"
  idempotent = true
}
`)
	res, err := Start(t.Context(), rb, f.vars(rb), f.opts(), Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != state.RunFailed {
		t.Fatalf("status %s, want failed", res.Status)
	}
	if f.calls.get(strings.ToLower(vaultSecret)) != 0 {
		t.Error("the step ran with a secret in a plain argument")
	}
	steps, err := f.store.Steps(res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range steps {
		if s.Name == "use" && strings.Contains(s.Error, "argument key of step use holds a sensitive value") {
			found = true
		}
	}
	if !found {
		t.Errorf("no refusal recorded: %+v", steps)
	}
	for _, form := range redact.Forms(strings.ToLower(vaultSecret)) {
		if len(form) >= redact.MinLen && strings.Contains(f.rawState(), form) {
			t.Errorf("the state file holds %q", form)
		}
	}
}

// TestRuntimeSecretRefusedInDecision: a decision on a value only the run
// knows to be secret fails instead of journaling what it decided.
func TestRuntimeSecretRefusedInDecision(t *testing.T) {
	f := newFixture(t)
	rb := f.load(header + `
check "read" {
  uses = "vault"
}
decision "starts_with_v" {
  condition = startswith(step.read.output.key, "V")
}
`)
	res, err := Start(t.Context(), rb, f.vars(rb), f.opts(), Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.statuses(res.RunID)["starts_with_v"]; got != state.StepFailed {
		t.Fatalf("decision: %s, want failed", got)
	}
	steps, err := f.store.Steps(res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		if s.Name == "starts_with_v" && !strings.Contains(s.Error, "depends on a sensitive value") {
			t.Errorf("error %q", s.Error)
		}
		if strings.Contains(s.Reason, "decided") {
			t.Errorf("step %s journaled a decision on a secret: %q", s.Name, s.Reason)
		}
	}
}
