package azblob

import (
	"fmt"
	"strings"
	"time"

	"github.com/batonhq/baton/state"
)

// Answer implements state.Backend: the answer is checked against the
// replayed run, then appended on the condition that the journal did not
// change since it was read; when it did, it is checked again against the
// new state and appended there.
func (s *store) Answer(runID string, entry state.JournalEntry) (state.JournalEntry, error) {
	if err := checkAnswer(runID, entry); err != nil {
		return state.JournalEntry{}, err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	st, err := s.readRun(ctx, runID)
	if err != nil {
		return state.JournalEntry{}, err
	}
	entry.Type = "answer." + string(entry.Answer.Kind)
	entry.RunRecord, entry.StepRecord = "", "" // an answer writes no record
	_, stored, err := s.commit(ctx, st, func(st *runState) ([]item, error) {
		if err := answerFits(st, entry); err != nil {
			return nil, err
		}
		e := entry
		return []item{{Entry: &e}}, nil
	})
	if err != nil {
		return state.JournalEntry{}, err
	}
	return stored[0], nil
}

// answerFits checks an answer against the run as replayed: it has not
// ended, its journal verifies (else only a cancel is taken), the step
// awaits what the answer gives, and nobody answers twice.
func answerFits(st *runState, e state.JournalEntry) error {
	if !st.exists() {
		return fmt.Errorf("run %q: %w", st.id, state.ErrNotFound)
	}
	if err := state.EndedError(st.run); err != nil {
		return err
	}
	a := e.Answer
	if a.Kind == state.AnswerCancel {
		return nil
	}
	// A run whose journal does not verify is frozen; a cancel is how it
	// ends on record, so only a cancel is taken.
	if _, err := st.verify(); err != nil {
		return fmt.Errorf("%w; answers are refused until it is explained: keep a copy of the journal blob, investigate, then end the run on record with baton cancel RUN --by NAME --reason TEXT", err)
	}
	rec, err := st.step(e.Step)
	if err != nil {
		return err
	}
	return stepFits(st, rec, e)
}

func stepFits(st *runState, rec state.StepRecord, e state.JournalEntry) error {
	a, step, runID := e.Answer, e.Step, st.id
	if a.Kind == state.AnswerResolve {
		if rec.Status != state.StepInDoubt {
			return fmt.Errorf("resolve step %s of run %s: %w: the step is %s, not %s; only an in-doubt step can be resolved", step, runID, state.ErrConflict, rec.Status, state.StepInDoubt)
		}
		for _, old := range stepAnswers(st.entries, step) {
			if old.Answer.Kind == state.AnswerResolve {
				return fmt.Errorf("resolve step %s of run %s: %w: already resolved by %s (%s)", step, runID, state.ErrConflict, old.Answer.By, old.Answer.Resolution)
			}
		}
		return nil
	}
	if rec.Status != state.StepAwaitingApproval {
		return fmt.Errorf("answer step %s of run %s: %w: the step is %s, not awaiting approval", step, runID, state.ErrConflict, rec.Status)
	}
	for _, old := range stepAnswers(st.entries, step) {
		if state.SameName(old.Answer.By, a.By) {
			return fmt.Errorf("answer step %s of run %s: %w: %s already answered (%s at %s); each person answers once", step, runID, state.ErrConflict, old.Answer.By, old.Answer.Kind, old.At.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

// stepAnswers returns the answers journaled for step since it last asked
// (its latest approval request or in-doubt transition).
func stepAnswers(entries []state.JournalEntry, step string) []state.JournalEntry {
	var out []state.JournalEntry
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if e.Step != step {
			continue
		}
		if e.Answer != nil {
			out = append(out, e)
			continue
		}
		if e.Type == "approval.requested" || e.Type == "step.in_doubt" {
			break
		}
	}
	return out
}

// checkAnswer checks an answer's own fields.
func checkAnswer(runID string, e state.JournalEntry) error {
	a := e.Answer
	switch {
	case a == nil:
		return fmt.Errorf("answer to run %s: the entry carries no answer", runID)
	case strings.TrimSpace(a.By) == "":
		return fmt.Errorf("answer to run %s: say who answers (by is empty)", runID)
	case a.Kind == state.AnswerCancel:
		return nil
	case e.Step == "":
		return fmt.Errorf("answer to run %s: name the step answered", runID)
	case a.Kind == state.AnswerResolve:
		if a.Resolution != "succeeded" && a.Resolution != "failed" && a.Resolution != "retry" {
			return fmt.Errorf("resolve step %s of run %s: decision %q must be \"succeeded\", \"failed\" or \"retry\"", e.Step, runID, a.Resolution)
		}
		if strings.TrimSpace(a.Comment) == "" {
			return fmt.Errorf("resolve step %s of run %s: give a reason for the decision", e.Step, runID)
		}
		return nil
	case a.Kind == state.AnswerApprove || a.Kind == state.AnswerReject:
		return nil
	}
	return fmt.Errorf("answer to run %s: unknown kind %q", runID, a.Kind)
}
