package executor

import (
	"context"
	"errors"
	"fmt"

	"github.com/batonhq/baton/engine/runbook"
	"github.com/zclconf/go-cty/cty"
)

// Refresher runs read-only checks while planning (Terraform's refresh),
// through the same argument evaluation and target opening as a run. Close
// it when planning is done.
type Refresher struct{ r *run }

// NewRefresher prepares read-only calls for plan refresh. opts.Store may
// be nil: nothing is recorded.
func NewRefresher(rb *runbook.Runbook, vars map[string]cty.Value, opts Options) (*Refresher, error) {
	opts.defaults()
	r, err := evalRun(rb, vars, opts, nil)
	if err != nil {
		return nil, err
	}
	r.id = "plan"
	return &Refresher{r: r}, nil
}

// Refresh runs one read-only step with the planner's evaluated arguments
// and returns its output.
func (f *Refresher) Refresh(ctx context.Context, s *runbook.Step, args cty.Value) (cty.Value, error) {
	if s.Kind == nil || s.Mutating() {
		return cty.NilVal, errors.New("only read-only steps run while planning")
	}
	if f.r.opts.Rehearsal && !f.r.simulated(s) {
		return cty.NilVal, fmt.Errorf("step type %s has no simulation", s.Uses)
	}
	return f.r.invokeArgs(ctx, s, s.Kind, args, s.Target, 0)
}

// Close closes the targets the refresh opened.
func (f *Refresher) Close() { f.r.closeTargets() }
