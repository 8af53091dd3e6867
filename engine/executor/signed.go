package executor

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/signing"
	"github.com/batonhq/baton/state"
)

// ErrUnsigned: the run counts only signed decisions and the answer is not
// signed.
var ErrUnsigned = errors.New("the run counts only signed decisions")

// verifyDecision checks a journaled answer of a run that counts only
// signed decisions: the statement must be the answer (run, step, kind,
// signer, the run's plan), its signature must verify against the run's
// allowed signers, and, where the policy forbids self-approval, the key
// must not be one of the requester's. It returns the key's fingerprint.
func verifyDecision(as *signing.AllowedSigners, run state.Run, e state.JournalEntry, pol state.ApprovalPolicy) (string, error) {
	a := e.Answer
	if len(a.Signed) == 0 {
		return "", fmt.Errorf("%w (allowed signers %s): sign it with baton approve RUN STEP --by NAME --sign", ErrUnsigned, run.AllowedSigners)
	}
	s, err := signing.Unmarshal(a.Signed)
	if err != nil {
		return "", err
	}
	if err := statementFits(s.Statement, run, e); err != nil {
		return "", err
	}
	fp, err := as.Verify(s)
	if err != nil {
		return fp, err
	}
	if !pol.AllowRequester && a.Kind == state.AnswerApprove {
		if run.RequesterKey != "" && fp == run.RequesterKey {
			return fp, fmt.Errorf("key %s signed the start of run %s: the requester cannot approve their own run under any name; the runbook requires another approver's key", fp, run.ID)
		}
		for _, p := range as.SignerPrincipals(s) {
			if state.SameName(p, pol.Requester) {
				return fp, fmt.Errorf("key %s, which signed as %s, is also allowed for %s, who started run %s: the runbook requires another approver's key", fp, s.Statement.Signer, p, run.ID)
			}
		}
	}
	return fp, nil
}

// statementFits checks that a signed statement is the answer journaled,
// not one replayed from another run, step, decision or plan.
func statementFits(st signing.Statement, run state.Run, e state.JournalEntry) error {
	a := e.Answer
	bad := func(what, got, want string) error {
		return fmt.Errorf("%w: the decision was signed for %s %q, not %q: it belongs to another decision; sign this one", signing.ErrBadSignature, what, got, want)
	}
	switch {
	case st.RunID != run.ID:
		return bad("run", st.RunID, run.ID)
	case st.Step != e.Step:
		return bad("step", st.Step, e.Step)
	case st.Kind != string(a.Kind):
		return bad("decision", st.Kind, string(a.Kind))
	case st.PlanDigest != run.PlanDigest:
		return bad("plan", st.PlanDigest, run.PlanDigest)
	case !state.SameName(st.Signer, a.By):
		return bad("signer", st.Signer, a.By)
	case st.Decision != a.Resolution:
		return bad("resolution", st.Decision, a.Resolution)
	case a.Kind == state.AnswerAcceptChanges && st.SourcesDigest != a.SourcesDigest:
		return bad("sources", st.SourcesDigest, a.SourcesDigest)
	case (a.Kind == state.AnswerAcceptChanges || a.Kind == state.AnswerOverrideWindow) && st.Comment != a.Comment:
		return bad("reason", st.Comment, a.Comment)
	}
	return nil
}

// signStart signs the start of run with sg (nothing when sg is nil): the
// statement binds the run, its plan and its sources to the requester's
// name and key.
func signStart(run *state.Run, sg signing.Signer) error {
	if sg == nil {
		return nil
	}
	s, err := sg.Sign(signing.Statement{RunID: run.ID, Kind: signing.KindStart, PlanDigest: run.PlanDigest,
		SourcesDigest: run.SourceDigest, Signer: run.Requester, At: run.CreatedAt.UTC()})
	if err != nil {
		return err
	}
	if run.StartSigned, err = signing.Marshal(s); err != nil {
		return err
	}
	run.RequesterKey, err = signing.VerifySignature(s)
	return err
}

