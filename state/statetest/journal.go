package statetest

import (
	"errors"
	"testing"

	"github.com/batonhq/baton/state"
	"github.com/google/go-cmp/cmp"
)

// testJournal: the journal is the source of truth. Every owner write
// journals the digest of the record it stores, the chain and the records
// verify, and an edited record fails verification and freezes the run:
// every answer but a cancel (how such a run ends on record) is refused.
func (s *suite) testJournal(t *testing.T) {
	t.Run("a normal run verifies", func(t *testing.T) {
		b := s.open(t)
		run := newRun("r1")
		run.LockKey, run.PlanDigest = "site:P01", "sha256:plan-1"
		l, err := b.CreateRun(run, pending("a", "b", "gate"), entry("run.created", t0), state.CreateOptions{Owner: self("alice")})
		if err != nil {
			t.Fatal(err)
		}
		head := verifies(t, b, "r1")
		put(t, l, at(1), state.StepRecord{Name: "a", Status: state.StepRunning, Attempt: 1, StartedAt: at(1)})
		if err := l.AppendLog("a", []byte("backing up\n")); err != nil {
			t.Fatal(err)
		}
		put(t, l, at(2),
			state.StepRecord{Name: "a", Status: state.StepSucceeded, Attempt: 1, StartedAt: at(1), FinishedAt: at(2), Output: []byte(`{"rows":3}`), OutputDigest: "sha256:1"},
			state.StepRecord{Name: "gate", Status: state.StepAwaitingApproval})
		if _, err := b.Answer("r1", answer("gate", state.AnswerApprove, "bob")); err != nil {
			t.Fatal(err)
		}
		put(t, l, at(3), state.StepRecord{Name: "gate", Status: state.StepSucceeded, Approvals: []state.Approval{{By: "bob", Decision: "approved", At: at(10)}}})
		if err := l.Append(state.JournalEntry{At: at(4), Type: "note", Actor: "alice", Data: map[string]string{"ticket": "CHG-1"}}); err != nil {
			t.Fatal(err)
		}
		if err := l.Renew(at(4)); err != nil {
			t.Fatal(err)
		}
		put(t, l, at(5), state.StepRecord{Name: "b", Status: state.StepSkipped, Cause: state.SkipWhenFalse})
		end(t, l, run, state.RunSucceeded, at(6))

		j := journal(t, b, "r1")
		got := verifies(t, b, "r1")
		if got == head || got != j[len(j)-1].Hash {
			t.Errorf("VerifyJournal head = %q, want the last entry's hash %q", got, j[len(j)-1].Hash)
		}
		prev := ""
		for i, e := range j {
			if e.Seq != uint64(i+1) || e.Prev != prev || e.Hash != state.HashEntry(e) || len(e.Hash) != 64 {
				t.Errorf("entry %d does not chain: %+v", i, e)
			}
			prev = e.Hash
			switch {
			case e.Type == "run.created" || e.Type == "run.succeeded":
				if e.RunRecord == "" || e.StepRecord != "" || e.Step != "" {
					t.Errorf("run entry %d: run record %q, step record %q, step %q", e.Seq, e.RunRecord, e.StepRecord, e.Step)
				}
			case e.Answer != nil || e.Type == "note":
				if e.RunRecord != "" || e.StepRecord != "" {
					t.Errorf("entry %d (%s) writes no record but carries digests %q, %q", e.Seq, e.Type, e.RunRecord, e.StepRecord)
				}
			case e.Step != "":
				if e.StepRecord == "" || e.RunRecord != "" {
					t.Errorf("step entry %d (%s): run record %q, step record %q", e.Seq, e.Type, e.RunRecord, e.StepRecord)
				}
			}
		}
	})

	t.Run("the backend sets chain fields and digests", func(t *testing.T) {
		b := s.open(t)
		run := newRun("r1")
		l := create(t, b, run, self("alice"), "a", "gate")
		forge := func(e state.JournalEntry) state.JournalEntry {
			e.Seq, e.Prev, e.Hash = 99, "forged-prev", "forged-hash"
			e.RunRecord, e.StepRecord = "forged-run-digest", "forged-step-digest"
			return e
		}
		writes := []struct {
			name string
			do   func() error
		}{
			{"PutSteps", func() error {
				return l.PutSteps([]state.StepRecord{{Name: "gate", Status: state.StepAwaitingApproval}}, []state.JournalEntry{forge(entry("approval.requested", at(1)))})
			}},
			{"Append", func() error { return l.Append(forge(entry("note", at(2)))) }},
			{"Answer", func() error {
				_, err := b.Answer("r1", forge(answer("gate", state.AnswerApprove, "mallory")))
				return err
			}},
			{"cancel Answer", func() error { _, err := b.Answer("r1", forge(cancelBy("mallory"))); return err }},
			{"UpdateRun", func() error {
				r := run
				r.Reason = "still going"
				return l.UpdateRun(r, forge(entry("run.note", at(3))))
			}},
		}
		for _, w := range writes {
			t.Run(w.name, func(t *testing.T) {
				if err := w.do(); err != nil {
					t.Fatal(err)
				}
				e := last(t, b, "r1")
				if e.Seq == 99 || e.Prev == "forged-prev" || e.Hash == "forged-hash" {
					t.Errorf("the backend kept the caller's chain fields: %+v", e)
				}
				if e.RunRecord == "forged-run-digest" || e.StepRecord == "forged-step-digest" {
					t.Errorf("the backend kept a digest the caller forged: run %q, step %q", e.RunRecord, e.StepRecord)
				}
				if _, err := b.VerifyJournal("r1"); err != nil {
					t.Errorf("a forged digest in the %s entry broke the journal: %v", w.name, err)
				}
			})
		}
	})

	t.Run("an entry names the step of its record", func(t *testing.T) {
		b := s.open(t)
		l := create(t, b, newRun("r1"), self("alice"), "a", "b")
		e := entry("step.running", at(1))
		e.Step = "b" // describes another step than the record it goes with
		putErr := l.PutSteps([]state.StepRecord{{Name: "a", Status: state.StepRunning}}, []state.JournalEntry{e})
		if putErr == nil {
			// Accepted: then the entry must describe a, and verify.
			if got := last(t, b, "r1"); got.Step != "a" {
				t.Errorf("the entry of record a names step %q", got.Step)
			}
		}
		if _, err := b.VerifyJournal("r1"); err != nil {
			t.Errorf("after PutSteps (err %v) the journal fails: %v", putErr, err)
		}
	})

	t.Run("an edited record fails verification", func(t *testing.T) {
		if s.h.EditStepRecord == nil {
			t.Skip("the harness cannot edit a stored record (Harness.EditStepRecord)")
		}
		for _, tt := range []struct {
			name string
			rec  *state.StepRecord // written by the owner first; nil: left pending
			edit func(r *state.StepRecord)
		}{
			{"failed made succeeded", &state.StepRecord{Name: "x", Status: state.StepFailed, Attempt: 1, Error: "exit status 1"}, func(r *state.StepRecord) {
				r.Status, r.Error = state.StepSucceeded, ""
			}},
			{"an approval added", &state.StepRecord{Name: "x", Status: state.StepAwaitingApproval}, func(r *state.StepRecord) {
				r.Approvals = append(r.Approvals, state.Approval{By: "mallory", Decision: "approved", At: at(9)})
			}},
			{"output changed", &state.StepRecord{Name: "x", Status: state.StepSucceeded, Output: []byte(`{"rows":3}`)}, func(r *state.StepRecord) {
				r.Output = []byte(`{"rows":0}`)
			}},
			{"a resolution added", &state.StepRecord{Name: "x", Status: state.StepInDoubt}, func(r *state.StepRecord) {
				r.Resolution = &state.Resolution{By: "mallory", Decision: "succeeded", Reason: "trust me", At: at(9)}
			}},
			{"a pending step made succeeded", nil, func(r *state.StepRecord) { r.Status = state.StepSucceeded }},
		} {
			t.Run(tt.name, func(t *testing.T) {
				b := s.open(t)
				l := create(t, b, newRun("r1"), self("alice"), "gate", "x")
				put(t, l, at(1), state.StepRecord{Name: "gate", Status: state.StepAwaitingApproval})
				if tt.rec != nil {
					put(t, l, at(2), *tt.rec)
				}
				verifies(t, b, "r1")
				want, err := b.Step("r1", "x")
				if err != nil {
					t.Fatal(err)
				}
				tt.edit(&want)
				s.h.EditStepRecord(t, b, "r1", "x", tt.edit)
				if got, err := b.Step("r1", "x"); err != nil || !cmp.Equal(want, got) {
					t.Fatalf("the harness did not edit the record: %+v, %v", got, err)
				}
				n := len(journal(t, b, "r1"))

				_, err = b.VerifyJournal("r1")
				mustErr(t, err, state.ErrTampered)
				var te *state.TamperedError
				if !errors.As(err, &te) {
					t.Fatalf("err %v is not a *TamperedError", err)
				}
				if te.RunID != "r1" {
					t.Errorf("TamperedError names run %q", te.RunID)
				}
				answers := []state.JournalEntry{answer("gate", state.AnswerApprove, "bob"), answer("gate", state.AnswerReject, "carol")}
				switch {
				case tt.rec != nil && tt.rec.Status == state.StepAwaitingApproval:
					answers = append(answers, answer("x", state.AnswerApprove, "bob"))
				case tt.rec != nil && tt.rec.Status == state.StepInDoubt:
					answers = append(answers, resolve("x", "dave", "succeeded", "looks fine"))
				}
				for _, e := range answers {
					_, err := b.Answer("r1", e)
					wantErr(t, err, state.ErrTampered)
				}
				if m := len(journal(t, b, "r1")); m != n {
					t.Errorf("%d answers were journaled to a tampered run", m-n)
				}
				// The run is frozen: a cancel is how it ends on record, so
				// it is the one answer taken; the edit stays detected.
				if _, err := b.Answer("r1", cancelBy("carol")); err != nil {
					t.Errorf("a cancel of a tampered run: %v", err)
				}
				_, err = b.VerifyJournal("r1")
				wantErr(t, err, state.ErrTampered)
			})
		}
	})
}
