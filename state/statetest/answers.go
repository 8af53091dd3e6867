package statetest

import (
	"testing"

	"github.com/batonhq/baton/state"
	"github.com/google/go-cmp/cmp"
)

// answer is an answer entry of kind by by to step.
func answer(step string, kind state.AnswerKind, by string) state.JournalEntry {
	return state.JournalEntry{At: at(10), Step: step, Actor: by, Answer: &state.Answer{Kind: kind, By: by, Comment: "checked", PlanDigest: "sha256:plan-1"}}
}

func resolve(step, by, decision, reason string) state.JournalEntry {
	e := answer(step, state.AnswerResolve, by)
	e.Answer.Resolution, e.Answer.Comment = decision, reason
	return e
}

// testAnswers: anyone answers with Answer; an answer is checked against the
// stored state, journaled as "answer.<kind>", read back with JournalSince,
// and never changes a record.
func (s *suite) testAnswers(t *testing.T) {
	t.Run("checked and journaled", func(t *testing.T) {
		b := s.open(t)
		l := create(t, b, newRun("r1"), self("alice"), "busy", "doubt", "done", "gate")
		put(t, l, at(1),
			state.StepRecord{Name: "gate", Status: state.StepAwaitingApproval, Deadline: at(60)},
			state.StepRecord{Name: "doubt", Status: state.StepInDoubt, Attempt: 1},
			state.StepRecord{Name: "busy", Status: state.StepRunning, Attempt: 1},
			state.StepRecord{Name: "done", Status: state.StepSucceeded, Attempt: 1},
		)
		before := snapshot(t, b, "r1")
		from := uint64(len(before.Journal))
		noStep := answer("", state.AnswerApprove, "erin")
		nobody := answer("gate", state.AnswerApprove, " ")
		noAnswer := answer("gate", state.AnswerApprove, "erin")
		noAnswer.Answer = nil
		oddKind := answer("gate", "maybe", "erin")
		cancel := cancelBy("carol")
		tests := []struct {
			name string
			e    state.JournalEntry
			want error // nil: accepted
			typ  string
		}{
			{"approve", answer("gate", state.AnswerApprove, "alice"), nil, "answer.approve"},
			{"another person rejects", answer("gate", state.AnswerReject, "bob"), nil, "answer.reject"},
			{"the same person with a domain", answer("gate", state.AnswerApprove, `CONTOSO\alice`), state.ErrConflict, ""},
			{"the same person in another case", answer("gate", state.AnswerReject, "ALICE"), state.ErrConflict, ""},
			{"the same person with a domain in another case", answer("gate", state.AnswerApprove, `contoso\Bob`), state.ErrConflict, ""},
			{"a running step", answer("busy", state.AnswerApprove, "erin"), state.ErrConflict, ""},
			{"a step that ended", answer("done", state.AnswerApprove, "erin"), state.ErrConflict, ""},
			{"a step in doubt", answer("doubt", state.AnswerApprove, "erin"), state.ErrConflict, ""},
			{"an unknown step", answer("nope", state.AnswerApprove, "erin"), state.ErrNotFound, ""},
			{"no step", noStep, errAny, ""},
			{"nobody", nobody, errAny, ""},
			{"no answer", noAnswer, errAny, ""},
			{"an unknown kind", oddKind, errAny, ""},
			{"resolve a step not in doubt", resolve("gate", "dave", "succeeded", "checked the site by hand"), state.ErrConflict, ""},
			{"resolve without a reason", resolve("doubt", "dave", "failed", " "), errAny, ""},
			{"resolve with an unknown decision", resolve("doubt", "dave", "ok", "checked"), errAny, ""},
			{"resolve", resolve("doubt", "dave", "retry", "verified nothing happened"), nil, "answer.resolve"},
			{"resolve again", resolve("doubt", "erin", "failed", "it did happen"), state.ErrConflict, ""},
			{"resolve again, same person", resolve("doubt", "dave", "succeeded", "on second thought"), state.ErrConflict, ""},
			{"cancel", cancel, nil, "answer.cancel"},
		}
		var accepted []state.JournalEntry
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				n := len(journal(t, b, "r1"))
				got, err := b.Answer("r1", tt.e)
				if !wantErr(t, err, tt.want) {
					return
				}
				if tt.want != nil {
					if m := len(journal(t, b, "r1")); m != n {
						t.Errorf("a refused answer added %d journal entries", m-n)
					}
					return
				}
				accepted = append(accepted, got)
				want := tt.e
				want.Type, want.Seq = tt.typ, uint64(n+1)
				want.Prev, want.Hash = got.Prev, got.Hash
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("stored entry (-want +got):\n%s", diff)
				}
				if got.Hash != state.HashEntry(got) {
					t.Errorf("stored entry hash %s, HashEntry %s", got.Hash, state.HashEntry(got))
				}
				if got.RunRecord != "" || got.StepRecord != "" {
					t.Errorf("an answer carries record digests (%q, %q): it writes no record", got.RunRecord, got.StepRecord)
				}
			})
		}
		after := snapshot(t, b, "r1")
		if diff := cmp.Diff(before.Run, after.Run); diff != "" {
			t.Errorf("answers changed the run record (-before +after):\n%s", diff)
		}
		if diff := cmp.Diff(before.Steps, after.Steps); diff != "" {
			t.Errorf("answers changed step records (-before +after):\n%s", diff)
		}
		since, err := b.JournalSince("r1", from)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(accepted, since); diff != "" {
			t.Errorf("JournalSince(%d) is not the accepted answers (-want +got):\n%s", from, diff)
		}
		all, err := b.JournalSince("r1", 0)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(after.Journal, all); diff != "" {
			t.Errorf("JournalSince(0) differs from Journal (-want +got):\n%s", diff)
		}
		if rest, err := b.JournalSince("r1", uint64(len(all))); err != nil || len(rest) != 0 {
			t.Errorf("JournalSince(last) = %+v, %v; want nothing", rest, err)
		}
		verifies(t, b, "r1")
	})

	t.Run("each person once per request", func(t *testing.T) {
		b := s.open(t)
		l := create(t, b, newRun("r1"), self("alice"), "gate")
		put(t, l, at(1), state.StepRecord{Name: "gate", Status: state.StepAwaitingApproval})
		for _, tt := range []struct {
			name string
			do   func() error
			want error
		}{
			{"reject", func() error { _, err := b.Answer("r1", answer("gate", state.AnswerReject, "bob")); return err }, nil},
			{"again", func() error { _, err := b.Answer("r1", answer("gate", state.AnswerApprove, "bob")); return err }, state.ErrConflict},
			{"the owner applies it and keeps waiting", func() error {
				return l.PutSteps([]state.StepRecord{{Name: "gate", Status: state.StepAwaitingApproval, Approvals: []state.Approval{{By: "bob", Decision: "rejected", At: at(10)}}}},
					[]state.JournalEntry{entry("approval.rejected", at(11))})
			}, nil},
			{"again after the owner applied it", func() error { _, err := b.Answer("r1", answer("gate", state.AnswerApprove, "bob")); return err }, state.ErrConflict},
			{"the step asks again", func() error {
				put(t, l, at(12), state.StepRecord{Name: "gate", Status: state.StepAwaitingApproval, Attempt: 2})
				return nil
			}, nil},
			{"answer the new request", func() error { _, err := b.Answer("r1", answer("gate", state.AnswerApprove, "bob")); return err }, nil},
			{"again", func() error { _, err := b.Answer("r1", answer("gate", state.AnswerApprove, "BOB")); return err }, state.ErrConflict},
		} {
			t.Run(tt.name, func(t *testing.T) { wantErr(t, tt.do(), tt.want) })
		}
		verifies(t, b, "r1")
	})

	t.Run("a step in doubt is resolved once per time it is in doubt", func(t *testing.T) {
		b := s.open(t)
		l := create(t, b, newRun("r1"), self("alice"), "sql")
		put(t, l, at(1), state.StepRecord{Name: "sql", Status: state.StepInDoubt, Attempt: 1})
		if _, err := b.Answer("r1", resolve("sql", "dave", "retry", "nothing happened")); err != nil {
			t.Fatal(err)
		}
		put(t, l, at(2), state.StepRecord{Name: "sql", Status: state.StepRunning, Attempt: 2})
		_, err := b.Answer("r1", resolve("sql", "dave", "retry", "again"))
		wantErr(t, err, state.ErrConflict)
		put(t, l, at(3), state.StepRecord{Name: "sql", Status: state.StepInDoubt, Attempt: 2})
		if _, err := b.Answer("r1", resolve("sql", "dave", "failed", "it half happened")); err != nil {
			t.Errorf("resolving the second doubt: %v", err)
		}
	})

	t.Run("while paused", func(t *testing.T) {
		b := s.open(t)
		run := newRun("r1")
		l := create(t, b, run, self("alice"), "gate")
		put(t, l, at(1), state.StepRecord{Name: "gate", Status: state.StepAwaitingApproval})
		end(t, l, run, state.RunPaused, at(2))
		for _, e := range []state.JournalEntry{answer("gate", state.AnswerApprove, "bob"), cancelBy("carol")} {
			if _, err := b.Answer("r1", e); err != nil {
				t.Errorf("answer %s to a paused run: %v", e.Answer.Kind, err)
			}
		}
	})

	t.Run("to an ended run", func(t *testing.T) {
		for _, tt := range []struct {
			name   string
			status state.RunStatus // the owner's last word, or superseded
			want   error
		}{
			{"succeeded", state.RunSucceeded, state.ErrConflict},
			{"failed", state.RunFailed, state.ErrConflict},
			{"cancelled", state.RunCancelled, state.ErrConflict},
			{"backed out", state.RunBackedOut, state.ErrConflict},
			{"superseded", state.RunSuperseded, state.ErrSuperseded},
		} {
			t.Run(tt.name, func(t *testing.T) {
				b := s.open(t)
				run := newRun("r1")
				l := create(t, b, run, self("alice"), "gate", "doubt")
				put(t, l, at(1), state.StepRecord{Name: "gate", Status: state.StepAwaitingApproval}, state.StepRecord{Name: "doubt", Status: state.StepInDoubt})
				if tt.status == state.RunSuperseded {
					end(t, l, run, state.RunPaused, at(2))
					if err := b.Supersede("r1", supersession("bob"), at(3)); err != nil {
						t.Fatal(err)
					}
				} else {
					end(t, l, run, tt.status, at(2))
				}
				before := snapshot(t, b, "r1")
				for _, e := range []state.JournalEntry{answer("gate", state.AnswerApprove, "bob"), resolve("doubt", "dave", "failed", "x"), cancelBy("carol")} {
					_, err := b.Answer("r1", e)
					wantErr(t, err, tt.want)
				}
				unchanged(t, b, before, "answers to an ended run")
			})
		}
	})
}
