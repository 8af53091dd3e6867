// Package steptest holds step types for the engine's own tests, never
// registered in a production binary: noop_action, a mutating step that
// records each run in a ledger file, and ledger_count, which reads it
// back. Tests register them explicitly (Kinds), and steps/all registers
// them only in builds with the batontest tag (the baton binary the CLI
// tests spawn).
package steptest

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// Kinds returns the test-only step types.
func Kinds() []steps.Kind {
	return []steps.Kind{NoopAction{}, LedgerCount{}}
}

// NoopAction is a mutating step that does nothing but, when ledger is set,
// append "<idempotency key> <step> <attempt>" as a line to that file and
// sync it. Crash-torture tests of the engine count its lines.
type NoopAction struct{}

func (NoopAction) Name() string { return "noop_action" }
func (NoopAction) Doc() string {
	return "do nothing, as a mutating step; optionally append the idempotency key to a ledger file"
}
func (NoopAction) Effect() steps.Effect { return steps.Mutating }
func (NoopAction) TargetType() string   { return "" }
func (NoopAction) OutputType() cty.Type { return cty.EmptyObject }
func (NoopAction) Spec() hcldec.Spec {
	return hcldec.ObjectSpec{
		"ledger": &hcldec.AttrSpec{Name: "ledger", Type: cty.String},
	}
}

func (NoopAction) Describe(args cty.Value) steps.Description {
	if l := steps.Attr(args, "ledger"); !l.IsNull() {
		return steps.Description{Summary: "do nothing but record the idempotency key in ledger " + steps.Show(l)}
	}
	return steps.Description{Summary: "do nothing (an action)"}
}

func (NoopAction) Run(ctx context.Context, req steps.Request) (cty.Value, error) {
	args, err := steps.RunArgs(req)
	if err != nil {
		return cty.NilVal, err
	}
	path := steps.ArgString(args, "ledger", "")
	if path == "" {
		return cty.EmptyObjectVal, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return cty.NilVal, fmt.Errorf("opening ledger: check that its directory exists and is writable: %w", err)
	}
	_, werr := fmt.Fprintf(f, "%s %s %d\n", req.IdempotencyKey, req.Step, req.Attempt)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return cty.NilVal, fmt.Errorf("writing ledger %s: %w", path, err)
	}
	return cty.EmptyObjectVal, nil
}
