package state

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPutStep(t *testing.T) {
	s, _ := newStore(t)
	createRun(t, s, "r1", "b", "a")
	transitions := []StepRecord{
		{Name: "a", Status: StepRunning, Attempt: 1, IdempotencyKey: "r1/a/1", StartedAt: at(1)},
		{Name: "a", Status: StepSucceeded, Attempt: 1, IdempotencyKey: "r1/a/1", StartedAt: at(1), FinishedAt: at(2), Output: []byte(`{"ok":true}`), OutputDigest: "sha256:1"},
		{Name: "c", Status: StepWaiting, Deadline: at(30), NextAttemptAt: at(5)},
	}
	for i, rec := range transitions {
		e := JournalEntry{At: at(i + 1), Type: "step." + string(rec.Status), Data: map[string]string{"attempt": "1"}}
		if err := s.PutStep("r1", rec, e); err != nil {
			t.Fatalf("transition %d: %v", i, err)
		}
		got, err := s.Step("r1", rec.Name)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(rec, got); diff != "" {
			t.Errorf("transition %d (-want +got):\n%s", i, diff)
		}
	}
	steps, err := s.Steps("r1")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, st := range steps {
		names = append(names, st.Name)
	}
	if diff := cmp.Diff([]string{"a", "b", "c"}, names); diff != "" {
		t.Errorf("Steps order (-want +got):\n%s", diff)
	}
	j, _ := s.Journal("r1")
	if len(j) != 4 || j[1].Step != "a" || j[3].Step != "c" || j[2].Type != "step.succeeded" {
		t.Errorf("journal = %+v", j)
	}

	for _, tt := range []struct {
		name string
		rec  StepRecord
		e    JournalEntry
		msg  string
	}{
		{"no name", StepRecord{Status: StepRunning}, entry("step.running"), "step name is empty"},
		{"no entry type", StepRecord{Name: "a", Status: StepFailed}, JournalEntry{At: t0}, "no type"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := s.PutStep("r1", tt.rec, tt.e)
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want %q", err, tt.msg)
			}
			if got, _ := s.Step("r1", "a"); got.Status != StepSucceeded {
				t.Errorf("a failed write changed the record to %s", got.Status)
			}
		})
	}
}

