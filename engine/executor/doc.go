// Package executor runs a loaded runbook durably: every step transition is
// committed to the state store before the engine acts on it, an action's
// intent is written before it starts and its outcome after it ends, so a
// run interrupted by a crash resumes where it stopped and never silently
// repeats a side effect. It schedules steps in dependency order with
// bounded parallelism, evaluates decisions on actual results, retries with
// backoff, polls waits against durable deadlines, gates on approvals,
// checks the change window before points of no return, backs out on
// failure and runs post-tasks. Time comes from an injected clock, so the
// same code runs rehearsals on a virtual clock.
//
// Skip rule (shared with the planner): a step whose `when` is false is
// skipped; a step all of whose dependencies were skipped is skipped too
// (its branch was not taken); a step with a dependency that failed or was
// skipped because of a failure is skipped with that reason.
package executor
