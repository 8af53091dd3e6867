package state

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPutSteps(t *testing.T) {
	s, _ := newStore(t)
	l := createRun(t, s, "r1", "b", "a")
	transitions := []StepRecord{
		{Name: "a", Status: StepRunning, Attempt: 1, IdempotencyKey: "r1/a/1", StartedAt: at(1), Process: &ChildProcess{PID: 7, Start: "123", Host: "ops1", Since: at(1)}},
		{Name: "a", Status: StepSucceeded, Attempt: 1, IdempotencyKey: "r1/a/1", StartedAt: at(1), FinishedAt: at(2), Output: []byte(`{"ok":true}`), OutputDigest: "sha256:1"},
		{Name: "c", Status: StepWaiting, Deadline: at(30), NextAttemptAt: at(5)},
		{Name: "b", Status: StepAwaitingApproval, Policy: &ApprovalPolicy{Approvers: []string{"bob"}, MinApprovals: 1, Requester: "alice"}},
	}
	for i, rec := range transitions {
		e := JournalEntry{At: at(i + 1), Type: "step." + string(rec.Status), Data: map[string]string{"attempt": "1"}}
		if err := l.PutSteps([]StepRecord{rec}, []JournalEntry{e}); err != nil {
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
	j := mustJournal(t, s, "r1")
	if len(j) != 5 || j[1].Step != "a" || j[3].Step != "c" || j[2].Type != "step.succeeded" || j[4].StepRecord == "" {
		t.Errorf("journal = %+v", j)
	}
	if _, err := s.VerifyJournal("r1"); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name    string
		recs    []StepRecord
		entries []JournalEntry
		msg     string
	}{
		{"no name", []StepRecord{{Status: StepRunning}}, []JournalEntry{entry("step.running")}, "step name is empty"},
		{"no entry type", []StepRecord{{Name: "a", Status: StepFailed}}, []JournalEntry{{At: t0}}, "no type"},
		{"counts differ", []StepRecord{{Name: "a", Status: StepFailed}}, nil, "1 records but 0 journal entries"},
		{"entry of another step", []StepRecord{{Name: "a", Status: StepFailed}}, []JournalEntry{{At: t0, Type: "step.failed", Step: "b"}}, `describes step "b"`},
		{"second of two fails", []StepRecord{{Name: "a", Status: StepFailed}, {Name: "b", Status: StepFailed}}, []JournalEntry{entry("step.failed"), {At: t0}}, "no type"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := len(mustJournal(t, s, "r1"))
			err := l.PutSteps(tt.recs, tt.entries)
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want %q", err, tt.msg)
			}
			if got, _ := s.Step("r1", "a"); got.Status != StepSucceeded {
				t.Errorf("a failed write changed the record to %s", got.Status)
			}
			if m := len(mustJournal(t, s, "r1")); m != n {
				t.Errorf("a failed write journaled %d entries", m-n)
			}
		})
	}
}

// TestAnswerMessages pins what a refused answer says, for the people who
// read it in a terminal.
func TestAnswerMessages(t *testing.T) {
	s, _ := newStore(t)
	l := createRun(t, s, "r1", "gate", "doubt", "done")
	put(t, l, StepRecord{Name: "gate", Status: StepAwaitingApproval})
	put(t, l, StepRecord{Name: "doubt", Status: StepInDoubt})
	put(t, l, StepRecord{Name: "done", Status: StepSucceeded})
	ans := func(step string, kind AnswerKind, by string) JournalEntry {
		return JournalEntry{At: at(1), Step: step, Actor: by, Answer: &Answer{Kind: kind, By: by, Comment: "ok"}}
	}
	res := func(by, decision, reason string) JournalEntry {
		e := ans("doubt", AnswerResolve, by)
		e.Answer.Resolution, e.Answer.Comment = decision, reason
		return e
	}
	for _, tt := range []struct {
		name string
		e    JournalEntry
		msg  string // "" accepted
	}{
		{"approve", ans("gate", AnswerApprove, "bob"), ""},
		{"same person again", ans("gate", AnswerReject, "bob"), "bob already answered (approve at 2026-11-25T21:31:00Z); each person answers once"},
		{"same person with a domain", ans("gate", AnswerApprove, `CORP\Bob`), "each person answers once"},
		{"a step that ended", ans("done", AnswerApprove, "erin"), "the step is succeeded, not awaiting approval"},
		{"nobody", ans("gate", AnswerApprove, ""), "say who answers"},
		{"no step", ans("", AnswerApprove, "erin"), "name the step answered"},
		{"no answer", JournalEntry{At: t0, Step: "gate"}, "carries no answer"},
		{"odd kind", ans("gate", "maybe", "erin"), `unknown kind "maybe"`},
		{"resolve a step not in doubt", func() JournalEntry { e := res("dave", "failed", "x"); e.Step = "gate"; return e }(), "the step is awaiting_approval, not in_doubt"},
		{"bad decision", res("dave", "ok", "x"), `"succeeded", "failed" or "retry"`},
		{"no reason", res("dave", "failed", " "), "give a reason"},
		{"resolve", res("dave", "retry", "verified nothing happened"), ""},
		{"twice", res("erin", "failed", "x"), "already resolved by dave (retry)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Answer("r1", tt.e)
			if tt.msg == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want %q", err, tt.msg)
			}
		})
	}
}
