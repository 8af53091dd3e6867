package executor

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/internal/signing"
	"github.com/batonhq/baton/state"
)

const header = `
runbook "t" {
  title   = "test"
  version = "1.0.0"
  lock    = "site/${var.site}"
}
variable "site" {
  type    = string
  default = "PS1"
}
`

func TestRunOutcomes(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantStatus state.RunStatus
		want       map[string]state.StepStatus
	}{
		{
			name: "chain succeeds",
			body: `
check "a" { uses = "probe" }
action "b" {
  uses       = "change"
  key        = "b-${step.a.output.key}"
  idempotent = true
}
check "c" {
  uses = "probe"
  depends_on = [step.b]
  assert {
    condition = step.b.output.n == 1
    message   = "b ran more than once"
  }
}`,
			wantStatus: state.RunSucceeded,
			want:       map[string]state.StepStatus{"a": "succeeded", "b": "succeeded", "c": "succeeded"},
		},
		{
			name: "a null condition skips the step, as the plan says",
			body: `
check "a" {
  uses = "probe"
  key  = "a"
}
action "b" {
  uses = "change"
  key  = "b"
  when = step.a.output.n == 1 ? null : true
}`,
			wantStatus: state.RunSucceeded,
			want:       map[string]state.StepStatus{"a": "succeeded", "b": "skipped"},
		},
		{
			name: "decision picks a branch, the join runs",
			body: `
check "probe" { uses = "probe" }
decision "first" { condition = step.probe.output.n == 1 }
action "yes" {
  uses = "change"
  key = "yes"
  when = step.first.output
  idempotent = true
}
action "no" {
  uses = "change"
  key = "no"
  when = !step.first.output
  idempotent = true
}
action "after_no" {
  uses = "change"
  key = "after_no"
  depends_on = [step.no]
  idempotent = true
}
check "join" {
  uses = "probe"
  key = "join"
  depends_on = [step.yes, step.no]
}`,
			wantStatus: state.RunSucceeded,
			want:       map[string]state.StepStatus{"first": "succeeded", "yes": "succeeded", "no": "skipped", "after_no": "skipped", "join": "succeeded"},
		},
		{
			name: "retries with backoff",
			body: `
action "f" {
  uses = "flaky"
  idempotent = true
  retry {
    attempts = 3
    backoff  = "10s"
  }
}`,
			wantStatus: state.RunSucceeded,
			want:       map[string]state.StepStatus{"f": "succeeded"},
		},
		{
			name: "assertion failure aborts, later steps skipped",
			body: `
check "a" {
  uses = "probe"
  assert {
    condition = self.output.n > 5
    message   = "n is ${self.output.n}, want more than 5"
  }
}
action "b" {
  uses = "change"
  depends_on = [step.a]
  idempotent = true
}
action "free" {
  uses = "change"
  key = "free"
  idempotent = true
}`,
			wantStatus: state.RunFailed,
			want:       map[string]state.StepStatus{"a": "failed", "b": "skipped"},
		},
		{
			name: "after a failure, checks that can still run do: every blocker is reported",
			body: `
check "gate" {
  uses = "probe"
  key  = "gate"
}
check "x1" {
  uses = "probe"
  key  = "x1"
  assert {
    condition = false
    message   = "x1 blocks"
  }
}
check "x2" {
  uses       = "probe"
  key        = "x2"
  depends_on = [step.gate]
  assert {
    condition = false
    message   = "x2 blocks"
  }
}
check "after_x2" {
  uses       = "probe"
  key        = "after_x2"
  depends_on = [step.x2]
}
action "go" {
  uses       = "change"
  depends_on = [step.x1, step.x2]
  idempotent = true
}
check "after_go" {
  uses       = "probe"
  key        = "after_go"
  depends_on = [step.go]
}`,
			wantStatus: state.RunFailed,
			want:       map[string]state.StepStatus{"gate": "succeeded", "x1": "failed", "x2": "failed", "after_x2": "skipped", "go": "skipped", "after_go": "skipped"},
		},
		{
			name: "always-steps run whatever their dependencies did, even after the run stopped",
			body: `
check "broken" {
  uses = "probe"
  key  = "broken"
  assert {
    condition = false
    message   = "broken"
  }
}
action "never_started" {
  uses       = "change"
  key        = "never_started"
  depends_on = [step.ok]
  idempotent = true
}
check "ok" {
  uses = "probe"
  key  = "ok"
}
action "report" {
  uses       = "change"
  key        = "report"
  depends_on = [step.broken, step.ok, step.never_started]
  always     = true
  idempotent = true
}
action "plain" {
  uses       = "change"
  key        = "plain"
  depends_on = [step.broken]
  idempotent = true
}`,
			wantStatus: state.RunFailed,
			want:       map[string]state.StepStatus{"broken": "failed", "ok": "succeeded", "report": "succeeded", "plain": "skipped"},
		},
		{
			name: "of two failures at once, the one asking for a back-out gets it",
			body: `
action "first" {
  uses       = "change"
  key        = "first"
  idempotent = true
}
action "plain_failure" {
  uses       = "broken"
  depends_on = [step.first]
  idempotent = true
}
action "backout_failure" {
  uses       = "broken"
  depends_on = [step.first]
  on_failure = "backout"
  idempotent = true
}
backout "undo_first" {
  uses       = "change"
  key        = "undo_first"
  undoes     = step.first
  idempotent = true
}`,
			wantStatus: state.RunBackedOut,
			want:       map[string]state.StepStatus{"plain_failure": "failed", "backout_failure": "failed", "undo_first": "succeeded"},
		},
		{
			name: "a successful run marks its back-out path not needed",
			body: `
action "one" {
  uses       = "change"
  key        = "one"
  idempotent = true
}
backout "undo_one" {
  uses       = "change"
  key        = "undo_one"
  undoes     = step.one
  idempotent = true
}`,
			wantStatus: state.RunSucceeded,
			want:       map[string]state.StepStatus{"one": "succeeded", "undo_one": "skipped"},
		},
		{
			name: "continue policy lets the run succeed",
			body: `
check "warn" {
  uses = "probe"
  on_failure = "continue"
  assert {
    condition = false
    message   = "just a warning"
  }
}
action "b" {
  uses = "change"
  idempotent = true
}`,
			wantStatus: state.RunSucceeded,
			want:       map[string]state.StepStatus{"warn": "failed", "b": "succeeded"},
		},
		{
			name: "failure backs out in reverse order",
			body: `
action "one" {
  uses = "change"
  key = "one"
  idempotent = true
}
action "two" {
  uses = "change"
  key = "two"
  depends_on = [step.one]
  idempotent = true
}
action "three" {
  uses = "broken"
  depends_on = [step.two]
  on_failure = "backout"
  idempotent = true
}
backout "undo_one" {
  uses = "change"
  key = "undo_one"
  undoes = step.one
  idempotent = true
}
backout "undo_two" {
  uses = "change"
  key = "undo_two"
  undoes = step.two
  idempotent = true
}
post "never" {
  uses = "change"
  key = "never"
  idempotent = true
}`,
			wantStatus: state.RunBackedOut,
			want:       map[string]state.StepStatus{"one": "succeeded", "two": "succeeded", "three": "failed", "undo_two": "succeeded", "undo_one": "succeeded", "never": "skipped"},
		},
		{
			name: "post tasks run after the main path",
			body: `
action "main" {
  uses = "change"
  idempotent = true
}
post "p" {
  uses = "change"
  key = "p"
  when = step.main.output.n == 1
  idempotent = true
}
post "q" {
  uses = "change"
  key = "q"
  when = step.main.output.n == 2
  idempotent = true
}`,
			wantStatus: state.RunSucceeded,
			want:       map[string]state.StepStatus{"main": "succeeded", "p": "succeeded", "q": "skipped"},
		},
		{
			name: "wait polls until the condition holds",
			body: `
wait "ready" {
  uses     = "probe"
  key      = "ready"
  until    = self.output.n >= 4
  interval = "5m"
  timeout  = "30m"
}`,
			wantStatus: state.RunSucceeded,
			want:       map[string]state.StepStatus{"ready": "succeeded"},
		},
		{
			name: "wait times out at its deadline",
			body: `
wait "never" {
  uses     = "probe"
  key      = "never"
  until    = self.output.n > 1000
  interval = "1m"
  timeout  = "30m"
}`,
			wantStatus: state.RunFailed,
			want:       map[string]state.StepStatus{"never": "failed"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			rb := f.load(header + tt.body)
			res, err := Start(t.Context(), rb, f.vars(rb), f.opts(), Meta{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tt.wantStatus {
				t.Fatalf("status %s (%s), want %s", res.Status, res.Reason, tt.wantStatus)
			}
			got := f.statuses(res.RunID)
			for step, want := range tt.want {
				if got[step] != want {
					t.Errorf("step %s: %s, want %s", step, got[step], want)
				}
			}
			if _, err := f.store.VerifyJournal(res.RunID); err != nil {
				t.Errorf("journal: %v", err)
			}
			if _, err := f.store.Lock("site/PS1"); !errors.Is(err, state.ErrNotFound) {
				t.Errorf("lock still held after the run ended: %v", err)
			}
		})
	}
}

func TestBackoutOrderAndRetryTiming(t *testing.T) {
	f := newFixture(t)
	rb := f.load(header + `
action "f" {
  uses = "flaky"
  idempotent = true
  retry {
    attempts  = 3
    backoff   = "1m"
    max_delay = "90s"
  }
}`)
	res, err := Start(t.Context(), rb, f.vars(rb), f.opts(), Meta{})
	if err != nil || res.Status != state.RunSucceeded {
		t.Fatalf("%v %v", res, err)
	}
	// Two retries: about 1m and min(2m, 90s), with ±20% jitter.
	el := f.clk.Now().Sub(epoch)
	if el < 120*time.Second || el > 3*time.Minute {
		t.Errorf("virtual time spent in backoff = %s, want about 2m30s", el)
	}
	if got := f.calls.get("flaky"); got != 3 {
		t.Errorf("flaky ran %d times, want 3", got)
	}
}

func TestWaitTimeoutTakesNoRealTime(t *testing.T) {
	f := newFixture(t)
	rb := f.load(header + `
wait "w" {
  uses     = "probe"
  until    = false
  interval = "30s"
  timeout  = "30m"
}`)
	start := time.Now()
	res, err := Start(t.Context(), rb, f.vars(rb), f.opts(), Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != state.RunFailed {
		t.Fatalf("status %s", res.Status)
	}
	if got := f.clk.Now().Sub(epoch); got != 30*time.Minute {
		t.Errorf("virtual time %s, want exactly 30m", got)
	}
	if polls := f.calls.get("probe"); polls < 60 || polls > 62 {
		t.Errorf("%d polls, want about 61", polls)
	}
	if real := time.Since(start); real > 20*time.Second {
		t.Logf("slow machine: %s of real time", real)
	}
}

func TestApprovals(t *testing.T) {
	src := header + `
approval "cab" {
  approvers       = ["alice", "bob", "operator"]
  min_approvals   = 2
  allow_requester = false
  expires_after   = "8h"
}
action "go" {
  uses = "change"
  depends_on = [step.cab]
  idempotent = true
}
check "independent" {
  uses = "probe"
  key  = "independent"
}`
	t.Run("pauses, independent branch continues, M of N resumes", func(t *testing.T) {
		f := newFixture(t)
		rb := f.load(src)
		res, err := Start(t.Context(), rb, f.vars(rb), f.opts(), Meta{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != state.RunPaused || !strings.Contains(res.Reason, "baton approve") {
			t.Fatalf("status %s %q, want paused with the approve command", res.Status, res.Reason)
		}
		st := f.statuses(res.RunID)
		if st["independent"] != state.StepSucceeded || st["cab"] != state.StepAwaitingApproval || st["go"] != state.StepPending {
			t.Fatalf("statuses %v", st)
		}
		now := f.clk.Now()
		if err := Answer(f.store, res.RunID, "cab", "operator", "", "approved", now); err == nil {
			t.Error("the requester approved their own run")
		}
		if err := Answer(f.store, res.RunID, "cab", "mallory", "", "approved", now); err == nil {
			t.Error("a non-approver approved")
		}
		if err := Answer(f.store, res.RunID, "cab", "alice", "CAB-1", "approved", now); err != nil {
			t.Fatal(err)
		}
		if err := Answer(f.store, res.RunID, "cab", "alice", "", "approved", now); err == nil {
			t.Error("alice approved twice")
		}
		res, err = Resume(t.Context(), rb, f.vars(rb), res.RunID, f.opts(), ResumeOptions{})
		if err != nil || res.Status != state.RunPaused {
			t.Fatalf("one of two approvals: %v %v", res, err)
		}
		if err := Answer(f.store, res.RunID, "cab", "bob", "", "approved", f.clk.Now()); err != nil {
			t.Fatal(err)
		}
		res, err = Resume(t.Context(), rb, f.vars(rb), res.RunID, f.opts(), ResumeOptions{})
		if err != nil || res.Status != state.RunSucceeded {
			t.Fatalf("after two approvals: %v %v", res, err)
		}
		j := f.journalTypes(res.RunID)
		for _, want := range []string{"approval.requested:cab", "answer.approve:cab", "step.succeeded:go"} {
			if !contains(j, want) {
				t.Errorf("journal lacks %s: %v", want, j)
			}
		}
	})
	t.Run("rejection fails the step", func(t *testing.T) {
		f := newFixture(t)
		rb := f.load(src)
		res, _ := Start(t.Context(), rb, f.vars(rb), f.opts(), Meta{})
		if err := Answer(f.store, res.RunID, "cab", "bob", "not tonight", "rejected", f.clk.Now()); err != nil {
			t.Fatal(err)
		}
		res, err := Resume(t.Context(), rb, f.vars(rb), res.RunID, f.opts(), ResumeOptions{})
		if err != nil || res.Status != state.RunFailed || !strings.Contains(res.Reason, "rejected by bob: not tonight") {
			t.Fatalf("%v %v", res, err)
		}
	})
	t.Run("expired approval is a recorded failure", func(t *testing.T) {
		f := newFixture(t)
		rb := f.load(src)
		res, _ := Start(t.Context(), rb, f.vars(rb), f.opts(), Meta{})
		f.clk.Advance(9 * time.Hour)
		res, err := Resume(t.Context(), rb, f.vars(rb), res.RunID, f.opts(), ResumeOptions{})
		if err != nil || res.Status != state.RunFailed || !strings.Contains(res.Reason, "expired") {
			t.Fatalf("%v %v", res, err)
		}
	})
	t.Run("auto approval (rehearsal)", func(t *testing.T) {
		f := newFixture(t)
		rb := f.load(src)
		o := f.opts()
		o.AutoApprove = func(*runbook.Step) []AutoAnswer {
			return []AutoAnswer{{Approval: state.Approval{By: "alice", Decision: "approved"}}, {Approval: state.Approval{By: "bob", Decision: "approved"}}}
		}
		res, err := Start(t.Context(), rb, f.vars(rb), o, Meta{})
		if err != nil || res.Status != state.RunSucceeded {
			t.Fatalf("%v %v", res, err)
		}
	})
	// Timed answers: the run waits on its (virtual) clock for them, and an
	// approval expires when its answers come too late.
	timed := []struct {
		name       string
		after      [2]time.Duration // alice's and bob's delays
		decision   string
		wantStatus state.RunStatus
		wantReason string
		wantAt     time.Duration // when the approval settled
	}{
		{"both within the hour", [2]time.Duration{20 * time.Minute, 65 * time.Minute}, "approved", state.RunSucceeded, "", 65 * time.Minute},
		{"second answer after expiry", [2]time.Duration{time.Hour, 9 * time.Hour}, "approved", state.RunFailed, "expired", 8 * time.Hour},
		{"rejected after a while", [2]time.Duration{30 * time.Minute, 0}, "rejected", state.RunFailed, "rejected by alice", 0},
	}
	for _, tc := range timed {
		t.Run("timed answers: "+tc.name, func(t *testing.T) {
			f := newFixture(t)
			rb := f.load(src)
			o := f.opts()
			o.AutoApprove = func(*runbook.Step) []AutoAnswer {
				return []AutoAnswer{
					{Approval: state.Approval{By: "alice", Decision: tc.decision}, After: tc.after[0]},
					{Approval: state.Approval{By: "bob", Decision: "approved"}, After: tc.after[1]},
				}
			}
			start := f.clk.Now()
			res, err := Start(t.Context(), rb, f.vars(rb), o, Meta{})
			if err != nil || res.Status != tc.wantStatus || !strings.Contains(res.Reason, tc.wantReason) {
				t.Fatalf("%v %v, want %s (%s)", res, err, tc.wantStatus, tc.wantReason)
			}
			rec, err := f.store.Step(res.RunID, "cab")
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantAt > 0 {
				if got := rec.FinishedAt.Sub(start); got != tc.wantAt {
					t.Errorf("approval settled after %s, want %s", got, tc.wantAt)
				}
			}
		})
	}
}

func TestLockContention(t *testing.T) {
	f := newFixture(t)
	rb := f.load(header + `
approval "hold" { approvers = ["alice"] }`)
	first, err := Start(t.Context(), rb, f.vars(rb), f.opts(), Meta{})
	if err != nil || first.Status != state.RunPaused {
		t.Fatalf("%v %v", first, err)
	}
	_, err = Start(t.Context(), rb, f.vars(rb), f.opts(), Meta{})
	var le *state.LockedError
	if !errors.As(err, &le) || le.Holder.RunID != first.RunID {
		t.Fatalf("second run on the same site: %v, want a lock error naming %s", err, first.RunID)
	}
	// Another site is free.
	if res, err := Start(t.Context(), rb, f.vars(rb, "site=PS2"), f.opts(), Meta{}); err != nil || res.Status != state.RunPaused {
		t.Fatalf("other site: %v %v", res, err)
	}
}

func TestCrashRecovery(t *testing.T) {
	src := header + `
action "a" {
  uses = "change"
  key  = "a"
  %s
}
check "after" {
  uses = "probe"
  key  = "after"
  depends_on = [step.a]
}`
	tests := []struct {
		name      string
		decl      string
		calledA   int // times "a" runs after the crash
		want      state.StepStatus
		runStatus state.RunStatus
	}{
		{"verify says done: not repeated", "verify {\n uses = \"probe\"\n key = \"verified\"\n condition = true\n}", 0, state.StepSucceeded, state.RunSucceeded},
		{"verify says not done, idempotent: run again", "idempotent = true\nverify {\n uses = \"probe\"\n key = \"verified\"\n condition = false\n}", 1, state.StepSucceeded, state.RunSucceeded},
		{"verify says not done, not idempotent: hold", "verify {\n uses = \"probe\"\n key = \"verified\"\n condition = false\n}", 0, state.StepInDoubt, state.RunPaused},
		{"no verify, idempotent: run again", "idempotent = true", 1, state.StepSucceeded, state.RunSucceeded},
		{"no verify, not idempotent: hold", "", 0, state.StepInDoubt, state.RunPaused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			rb := f.load(strings.Replace(src, "%s", tt.decl, 1))
			runID := f.crashDuring(rb, "a")
			res, err := Resume(t.Context(), rb, f.vars(rb), runID, f.opts(), ResumeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tt.runStatus {
				t.Fatalf("run %s (%s), want %s", res.Status, res.Reason, tt.runStatus)
			}
			if got := f.statuses(runID)["a"]; got != tt.want {
				t.Errorf("a: %s, want %s", got, tt.want)
			}
			if got := f.calls.get("a"); got != tt.calledA {
				t.Errorf("a ran %d times after the crash, want %d", got, tt.calledA)
			}
			if tt.want != state.StepInDoubt {
				return
			}
			if !strings.Contains(res.Reason, "baton resolve") {
				t.Errorf("reason %q does not say how to resolve", res.Reason)
			}
			// The operator decides.
			now := f.clk.Now()
			if err := Resolve(f.store, runID, "a", "carol", "succeeded", "checked the console", now); err != nil {
				t.Fatal(err)
			}
			res, err = Resume(t.Context(), rb, f.vars(rb), runID, f.opts(), ResumeOptions{})
			if err != nil || res.Status != state.RunSucceeded {
				t.Fatalf("after resolve: %v %v", res, err)
			}
			if f.calls.get("a") != 0 {
				t.Error("a was repeated after being resolved as succeeded")
			}
		})
	}
}

// crashDuring creates a run whose process "died" while step was running:
// the intent is recorded, the outcome is not.
func (f *fixture) crashDuring(rb *runbook.Runbook, step string) string {
	f.t.Helper()
	return f.crashDuringWith(rb, step, nil)
}

// crashDuringWith is crashDuring for a run started with allowed signers.
func (f *fixture) crashDuringWith(rb *runbook.Runbook, step string, as *signing.AllowedSigners) string {
	f.t.Helper()
	ctx, cancel := context.WithCancel(f.t.Context())
	o := f.opts()
	o.AllowedSigners = as
	f.calls.mu.Lock()
	f.calls.block = true // the step is still working when the run stops
	f.calls.mu.Unlock()
	o.Observer = ObserverFunc(func(e Event) {
		if e.Type == EventStepStarted && e.Step == step {
			cancel()
		}
	})
	// "block" stands in for the action so that it is running when the
	// context ends; then the record is rewritten as a crash leaves it.
	res, err := Start(ctx, rb, f.vars(rb), o, Meta{})
	if err != nil {
		f.t.Fatal(err)
	}
	f.leaveCrashed(res.RunID, step)
	return res.RunID
}

// leaveCrashed rewrites a run stopped while step ran as a crash leaves
// it: the step running, the run owned by a process that is gone.
func (f *fixture) leaveCrashed(runID, step string) {
	f.t.Helper()
	res := Result{RunID: runID}
	rec, err := f.store.Step(res.RunID, step)
	if err != nil {
		f.t.Fatal(err)
	}
	rec.Status = state.StepRunning
	rec.Error = ""
	// A process that is gone owns the run, as a crash leaves it.
	lease, err := f.store.AcquireRun(res.RunID, deadHolder(f.t), time.Now())
	if err != nil {
		f.t.Fatal(err)
	}
	if err := lease.PutSteps([]state.StepRecord{rec}, []state.JournalEntry{{At: f.clk.Now(), Type: "test.crash", Step: step}}); err != nil {
		f.t.Fatal(err)
	}
	run, _ := f.store.Run(res.RunID)
	run.Status = state.RunRunning
	if err := lease.UpdateRun(run, state.JournalEntry{At: f.clk.Now(), Type: "test.crash"}); err != nil {
		f.t.Fatal(err)
	}
	f.calls = &calls{}
	for _, name := range f.reg.KindNames() {
		if k, ok := f.reg.Kind(name); ok {
			if tk, ok := k.(*testKind); ok {
				tk.calls = f.calls
			}
		}
	}
}

func TestCancelAndInterrupt(t *testing.T) {
	src := header + `
action "long" {
  uses = "block"
  idempotent = true
}
action "next" {
  uses = "change"
  depends_on = [step.long]
  idempotent = true
}`
	t.Run("interrupt pauses and resume continues", func(t *testing.T) {
		f := newFixture(t)
		rb := f.load(src)
		ctx, cancel := context.WithCancel(t.Context())
		o := f.opts()
		o.Observer = ObserverFunc(func(e Event) {
			if e.Type == EventStepStarted && e.Step == "long" {
				cancel()
			}
		})
		res, err := Start(ctx, rb, f.vars(rb), o, Meta{})
		if err != nil || res.Status != state.RunPaused || !strings.Contains(res.Reason, "interrupted") {
			t.Fatalf("%v %v", res, err)
		}
		// An interrupted idempotent action is in doubt, and re-run on resume.
		if got := f.statuses(res.RunID)["long"]; got != state.StepInDoubt {
			t.Fatalf("long: %s", got)
		}
	})
	t.Run("cancel from another process", func(t *testing.T) {
		f := newFixture(t)
		rb := f.load(src)
		o := f.opts()
		o.Clock = nil // wall clock, so the store is polled for cancel requests
		o.PollInterval = time.Millisecond
		var runID string
		o.Observer = ObserverFunc(func(e Event) {
			if e.Type == EventStepStarted && e.Step == "long" {
				runID = e.RunID
				go func() {
					if _, err := Cancel(f.store, runID, "dave", time.Now()); err != nil {
						t.Error(err)
					}
				}()
			}
		})
		res, err := Start(t.Context(), rb, f.vars(rb), o, Meta{})
		if err != nil || res.Status != state.RunCancelled {
			t.Fatalf("%v %v", res, err)
		}
		if got := f.statuses(res.RunID)["next"]; got != state.StepCancelled {
			t.Errorf("next: %s", got)
		}
	})
}

func TestSecretsStayOutOfState(t *testing.T) {
	const canary = "CANARY-s3cr3t-4242"
	f := newFixture(t)
	rb := f.load(header + `
variable "password" {
  type      = string
  sensitive = true
}
action "use" {
  uses   = "leaky"
  secret = var.password
  idempotent = true
}
action "fails" {
  uses = "broken"
  key  = "k"
  depends_on = [step.use]
  on_failure = "continue"
  idempotent = true
}`)
	res, err := Start(t.Context(), rb, f.vars(rb, "password="+canary), f.opts(), Meta{})
	if err != nil || res.Status != state.RunSucceeded {
		t.Fatalf("%v %v", res, err)
	}
	logs, err := f.store.Logs(res.RunID, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(logs), "connecting with (sensitive)") {
		t.Errorf("captured output %q, want the secret redacted", logs)
	}
	if strings.Contains(f.rawState(), canary) {
		t.Error("the canary secret is in the state file")
	}
	for _, e := range f.events {
		if strings.Contains(e.Message, canary) {
			t.Errorf("event leaks the secret: %+v", e)
		}
	}
}

func TestChangeWindow(t *testing.T) {
	f := newFixture(t)
	rb := f.load(`
runbook "t" {
  change {
    window {
      start = "2026-03-01T21:00:00Z"
      end   = "2026-03-01T23:00:00Z"
    }
  }
}
action "prepare" {
  uses = "change"
  key = "prepare"
  expected_duration = "90m"
  idempotent = true
}
action "promote" {
  uses = "change"
  key = "promote"
  depends_on = [step.prepare]
  point_of_no_return = true
  expected_duration = "45m"
  idempotent = true
}
backout "undo" {
  uses = "change"
  key = "undo"
  undoes = step.promote
  expected_duration = "30m"
  idempotent = true
}`)
	// The clock starts at 22:00: one hour left, 75 minutes needed.
	res, err := Start(t.Context(), rb, f.vars(rb), f.opts(), Meta{})
	if err != nil || res.Status != state.RunPaused || !strings.Contains(res.Reason, "change window") {
		t.Fatalf("%v %v", res, err)
	}
	if f.calls.get("promote") != 0 {
		t.Fatal("the point of no return ran outside the window")
	}
	res, err = Resume(t.Context(), rb, f.vars(rb), res.RunID, f.opts(), ResumeOptions{OverrideWindow: true, By: "erin", Reason: "CAB extended the window"})
	if err != nil || res.Status != state.RunSucceeded {
		t.Fatalf("override: %v %v", res, err)
	}
	if !contains(f.journalTypes(res.RunID), "window.override") || !contains(f.journalTypes(res.RunID), "window.insufficient:promote") {
		t.Errorf("journal: %v", f.journalTypes(res.RunID))
	}
}

func TestResumeRefusesChangedRunbook(t *testing.T) {
	f := newFixture(t)
	rb := f.load(header + `
approval "hold" { approvers = ["alice"] }`)
	res, _ := Start(t.Context(), rb, f.vars(rb), f.opts(), Meta{})
	changed := f.load(header + `
approval "hold" { approvers = ["alice", "bob"] }`)
	_, err := Resume(t.Context(), changed, f.vars(changed), res.RunID, f.opts(), ResumeOptions{})
	var sc *SourcesChangedError
	if !errors.As(err, &sc) || len(sc.Changed) != 1 {
		t.Fatalf("err %v, want the changed file listed", err)
	}
	res, err = Resume(t.Context(), changed, f.vars(changed), res.RunID, f.opts(), ResumeOptions{AcceptChanges: true, By: "alice"})
	if err != nil || res.Status != state.RunPaused {
		t.Fatalf("accept: %v %v", res, err)
	}
}

// TestStepTypePanic: a step type with a bug never crashes the run or shows
// a stack: a check fails, an action (which may have half happened) is in
// doubt and the run waits for an operator.
func TestStepTypePanic(t *testing.T) {
	tests := []struct {
		name, body string
		status     state.RunStatus
		step       string
		stepStatus state.StepStatus
	}{
		{"check", `
check "c" {
  uses = "panicky_read"
  retry {
    attempts = 3
  }
}`, state.RunFailed, "c", state.StepFailed},
		{"action", `
action "a" {
  uses       = "panicky"
  idempotent = true
  retry {
    attempts = 3
  }
}`, state.RunPaused, "a", state.StepInDoubt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			rb := f.load(header + tc.body)
			res, err := Start(t.Context(), rb, f.vars(rb), f.opts(), Meta{})
			if err != nil || res.Status != tc.status {
				t.Fatalf("%v %v, want %s", res, err, tc.status)
			}
			rec, err := f.store.Step(res.RunID, tc.step)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Status != tc.stepStatus || !strings.Contains(rec.Error, "failed unexpectedly") || strings.Contains(rec.Error, "goroutine") {
				t.Errorf("step %s %q", rec.Status, rec.Error)
			}
			if rec.Attempt != 1 {
				t.Errorf("%d attempts: a panicking step is never retried", rec.Attempt)
			}
		})
	}
}

// TestWaitStableFor checks that a wait with stable_for succeeds only after
// its condition held on every poll for that long, and that a poll where it
// does not hold starts the streak again.
func TestWaitStableFor(t *testing.T) {
	cases := []struct {
		name     string
		until    string
		status   state.RunStatus
		elapsed  time.Duration // virtual time when the run ended
		wantText string        // in the reason, when the wait fails
	}{
		// Holds from the second poll (30s): done at 30s + 2m.
		{"holds from the second poll", "self.output.n >= 2", state.RunSucceeded, 150 * time.Second, ""},
		// Holds at polls 2-3, not at 4 (90s), then from 5 (120s): done at 4m.
		{"a relapse restarts the streak", "self.output.n >= 2 && self.output.n != 4", state.RunSucceeded, 240 * time.Second, ""},
		// Holds on every other poll: never two minutes in a row.
		{"flapping never succeeds", "self.output.n % 2 == 0", state.RunFailed, 10 * time.Minute, "no longer true after 1 consecutive poll;"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			rb := f.load(header + `
wait "ready" {
  uses       = "probe"
  until      = ` + tc.until + `
  interval   = "30s"
  stable_for = "2m"
  timeout    = "10m"
}`)
			res, err := Start(t.Context(), rb, f.vars(rb), f.opts(), Meta{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tc.status {
				t.Fatalf("status %s (%s), want %s", res.Status, res.Reason, tc.status)
			}
			if got := f.clk.Now().Sub(epoch); got != tc.elapsed {
				t.Errorf("ended after %s of virtual time, want %s", got, tc.elapsed)
			}
			if tc.wantText != "" {
				rec, err := f.store.Step(res.RunID, "ready")
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(rec.Error, tc.wantText) {
					t.Errorf("error %q does not say %q", rec.Error, tc.wantText)
				}
			}
		})
	}
}

// TestUnreadableWindowFailsClosed: a change window whose bound is not an
// RFC 3339 time (given as an input, so validate cannot see it) pauses the
// point of no return; it never lets it pass unchecked.
func TestUnreadableWindowFailsClosed(t *testing.T) {
	f := newFixture(t)
	rb := f.load(`
runbook "t" {
  change {
    window {
      start = var.window_start
      end   = var.window_end
    }
  }
}
variable "window_start" {
  type    = string
  default = "2026-03-01T21:00:00Z"
}
variable "window_end" { type = string }
action "promote" {
  uses = "change"
  point_of_no_return = true
  idempotent = true
}`)
	res, err := Start(t.Context(), rb, f.vars(rb, "window_end=2026-03-01 23:00"), f.opts(), Meta{})
	if err != nil || res.Status != state.RunPaused {
		t.Fatalf("%v %v, want paused", res, err)
	}
	if !strings.Contains(res.Reason, `"2026-03-01 23:00"`) || !strings.Contains(res.Reason, "not an RFC 3339 timestamp") {
		t.Errorf("reason %q does not say what is wrong with the window", res.Reason)
	}
	if f.calls.get("change") != 0 {
		t.Fatal("the point of no return ran with an unreadable window")
	}
	if !contains(f.journalTypes(res.RunID), "window.unreadable:promote") {
		t.Errorf("journal: %v", f.journalTypes(res.RunID))
	}
}

// TestResolutionAnswersOneDoubt: an operator's resolution settles the
// doubt it answered, never a later one. A run resolved as "retry" whose
// retry is killed again is held again; the old answer does not send the
// action a third time (the torture test found it doing so).
func TestResolutionAnswersOneDoubt(t *testing.T) {
	f := newFixture(t)
	rb := f.load(header + `
action "a" {
  uses = "change"
  key  = "a"
}`)
	runID := f.crashDuring(rb, "a")
	res, err := Resume(t.Context(), rb, f.vars(rb), runID, f.opts(), ResumeOptions{})
	if err != nil || res.Status != state.RunPaused {
		t.Fatalf("first resume: %v %v, want held in doubt", res, err)
	}
	if err := Resolve(f.store, runID, "a", "carol", "retry", "the console shows nothing happened", f.clk.Now()); err != nil {
		t.Fatal(err)
	}
	// The retry is killed (SIGKILL) while it runs: the journal then ends
	// with the resolution taken and the second attempt's intent, and no
	// in_doubt entry in between.
	lease, err := f.store.AcquireRun(runID, deadHolder(t), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := f.store.Step(runID, "a")
	pending := rec
	pending.Status, pending.Resolution, pending.Error = state.StepPending, nil, ""
	running := pending
	running.Status, running.Attempt = state.StepRunning, rec.Attempt+1
	if err := lease.PutSteps([]state.StepRecord{pending}, []state.JournalEntry{{At: f.clk.Now(), Type: "step.resolved", Step: "a"}}); err != nil {
		t.Fatal(err)
	}
	if err := lease.PutSteps([]state.StepRecord{running}, []state.JournalEntry{{At: f.clk.Now(), Type: "step.intent", Step: "a"}}); err != nil {
		t.Fatal(err)
	}
	run, _ := f.store.Run(runID)
	run.Status = state.RunRunning
	if err := lease.UpdateRun(run, state.JournalEntry{At: f.clk.Now(), Type: "test.crash"}); err != nil {
		t.Fatal(err)
	}
	res, err = Resume(t.Context(), rb, f.vars(rb), runID, f.opts(), ResumeOptions{})
	if err != nil || res.Status != state.RunPaused {
		t.Fatalf("resume after the second crash: %v %v, want held in doubt again", res, err)
	}
	if n := f.calls.get("a"); n != 0 {
		t.Fatalf("a ran %d times after the second crash on the strength of the first resolution", n)
	}
	if got := f.statuses(runID)["a"]; got != state.StepInDoubt {
		t.Errorf("a: %s, want in doubt", got)
	}
}

// TestBlockedObserverNeverStallsTheRun: an observer that cannot keep up
// (stdout piped into a pager nobody reads) delays only the output: every
// step runs meanwhile, and the events arrive in order once it reads again.
func TestBlockedObserverNeverStallsTheRun(t *testing.T) {
	f := newFixture(t)
	rb := f.load(header + `
action "a" {
  uses = "change"
  key  = "a"
  idempotent = true
}
action "b" {
  uses = "change"
  key  = "b"
  depends_on = [step.a]
  idempotent = true
}`)
	release := make(chan struct{})
	var got []string
	o := f.opts()
	o.Observer = ObserverFunc(func(e Event) {
		<-release
		got = append(got, e.Type+":"+e.Step)
	})
	done := make(chan Result)
	go func() {
		res, err := Start(t.Context(), rb, f.vars(rb), o, Meta{})
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	for f.calls.get("b") == 0 { // both steps run while the observer is stuck
		select {
		case <-done:
			t.Fatal("the run returned before its events were delivered")
		case <-time.After(time.Millisecond):
		}
	}
	close(release)
	res := <-done
	if res.Status != state.RunSucceeded {
		t.Fatalf("run %s (%s)", res.Status, res.Reason)
	}
	if len(got) < 4 || got[0] != EventRunStarted+":" || got[len(got)-1] != EventRunFinished+":" {
		t.Errorf("events %v, want every one, in order, from run_started to run_finished", got)
	}
}
