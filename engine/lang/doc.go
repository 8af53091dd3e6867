// Package lang evaluates runbook expressions: it defines the functions a
// runbook may call and the scope (var, local, step, target, self) that
// expressions are evaluated in. It knows nothing about runbook files; the
// loader, the planner and the executor build a Scope and evaluate through it.
package lang
