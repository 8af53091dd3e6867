package executor

import (
	"context"
	"strings"
	"testing"

	"github.com/batonhq/baton/state"
)

// TestForEach runs for_each steps over lists known before the run and
// only during it: every instance is a step of its own in the state, runs
// once, and the step ends as its instances did.
func TestForEach(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		vars       []string
		wantStatus state.RunStatus
		want       map[string]state.StepStatus
		calls      map[string]int
		reason     string // part of the run's reason
	}{
		{
			name: "a list of inputs",
			body: `
variable "servers" {
  type    = list(string)
  default = ["dp1.contoso.com", "dp2.contoso.com"]
}
action "fix" {
  uses     = "change"
  for_each = var.servers
  key      = "fix-${each.key}"
}
check "after" {
  uses = "probe"
  key  = "after"
  assert {
    condition = length(step.fix.output) == 2 && step.fix.output["dp1.contoso.com"].key == "fix-dp1.contoso.com"
    message   = "the for_each step's output is not its instances' outputs by key"
  }
}`,
			wantStatus: state.RunSucceeded,
			want: map[string]state.StepStatus{"fix": "succeeded", "fix[dp1.contoso.com]": "succeeded",
				"fix[dp2.contoso.com]": "succeeded", "after": "succeeded"},
			calls: map[string]int{"fix-dp1.contoso.com": 1, "fix-dp2.contoso.com": 1, "after": 1},
		},
		{
			name: "a list known only at run time, a map",
			body: `
check "a" {
  uses = "probe"
  key  = "alpha"
}
action "fix" {
  uses     = "change"
  for_each = { (step.a.output.key) = "x", "beta gamma" = "y" }
  key      = "fix-${each.key}-${each.value}"
}`,
			wantStatus: state.RunSucceeded,
			want:       map[string]state.StepStatus{"a": "succeeded", "fix": "succeeded", "fix[alpha]": "succeeded", `fix["beta gamma"]`: "succeeded"},
			calls:      map[string]int{"fix-alpha-x": 1, "fix-beta gamma-y": 1},
		},
		{
			name: "an instance fails: the step fails and the run stops, naming the instance",
			body: `
action "fix" {
  uses     = "broken"
  for_each = ["a"]
  key      = each.key
}
action "after" {
  uses = "change"
  key  = "after"
  depends_on = [step.fix]
}`,
			wantStatus: state.RunFailed,
			want:       map[string]state.StepStatus{"fix": "failed", "fix[a]": "failed", "after": "skipped"},
			calls:      map[string]int{"after": 0},
			reason:     "step fix[a] failed",
		},
		{
			name: "no items: nothing runs and the step succeeds",
			body: `
variable "servers" {
  type    = list(string)
  default = []
}
action "fix" {
  uses     = "change"
  for_each = var.servers
}
check "after" {
  uses = "probe"
  key  = "after"
  depends_on = [step.fix]
}`,
			wantStatus: state.RunSucceeded,
			want:       map[string]state.StepStatus{"fix": "succeeded", "after": "succeeded"},
			calls:      map[string]int{"change": 0, "after": 1},
		},
		{
			name: "when per instance",
			body: `
action "fix" {
  uses     = "change"
  for_each = ["a", "b"]
  key      = each.key
  when     = each.key != "b"
}`,
			wantStatus: state.RunSucceeded,
			want:       map[string]state.StepStatus{"fix": "succeeded", "fix[a]": "succeeded", "fix[b]": "skipped"},
			calls:      map[string]int{"a": 1, "b": 0},
		},
		{
			name: "every instance skipped: the step is skipped and so are its dependents",
			body: `
action "fix" {
  uses     = "change"
  for_each = ["a", "b"]
  key      = each.key
  when     = each.key == "c"
}
check "after" {
  uses = "probe"
  key  = "after"
  depends_on = [step.fix]
}`,
			wantStatus: state.RunSucceeded,
			want:       map[string]state.StepStatus{"fix": "skipped", "fix[a]": "skipped", "fix[b]": "skipped", "after": "skipped"},
			calls:      map[string]int{"after": 0},
		},
		{
			name: "items that repeat at run time fail the step",
			body: `
check "a" { uses = "probe" }
action "fix" {
  uses     = "change"
  for_each = [step.a.output.key, "probe"]
}`,
			wantStatus: state.RunFailed,
			want:       map[string]state.StepStatus{"a": "succeeded", "fix": "failed"},
			calls:      map[string]int{"change": 0},
			reason:     "lists \"probe\" twice",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			rb := f.load(header + tt.body)
			res, err := Start(t.Context(), rb, f.vars(rb, tt.vars...), f.opts(), Meta{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tt.wantStatus || !strings.Contains(res.Reason, tt.reason) {
				t.Fatalf("run %s (%s), want %s with %q", res.Status, res.Reason, tt.wantStatus, tt.reason)
			}
			got := f.statuses(res.RunID)
			for name, want := range tt.want {
				if got[name] != want {
					t.Errorf("%s: %s, want %s (all: %v)", name, got[name], want, got)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("steps in state: %v, want exactly %v", got, tt.want)
			}
			for key, n := range tt.calls {
				if c := f.calls.get(key); c != n {
					t.Errorf("%s ran %d times, want %d", key, c, n)
				}
			}
			if _, err := f.store.VerifyJournal(res.RunID); err != nil {
				t.Errorf("journal: %v", err)
			}
		})
	}
}

// TestForEachResumed interrupts a run during one instance of a for_each:
// the resume rebuilds the same instances, settles the interrupted one by
// its verify, and runs no instance twice.
func TestForEachResumed(t *testing.T) {
	f := newFixture(t)
	rb := f.load(header + `
check "list" {
  uses = "probe"
  key  = "b"
}
action "fix" {
  uses     = "change"
  for_each = ["a", step.list.output.key, "c"]
  key      = "fix-${each.key}"
  verify {
    uses      = "probe"
    key       = "verify-${each.key}"
    condition = true
  }
}
check "after" {
  uses = "probe"
  key  = "after"
  depends_on = [step.fix]
}`)
	ctx, cancel := context.WithCancel(t.Context())
	f.calls.onCall = func(key string, _ int) {
		if key == "fix-b" {
			f.calls.mu.Lock()
			f.calls.block = true // b is still working when the run stops
			f.calls.mu.Unlock()
			cancel()
		}
	}
	o := f.opts()
	o.Parallelism = 1
	res, err := Start(ctx, rb, f.vars(rb), o, Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != state.RunPaused {
		t.Fatalf("interrupted run: %s (%s)", res.Status, res.Reason)
	}
	if got := f.statuses(res.RunID)["fix[b]"]; got != state.StepInDoubt {
		t.Fatalf("fix[b] after the interrupt: %s, want in_doubt", got)
	}
	f.calls.mu.Lock()
	f.calls.block, f.calls.onCall = false, nil
	f.calls.mu.Unlock()
	res, err = Resume(t.Context(), rb, f.vars(rb), res.RunID, f.opts(), ResumeOptions{})
	if err != nil || res.Status != state.RunSucceeded {
		t.Fatalf("resume: %v (%s) %v", res.Status, res.Reason, err)
	}
	for key, want := range map[string]int{"fix-a": 1, "fix-b": 1, "fix-c": 1, "verify-b": 1, "after": 1} {
		if n := f.calls.get(key); n != want {
			t.Errorf("%s ran %d times, want %d", key, n, want)
		}
	}
	types := f.journalTypes(res.RunID)
	for _, want := range []string{"step.expanded:fix", "step.instance_added:fix[b]", "step.verified:fix[b]", "step.succeeded:fix"} {
		if !contains(types, want) {
			t.Errorf("journal lacks %s: %v", want, types)
		}
	}
}