// verifyStart checks a run's signed start: a signature that holds, over
// this run, plan and requester, by the key the run records.
func verifyStart(run state.Run) error {
	if len(run.StartSigned) == 0 {
		return nil
	}
	s, err := signing.Unmarshal(run.StartSigned)
	if err != nil {
		return fmt.Errorf("the signed start of run %s: %w", run.ID, err)
	}
	fp, err := signing.VerifySignature(s)
	st := s.Statement
	switch {
	case err != nil:
		return fmt.Errorf("the signed start of run %s: %w", run.ID, err)
	case fp != run.RequesterKey:
		return fmt.Errorf("the start of run %s was signed with key %s, but the run records %s: the run record was edited", run.ID, fp, run.RequesterKey)
	case st.RunID != run.ID || st.Kind != signing.KindStart || st.PlanDigest != run.PlanDigest || !state.SameName(st.Signer, run.Requester):
		return fmt.Errorf("%w: the signed start is for run %q, plan %q, requester %q; it does not belong to run %s", signing.ErrBadSignature, st.RunID, st.PlanDigest, st.Signer, run.ID)
	}
	return nil
}

// resumeDecisions are the journal entries of what the operator decides by
// resuming: changed sources accepted, a too-short window overridden. Each
// is signed with ro.Signer when given; a run that counts only signed
// decisions refuses them unsigned or signed by a key not allowed for the
// name given.
func (r *run) resumeDecisions(rec state.Run, ro ResumeOptions, ch *SourcesChangedError, sources string) (map[state.AnswerKind]state.JournalEntry, error) {
	out := map[state.AnswerKind]state.JournalEntry{}
	if ch != nil {
		e := r.entry("run.changes_accepted", "", map[string]string{"by": ro.By, "changes": ch.Error()})
		e.Answer = &state.Answer{Kind: state.AnswerAcceptChanges, By: ro.By, Comment: ch.Error(), PlanDigest: rec.PlanDigest, SourcesDigest: sources}
		out[state.AnswerAcceptChanges] = e
	}
	if ro.OverrideWindow {
		e := r.entry("window.override", "", map[string]string{"by": ro.By, "reason": ro.Reason})
		e.Answer = &state.Answer{Kind: state.AnswerOverrideWindow, By: ro.By, Comment: ro.Reason, PlanDigest: rec.PlanDigest}
		out[state.AnswerOverrideWindow] = e
	}
	for k, e := range out {
		if err := r.signResumeDecision(rec, ro.Signer, e); err != nil {
			return nil, fmt.Errorf("the %s decision: %w", strings.ReplaceAll(string(k), "_", " "), err)
		}
	}
	return out, nil
}

// signResumeDecision signs a decision of the resume into its Answer and,
// when the run counts only signed decisions, verifies it as the engine will.
func (r *run) signResumeDecision(rec state.Run, sg signing.Signer, e state.JournalEntry) error {
	a := e.Answer
	if sg == nil {
		if rec.AllowedSignersDigest != "" {
			return fmt.Errorf("%w (allowed signers %s): resume with --sign (or --key FILE)", ErrUnsigned, rec.AllowedSigners)
		}
		return nil
	}
	head, err := r.store.VerifyJournal(rec.ID)
	if err != nil {
		return frozenError(rec.ID, err)
	}
	a.Signed, err = sign(sg, signing.Statement{RunID: rec.ID, Kind: string(a.Kind), PlanDigest: rec.PlanDigest, SourcesDigest: cmp.Or(a.SourcesDigest, rec.SourceDigest),
		JournalHead: head, Signer: a.By, Comment: a.Comment, At: e.At.UTC()})
	if err != nil {
		return err
	}
	if rec.AllowedSignersDigest == "" {
		return nil
	}
	_, err = verifyDecision(r.opts.AllowedSigners, rec, e, state.ApprovalPolicy{AllowRequester: true})
	return err
}

