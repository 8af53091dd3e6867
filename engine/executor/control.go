package executor

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/signing"
	"github.com/batonhq/baton/state"
)

// Decision is one person's answer to an approval or manual step.
type Decision struct {
	By, Comment string
	Decision    string // "approved" or "rejected"
	// Signed is the signed statement (SignDecision); required by a run
	// that counts only signed decisions, which AllowedSigners verifies.
	Signed         []byte
	AllowedSigners *signing.AllowedSigners
}

// AnswerWith records an approval or rejection of a step awaiting approval,
// from any process, enforcing the rule the run recorded when it asked:
// who may approve, whether the requester may approve their own run, and,
// for a run that pinned an allowed-signers file, a signature by a key
// allowed for the name given. The run's owner (live or resumed) acts on
// it when it reads the journal and verifies it again. A run whose journal
// does not verify is frozen: AnswerWith refuses.
func AnswerWith(st state.Backend, runID, step string, d Decision, now time.Time) error {
	run, rec, err := answerable(st, runID, step)
	if err != nil {
		return err
	}
	if rec.Status != state.StepAwaitingApproval {
		return fmt.Errorf("step %s is %s, not awaiting approval", step, rec.Status)
	}
	pol, err := requestPolicy(st, runID, step, rec)
	if err != nil {
		return err
	}
	if !pol.Lists(d.By) {
		return fmt.Errorf("%s may not answer step %s: the runbook allows %s", d.By, step, strings.Join(pol.Approvers, ", "))
	}
	if pol.BarsRequester(d.By) {
		return fmt.Errorf("%s started run %s and may not approve it: the runbook requires another approver", d.By, runID)
	}
	e := answerEntry(now, step, state.Approval{By: d.By, Decision: d.Decision, Comment: d.Comment}, run.PlanDigest)
	e.Answer.Signed = d.Signed
	e.Data = map[string]string{"by": d.By, "comment": d.Comment}
	e.Identity = processIdentity()
	return journalDecision(st, run, d, e, pol, "decision")
}

// ResolveWith records an operator's decision on a step in doubt
// (d.Decision: succeeded, failed or retry; d.Comment: the reason), signed
// when the run counts only signed decisions; the run acts on it when
// resumed, and verifies it again.
func ResolveWith(st state.Backend, runID, step string, d Decision, now time.Time) error {
	run, _, err := answerable(st, runID, step)
	if err != nil {
		return err
	}
	e := state.JournalEntry{At: now, Step: step, Actor: d.By, Identity: processIdentity(),
		Data:   map[string]string{"by": d.By, "decision": d.Decision, "reason": d.Comment},
		Answer: &state.Answer{Kind: state.AnswerResolve, By: d.By, Resolution: d.Decision, Comment: d.Comment, Signed: d.Signed}}
	return journalDecision(st, run, d, e, state.ApprovalPolicy{AllowRequester: true}, "resolution")
}

// journalDecision journals d's entry e, checking first, for a run that
// counts only signed decisions, that d's signature holds under pol.
func journalDecision(st state.Backend, run state.Run, d Decision, e state.JournalEntry, pol state.ApprovalPolicy, what string) error {
	if run.AllowedSignersDigest != "" {
		if err := checkSigners(run, d.AllowedSigners); err != nil {
			return err
		}
		if _, err := verifyDecision(d.AllowedSigners, run, e, pol); err != nil {
			return fmt.Errorf("the %s does not count: %w", what, err)
		}
	}
	_, err := st.Answer(run.ID, e)
	return err
}

// answerable reads a run and one of its steps for an answer, refusing a
// run that ended or whose journal does not verify.
func answerable(st state.Backend, runID, step string) (state.Run, state.StepRecord, error) {
	run, err := unfinished(st, runID)
	if err != nil {
		return run, state.StepRecord{}, err
	}
	if _, err := st.VerifyJournal(runID); err != nil {
		return run, state.StepRecord{}, frozenError(runID, err)
	}
	rec, err := st.Step(runID, step)
	if err != nil {
		return run, rec, fmt.Errorf("step %s of run %s: %w (see baton status %s)", step, runID, err, runID)
	}
	return run, rec, nil
}

// unfinished reads a run that has not ended.
func unfinished(st state.Backend, runID string) (state.Run, error) {
	run, err := st.Run(runID)
	if err != nil {
		return run, fmt.Errorf("run %s: %w (list runs with baton runs)", runID, err)
	}
	if run.Status.Done() {
		return run, fmt.Errorf("run %s already ended (%s)", runID, run.Status)
	}
	return run, nil
}