// TestPutStepKeepsOthersAnswers: approvals and resolutions are written by
// other processes; the engine's stale copy must not erase them.
func TestPutStepKeepsOthersAnswers(t *testing.T) {
	s, _ := newStore(t)
	createRun(t, s, "r1", "gate", "sql")
	if err := s.PutStep("r1", StepRecord{Name: "gate", Status: StepAwaitingApproval}, entry("step.awaiting_approval")); err != nil {
		t.Fatal(err)
	}
	bob := Approval{By: "bob", Decision: "approved", At: at(3), PlanDigest: "sha256:p"}
	if err := s.AddApproval("r1", "gate", bob, entry("approval.given")); err != nil {
		t.Fatal(err)
	}
	carol := Approval{By: "carol", Decision: "approved", At: at(4)}
	forged := Approval{By: "Bob", Decision: "rejected", At: at(5)}
	if err := s.PutStep("r1", StepRecord{Name: "gate", Status: StepSucceeded, Approvals: []Approval{forged, carol}}, entry("step.succeeded")); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Step("r1", "gate")
	if diff := cmp.Diff([]Approval{bob, carol}, got.Approvals); diff != "" {
		t.Errorf("approvals (-want +got):\n%s", diff)
	}

	if err := s.PutStep("r1", StepRecord{Name: "sql", Status: StepInDoubt}, entry("step.in_doubt")); err != nil {
		t.Fatal(err)
	}
	res := Resolution{By: "dave", Decision: "retry", Reason: "verified nothing happened", At: at(6)}
	if err := s.Resolve("r1", "sql", res, entry("step.resolved")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutStep("r1", StepRecord{Name: "sql", Status: StepRunning, Attempt: 2}, entry("step.running")); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Step("r1", "sql")
	if got.Resolution == nil || *got.Resolution != res {
		t.Errorf("resolution = %+v, want %+v", got.Resolution, res)
	}
}

func TestAddApproval(t *testing.T) {
	s, _ := newStore(t)
	createRun(t, s, "r1", "gate", "done")
	s.PutStep("r1", StepRecord{Name: "gate", Status: StepAwaitingApproval}, entry("step.awaiting_approval"))
	s.PutStep("r1", StepRecord{Name: "done", Status: StepSucceeded}, entry("step.succeeded"))
	tests := []struct {
		name, step string
		a          Approval
		want       error
		msg        string
	}{
		{"first", "gate", Approval{By: "bob", Decision: "approved", Comment: "lgtm", At: at(1), PlanDigest: "sha256:p"}, nil, ""},
		{"second person", "gate", Approval{By: "carol", Decision: "rejected", At: at(2)}, nil, ""},
		{"same person again", "gate", Approval{By: "bob", Decision: "rejected", At: at(3)}, ErrConflict, "bob already answered"},
		{"same person other case", "gate", Approval{By: "BOB", Decision: "approved", At: at(3)}, ErrConflict, "each person answers once"},
		{"finished step", "done", Approval{By: "erin", Decision: "approved", At: at(3)}, ErrConflict, "already ended (succeeded)"},
		{"bad decision", "gate", Approval{By: "erin", Decision: "maybe", At: at(3)}, nil, `"approved" or "rejected"`},
		{"nobody", "gate", Approval{Decision: "approved", At: at(3)}, nil, "By is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.AddApproval("r1", tt.step, tt.a, JournalEntry{At: tt.a.At, Type: "approval.given", Actor: tt.a.By})
			if tt.want != nil {
				wantErr(t, err, tt.want)
			}
			if tt.msg != "" {
				if err == nil || !strings.Contains(err.Error(), tt.msg) {
					t.Fatalf("err = %v, want %q", err, tt.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
		})
	}
	got, _ := s.Step("r1", "gate")
	if len(got.Approvals) != 2 || got.Approvals[0] != tests[0].a || got.Approvals[1] != tests[1].a {
		t.Errorf("approvals = %+v", got.Approvals)
	}
	j, _ := s.Journal("r1")
	if last := j[len(j)-1]; last.Type != "approval.given" || last.Step != "gate" || last.Actor != "carol" {
		t.Errorf("last entry = %+v", last)
	}
}

func TestResolve(t *testing.T) {
	s, _ := newStore(t)
	createRun(t, s, "r1", "doubt", "run")
	s.PutStep("r1", StepRecord{Name: "doubt", Status: StepInDoubt}, entry("step.in_doubt"))
	s.PutStep("r1", StepRecord{Name: "run", Status: StepRunning}, entry("step.running"))
	ok := Resolution{By: "dave", Decision: "succeeded", Reason: "checked the site by hand", At: at(1)}
	for _, tt := range []struct {
		name, step string
		r          Resolution
		want       error
		msg        string
	}{
		{"not in doubt", "run", ok, ErrConflict, "the step is running, not in_doubt"},
		{"bad decision", "doubt", Resolution{By: "dave", Decision: "ok", Reason: "x"}, nil, `"succeeded", "failed" or "retry"`},
		{"no reason", "doubt", Resolution{By: "dave", Decision: "failed", Reason: " "}, nil, "give a reason"},
		{"nobody", "doubt", Resolution{Decision: "failed", Reason: "x"}, nil, "By is empty"},
		{"ok", "doubt", ok, nil, ""},
		{"twice", "doubt", Resolution{By: "erin", Decision: "failed", Reason: "x"}, ErrConflict, "already resolved by dave"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Resolve("r1", tt.step, tt.r, JournalEntry{At: at(1), Type: "step.resolved", Actor: tt.r.By})
			if tt.want != nil {
				wantErr(t, err, tt.want)
			}
			if tt.msg != "" {
				if err == nil || !strings.Contains(err.Error(), tt.msg) {
					t.Fatalf("err = %v, want %q", err, tt.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
		})
	}
	got, _ := s.Step("r1", "doubt")
	if got.Resolution == nil || *got.Resolution != ok || got.Status != StepInDoubt {
		t.Errorf("record = %+v", got)
	}
}
