// Package plan builds the dry-run plan of a runbook: for every step, in
// execution order, whether it will run, may run (and which runtime facts
// decide it) or will not run, and exactly what it will do. A plan renders
// as text for people and as one canonical JSON document for machines; the
// SHA-256 of that canonical JSON is the plan's semantic identity (its
// digest). A plan saved to a file binds an apply to what was reviewed:
// CheckStale refuses a plan whose runbook files, inputs or engine changed,
// and CheckFacts lists the facts observed at plan time that no longer hold.
//
// Secrets never reach a plan: values marked steps.Sensitive are rendered as
// "(sensitive)" and inputs marked sensitive leave no trace, not even a
// hash (see engine/digest).
//
// Planning follows the executor's skip rule: a step whose when is false is
// skipped; a step all of whose dependencies are skipped is skipped (its
// branch is not taken); a step depending on a failed step is skipped.
package plan