// checkSigners makes sure a run that pinned an allowed-signers file is
// executed with that same file.
func checkSigners(run state.Run, as *signing.AllowedSigners) error {
	switch {
	case run.AllowedSignersDigest == "":
		return nil
	case as == nil:
		return fmt.Errorf("run %s counts only signed decisions: pass --allowed-signers %s (the file it started with)", run.ID, run.AllowedSigners)
	case as.Digest() != run.AllowedSignersDigest:
		return fmt.Errorf("the allowed-signers file %s changed since run %s started (digest %s, now %s): who may approve is fixed when a run starts; restore the file, or start a new run", as.Name(), run.ID, short(run.AllowedSignersDigest), short(as.Digest()))
	}
	return nil
}

// short is a digest's first 12 characters, as messages show it.
func short(d string) string { return d[:min(12, len(d))] }

// SignDecision builds and signs the statement of an answer to a run: its
// run, step, decision, plan, sources and the journal head it follows.
func SignDecision(st state.Backend, sg signing.Signer, runID, step, kind, resolution, by, comment string, now time.Time) ([]byte, error) {
	run, err := st.Run(runID)
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", runID, err)
	}
	head, err := st.VerifyJournal(runID)
	if err != nil {
		return nil, frozenError(runID, err)
	}
	return sign(sg, signing.Statement{RunID: runID, Step: step, Kind: kind, Decision: resolution, PlanDigest: run.PlanDigest,
		SourcesDigest: run.SourceDigest, JournalHead: head, Signer: by, Comment: comment, At: now.UTC()})
}

// VerifyDecisions re-verifies every signed answer in a run's journal
// against as (the allowed signers the run pinned): it returns how many
// verify and how many answers are unsigned, and the first that fails.
func VerifyDecisions(st state.Backend, runID string, as *signing.AllowedSigners) (verified, unsigned int, err error) {
	run, err := st.Run(runID)
	if err != nil {
		return 0, 0, err
	}
	if err := checkSigners(run, as); err != nil {
		return 0, 0, err
	}
	if err := verifyStart(run); err != nil {
		return 0, 0, err
	}
	entries, err := st.Journal(runID)
	if err != nil {
		return 0, 0, err
	}
	for _, e := range entries {
		if e.Answer == nil || e.Answer.Kind == state.AnswerCancel {
			continue
		}
		if len(e.Answer.Signed) == 0 {
			unsigned++
			continue
		}
		pol := state.ApprovalPolicy{AllowRequester: true} // the requester rule was applied when it counted
		if _, err := verifyDecision(as, run, e, pol); err != nil {
			return verified, unsigned, fmt.Errorf("journal entry %d (%s by %s): %w", e.Seq, e.Type, e.Answer.By, err)
		}
		verified++
	}
	return verified, unsigned, nil
}

// SignOffline signs a decision on a machine that cannot reach the run's
// state (an approver's laptop): the plan file the board reviewed gives the
// plan and sources digests; the journal head is then unknown (empty).
func SignOffline(sg signing.Signer, runID, step, kind, by, comment, planDigest, sourcesDigest string, now time.Time) ([]byte, error) {
	return sign(sg, signing.Statement{RunID: runID, Step: step, Kind: kind, PlanDigest: planDigest,
		SourcesDigest: sourcesDigest, Signer: by, Comment: comment, At: now.UTC()})
}

// sign signs a statement and encodes the signed statement.
func sign(sg signing.Signer, st signing.Statement) ([]byte, error) {
	s, err := sg.Sign(st)
	if err != nil {
		return nil, err
	}
	return signing.Marshal(s)
}

// ImportDecision turns a signed decision file into the decision it states.
func ImportDecision(b []byte) (runID, step string, d Decision, err error) {
	s, err := signing.Unmarshal(b)
	if err != nil {
		return "", "", d, err
	}
	st := s.Statement
	decision := map[string]string{signing.KindApprove: "approved", signing.KindReject: "rejected"}[st.Kind]
	if decision == "" {
		return "", "", d, fmt.Errorf("the signed decision is a %s, not an approval or a rejection", st.Kind)
	}
	return st.RunID, st.Step, Decision{By: st.Signer, Comment: st.Comment, Decision: decision, Signed: b}, nil
}
