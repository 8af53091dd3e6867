package steptest

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"

	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// LedgerCount is the read-only companion of noop_action: it counts the
// ledger lines written for a step, so a verify block can tell whether the
// action already took effect.
type LedgerCount struct{}

func (LedgerCount) Name() string         { return "ledger_count" }
func (LedgerCount) Doc() string          { return "count the lines a noop_action wrote to a ledger for a step" }
func (LedgerCount) Effect() steps.Effect { return steps.ReadOnly }
func (LedgerCount) TargetType() string   { return "" }
func (LedgerCount) OutputType() cty.Type { return cty.Object(map[string]cty.Type{"count": cty.Number}) }
func (LedgerCount) Spec() hcldec.Spec {
	return hcldec.ObjectSpec{
		"ledger": &hcldec.AttrSpec{Name: "ledger", Type: cty.String, Required: true},
		"step":   &hcldec.AttrSpec{Name: "step", Type: cty.String, Required: true},
	}
}

func (LedgerCount) Describe(args cty.Value) steps.Description {
	return steps.Description{Summary: "count the lines for step " + steps.Show(steps.Attr(args, "step")) + " in ledger " + steps.Show(steps.Attr(args, "ledger"))}
}

// Run counts the lines "<run>/<step> <step> <attempt>" of the current run.
func (LedgerCount) Run(_ context.Context, req steps.Request) (cty.Value, error) {
	args, err := steps.RunArgs(req)
	if err != nil {
		return cty.NilVal, err
	}
	b, err := os.ReadFile(steps.ArgString(args, "ledger", ""))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return cty.NilVal, err
	}
	key := req.RunID + "/" + steps.ArgString(args, "step", "") + " "
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, key) {
			n++
		}
	}
	return cty.ObjectVal(map[string]cty.Value{"count": cty.NumberIntVal(int64(n))}), nil
}
