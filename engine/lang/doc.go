// Package lang evaluates runbook expressions: it defines the functions a
// runbook may call and the scope (var, local, step, target, self) that
// expressions are evaluated in. It knows nothing about runbook files; the
// loader, the planner and the executor build a Scope and evaluate through it.
//
// It also bounds HCL source before hcl parses it (CheckConfig, ParseConfig,
// ParseExpression, ParseJSON): nesting and expression size, which hcl's
// recursive parser and evaluator cannot take without limit.
package lang
