package executor

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/batonhq/baton/state"
)

// Answer records an approval or rejection of a step awaiting approval,
// from any process, enforcing the rules the run recorded when it asked:
// who may approve, and whether the requester may approve their own run.
// The run (live or resumed) acts on it at its next poll.
func Answer(st *state.Store, runID, step, by, comment, decision string, now time.Time) error {
	run, err := st.Run(runID)
	if err != nil {
		return fmt.Errorf("run %s: %w (list runs with baton runs)", runID, err)
	}
	if run.Status.Done() {
		return fmt.Errorf("run %s already ended (%s)", runID, run.Status)
	}
	rec, err := st.Step(runID, step)
	if err != nil {
		return fmt.Errorf("step %s of run %s: %w (see baton status %s)", step, runID, err, runID)
	}
	if rec.Status != state.StepAwaitingApproval {
		return fmt.Errorf("step %s is %s, not awaiting approval", step, rec.Status)
	}
	entries, err := st.Journal(runID)
	if err != nil {
		return err
	}
	var req *state.JournalEntry
	for i := range entries {
		if entries[i].Type == "approval.requested" && entries[i].Step == step {
			req = &entries[i]
		}
	}
	if req == nil {
		return fmt.Errorf("step %s of run %s has no approval request in its journal", step, runID)
	}
	if approvers := req.Data["approvers"]; approvers != "" {
		ok := false
		for _, a := range strings.Split(approvers, ",") {
			if strings.EqualFold(strings.TrimSpace(a), by) {
				ok = true
			}
		}
		if !ok {
			return fmt.Errorf("%s may not answer step %s: the runbook allows %s", by, step, approvers)
		}
	}
	if req.Data["allow_requester"] != "true" && strings.EqualFold(by, req.Data["requester"]) {
		return fmt.Errorf("%s started run %s and may not approve it: the runbook requires another approver", by, runID)
	}
	for _, a := range rec.Approvals {
		if strings.EqualFold(a.By, by) {
			return fmt.Errorf("%s already answered step %s (%s at %s)", by, step, a.Decision, a.At.UTC().Format(time.RFC3339))
		}
	}
	a := state.Approval{By: by, Decision: decision, Comment: comment, At: now, PlanDigest: run.PlanDigest}
	data := map[string]string{"by": by, "comment": comment}
	if run.PlanDigest != "" {
		data["plan_digest"] = run.PlanDigest
	}
	return st.AddApproval(runID, step, a, state.JournalEntry{At: now, Type: "approval." + decision, Step: step, Actor: by, Data: data})
}

// Cancel asks a run to stop. A run whose process is alive stops at its
// next safe point; a paused run, or one whose process is gone, is marked
// cancelled here and its lock released.
func Cancel(st *state.Store, runID, by string, now time.Time) (string, error) {
	run, err := st.Run(runID)
	if err != nil {
		return "", fmt.Errorf("run %s: %w (list runs with baton runs)", runID, err)
	}
	if run.Status.Done() {
		return "", fmt.Errorf("run %s already ended (%s)", runID, run.Status)
	}
	if err := st.RequestCancel(runID, by, now); err != nil {
		return "", err
	}
	if run.Status == state.RunRunning && state.ProcessAlive(run.Host, run.PID) {
		return fmt.Sprintf("Cancel requested; run %s (pid %d on %s) stops at its next safe point.", runID, run.PID, run.Host), nil
	}
	recs, err := st.Steps(runID)
	if err != nil {
		return "", err
	}
	for _, rec := range recs {
		if rec.Status.Done() || rec.Status == state.StepInDoubt {
			continue
		}
		rec.Status = state.StepCancelled
		rec.Reason = "run cancelled by " + by
		if err := st.PutStep(runID, rec, state.JournalEntry{At: now, Type: "step.cancelled", Step: rec.Name, Actor: by}); err != nil {
			return "", err
		}
	}
	run, err = st.Run(runID)
	if err != nil {
		return "", err
	}
	run.Status, run.Reason, run.CancelledBy = state.RunCancelled, "cancelled by "+by, by
	run.UpdatedAt, run.FinishedAt = now, now
	if err := st.UpdateRun(run, state.JournalEntry{At: now, Type: "run.cancelled", Actor: by, Data: map[string]string{"reason": run.Reason}}); err != nil {
		return "", err
	}
	if run.LockKey != "" {
		if err := st.ReleaseLock(run.LockKey, runID); err != nil && !errors.Is(err, state.ErrNotFound) {
			return "", err
		}
	}
	return fmt.Sprintf("Run %s cancelled.", runID), nil
}
