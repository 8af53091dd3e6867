package statetest

import (
	"errors"
	"testing"

	"github.com/batonhq/baton/state"
	"github.com/google/go-cmp/cmp"
)

// endedRun writes run r1 to b and ends it: two steps, an answer, a log,
// a plan spent, a lock taken and released.
func endedRun(t *testing.T, b state.Backend) state.Run {
	t.Helper()
	run := newRun("r1")
	run.PlanDigest, run.LockKey = "sha256:plan-to-move", "site:MOVE"
	l := create(t, b, run, self("alice"), "a", "gate")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(l.PutSteps([]state.StepRecord{{Name: "a", Status: state.StepSucceeded, Attempt: 1}}, []state.JournalEntry{entry("step.succeeded", at(1))}))
	must(l.AppendLog("a", []byte("backed up\n")))
	must(l.PutSteps([]state.StepRecord{{Name: "gate", Status: state.StepAwaitingApproval}}, []state.JournalEntry{entry("approval.requested", at(2))}))
	_, err := b.Answer("r1", state.JournalEntry{At: at(3), Type: "answer.approve", Step: "gate", Actor: "bob",
		Answer: &state.Answer{Kind: state.AnswerApprove, By: "bob", PlanDigest: run.PlanDigest}})
	must(err)
	must(l.PutSteps([]state.StepRecord{{Name: "gate", Status: state.StepSucceeded}}, []state.JournalEntry{entry("step.succeeded", at(4))}))
	cur, err := b.Run("r1")
	must(err)
	cur.Status = state.RunSucceeded
	must(l.UpdateRun(cur, entry("run.finished", at(5))))
	must(l.Release())
	return cur
}

// testImport: an ended run's history moves verbatim into another store of
// the same kind: the same journal and head, records, logs, the plan spent
// there too and no lock held; and nothing else moves.
func (s *suite) testImport(t *testing.T) {
	from := s.open(t)
	into, ok := s.open(t).(state.Importer)
	if !ok {
		t.Skip("the backend does not implement state.Importer")
	}
	to := into.(state.Backend)
	endedRun(t, from)
	h, err := state.ReadHistory(from, "r1")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("tampered history refused", func(t *testing.T) {
		bad := h
		bad.Steps = append([]state.StepRecord(nil), h.Steps...)
		bad.Steps[0].Status = state.StepFailed
		if err := into.Import(bad); !errors.Is(err, state.ErrTampered) {
			t.Errorf("Import of an edited step record: %v, want ErrTampered", err)
		}
		notStored(t, to, "r1")
	})
	if err := into.Import(h); err != nil {
		t.Fatal(err)
	}
	if a, b := verifies(t, from, "r1"), verifies(t, to, "r1"); a != b {
		t.Errorf("journal head %s after the copy, %s before", b, a)
	}
	got, err := state.ReadHistory(to, "r1")
	if err != nil {
		t.Fatal(err)
	}
	want := h
	want.Run.Owner = nil
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("history after the copy differs (-before +after):\n%s", diff)
	}
	if id, err := to.PlanSpender("sha256:plan-to-move"); err != nil || id != "r1" {
		t.Errorf("PlanSpender = %q, %v; the copied run's plan must stay spent", id, err)
	}
	if lh, err := to.Lock("site:MOVE"); err == nil && lh.RunID != "" {
		t.Errorf("lock held by %+v after copying an ended run", lh)
	}
	if err := into.Import(h); !errors.Is(err, state.ErrExists) {
		t.Errorf("a second Import: %v, want ErrExists", err)
	}
	t.Run("unfinished run refused", func(t *testing.T) {
		create(t, from, newRun("r2"), self("alice"), "a")
		h2, err := state.ReadHistory(from, "r2")
		if err != nil {
			t.Fatal(err)
		}
		if err := into.Import(h2); !errors.Is(err, state.ErrNotEnded) {
			t.Errorf("Import of a running run: %v, want ErrNotEnded", err)
		}
		notStored(t, to, "r2")
	})
}