// requestPolicy is the policy the step asked under: typed in the record
// and its journal entry, or, for runs of an older baton, from the request
// entry's data.
func requestPolicy(st state.Backend, runID, step string, rec state.StepRecord) (state.ApprovalPolicy, error) {
	if rec.Policy != nil {
		return *rec.Policy, nil
	}
	entries, err := st.Journal(runID)
	if err != nil {
		return state.ApprovalPolicy{}, err
	}
	for _, e := range slices.Backward(entries) {
		if e.Type != "approval.requested" || e.Step != step {
			continue
		}
		if e.Policy != nil {
			return *e.Policy, nil
		}
		var approvers []string
		for _, a := range strings.Split(e.Data["approvers"], ",") {
			if a = strings.TrimSpace(a); a != "" {
				approvers = append(approvers, a)
			}
		}
		return state.ApprovalPolicy{Approvers: approvers, AllowRequester: e.Data["allow_requester"] == "true", Requester: e.Data["requester"]}, nil
	}
	return state.ApprovalPolicy{}, fmt.Errorf("step %s of run %s has no approval request in its journal", step, runID)
}

// Cancel asks a run to stop. A run whose owner is live stops at its next
// safe point; a paused run, or one whose owner is gone, is taken over and
// ended here, its lock released. A frozen run (its journal does not
// verify) can be cancelled: that is how it ends on record.
func Cancel(st state.Backend, runID, by string, now time.Time) (string, error) {
	run, err := unfinished(st, runID)
	if err != nil {
		return "", err
	}
	if _, err := st.Answer(runID, state.JournalEntry{At: now, Actor: by, Identity: processIdentity(), Answer: &state.Answer{Kind: state.AnswerCancel, By: by}}); err != nil {
		return "", err
	}
	if o := run.Owner; o != nil && !o.Gone(now) {
		return fmt.Sprintf("Cancel requested; run %s (pid %d on %s) stops at its next safe point.", runID, o.PID, o.Host), nil
	}
	lease, err := st.AcquireRun(runID, state.Self(by, now), now)
	if err != nil {
		return "", fmt.Errorf("ending run %s: %w", runID, err)
	}
	if err := cancelOwned(st, lease, runID, by, now); err != nil {
		_ = lease.Release()
		return "", err
	}
	return fmt.Sprintf("Run %s cancelled.", runID), nil
}

// cancelOwned marks the unfinished steps and the run cancelled.
func cancelOwned(st state.Backend, lease state.Lease, runID, by string, now time.Time) error {
	recs, err := st.Steps(runID)
	if err != nil {
		return err
	}
	var changed []state.StepRecord
	var entries []state.JournalEntry
	for _, rec := range recs {
		if rec.Status.Done() || rec.Status == state.StepInDoubt {
			continue
		}
		rec.Status = state.StepCancelled
		rec.Reason = "run cancelled by " + by
		changed = append(changed, rec)
		entries = append(entries, state.JournalEntry{At: now, Type: "step.cancelled", Step: rec.Name, Actor: by, Identity: processIdentity()})
	}
	if len(changed) > 0 {
		if err := lease.PutSteps(changed, entries); err != nil {
			return err
		}
	}
	run, err := st.Run(runID)
	if err != nil {
		return err
	}
	run.Status, run.Reason, run.CancelledBy = state.RunCancelled, "cancelled by "+by, by
	run.CancelRequested = true
	run.UpdatedAt, run.FinishedAt = now, now
	return lease.UpdateRun(run, state.JournalEntry{At: now, Type: "run.cancelled", Actor: by, Identity: processIdentity(), Data: map[string]string{"reason": run.Reason}})
}

// Supersede ends the run holding lock key for good (its owner must not be
// live), so that another run may take the site over.
func Supersede(st state.Backend, key, by, reason string, now time.Time) (string, error) {
	h, err := st.Lock(key)
	if err != nil {
		return "", fmt.Errorf("lock %q: %w; baton locks lists the held locks", key, err)
	}
	e := state.JournalEntry{Actor: by, Identity: processIdentity(), Data: map[string]string{"reason": reason, "lock": key}}
	if err := st.Supersede(h.RunID, e, now); err != nil {
		return "", err
	}
	return h.RunID, nil
}
