package plan

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/batonhq/baton/engine/digest"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/zclconf/go-cty/cty"
)

// StaleError lists why a saved plan no longer matches what would run. It
// wraps ErrStale.
type StaleError struct {
	FilesChanged, FilesAdded, FilesRemoved []string
	// Inputs changed, added or removed, by name; a sensitive input is
	// named with "(sensitive)", and its value is never compared (it is not
	// stored).
	InputsChanged, InputsAdded, InputsRemoved []string
	// EngineBefore and EngineAfter are set when the engine version changed.
	EngineBefore, EngineAfter   string
	RunbookBefore, RunbookAfter string
}

func (e *StaleError) Error() string {
	var parts []string
	add := func(label string, list []string) {
		if len(list) > 0 {
			parts = append(parts, label+": "+strings.Join(list, ", "))
		}
	}
	if e.RunbookBefore != e.RunbookAfter {
		parts = append(parts, fmt.Sprintf("runbook: planned %q, applying %q", e.RunbookBefore, e.RunbookAfter))
	}
	add("files changed", e.FilesChanged)
	add("files added", e.FilesAdded)
	add("files removed", e.FilesRemoved)
	add("inputs changed", e.InputsChanged)
	add("inputs added", e.InputsAdded)
	add("inputs removed", e.InputsRemoved)
	if e.EngineBefore != e.EngineAfter {
		parts = append(parts, fmt.Sprintf("engine version: planned with %s, applying with %s", e.EngineBefore, e.EngineAfter))
	}
	return fmt.Sprintf("%s (%s); make a new plan with baton plan -out and have it reviewed again", ErrStale, strings.Join(parts, "; "))
}

func (e *StaleError) Unwrap() error { return ErrStale }

// CheckStale refuses to apply the plan when the runbook's files, the
// inputs or the engine version differ from those the plan was made with.
// It returns a *StaleError listing every difference, or nil.
func (p *Plan) CheckStale(rb *runbook.Runbook, vars map[string]cty.Value, engineVersion string) error {
	e := &StaleError{RunbookBefore: p.Runbook.Name, RunbookAfter: p.Runbook.Name}
	if rb != nil {
		e.RunbookAfter = rb.Name
		_, files := digest.Sources(rb.Sources)
		planned := map[string]string{}
		for _, f := range p.Runbook.Files {
			planned[f.Path] = f.Digest
		}
		e.FilesChanged, e.FilesAdded, e.FilesRemoved = diffKeys(planned, files, func(a, b string) bool { return a == b })
	}
	_, ins := digest.Inputs(vars)
	planned := map[string]Input{}
	for _, in := range p.Inputs {
		planned[in.Name] = in
	}
	e.InputsChanged, e.InputsAdded, e.InputsRemoved = diffKeys(planned, ins, func(a Input, b digest.Input) bool { return a.Hash == b.Hash })
	// An input is named as sensitive when it was or is.
	for _, l := range [][]string{e.InputsChanged, e.InputsAdded, e.InputsRemoved} {
		for i, name := range l {
			if planned[name].Sensitive || ins[name].Sensitive {
				l[i] = name + " (sensitive)"
			}
		}
	}
	if engineVersion != p.EngineVersion {
		e.EngineBefore, e.EngineAfter = p.EngineVersion, engineVersion
	}
	// Stale when anything differs from what was planned.
	if reflect.DeepEqual(e, &StaleError{RunbookBefore: e.RunbookAfter, RunbookAfter: e.RunbookAfter}) {
		return nil
	}
	return e
}

// diffKeys compares two maps by key: the keys whose values differ (by
// same), those only in after and those only in before, each sorted.
func diffKeys[A, B any](before map[string]A, after map[string]B, same func(A, B) bool) (changed, added, removed []string) {
	for k, a := range before {
		if b, ok := after[k]; !ok {
			removed = append(removed, k)
		} else if !same(a, b) {
			changed = append(changed, k)
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			added = append(added, k)
		}
	}
	slices.Sort(changed)
	slices.Sort(added)
	slices.Sort(removed)
	return changed, added, removed
}

// FactChange is a fact observed at plan time that no longer holds, or a
// check whose result changed.
type FactChange struct {
	Step string
	// Path is the fact's path (step.site.output.type), or "result" for a
	// check's result.
	Path          string
	Before, After string
	// Decides are the steps whose running the fact decides (for a check:
	// its dependents).
	Decides []string
}

// String renders the change for an error message.
func (c FactChange) String() string {
	s := fmt.Sprintf("%s: was %s, now %s", c.Path, c.Before, c.After)
	if c.Path == "result" {
		s = fmt.Sprintf("check %s: was %s, now %s", c.Step, c.Before, c.After)
	}
	if len(c.Decides) > 0 {
		s += " (decides " + strings.Join(c.Decides, ", ") + ")"
	}
	return s
}

// CheckFacts compares the facts this plan observed with a fresh plan made
// with refresh just before apply. It lists every fact that decided a branch
// and changed, and every check whose result changed; empty when the plan
// still holds. A fact unknown when planning decided nothing, so learning
// its value is not a change.
func (p *Plan) CheckFacts(fresh *Plan) []FactChange {
	var out []FactChange
	now := map[string]Fact{}
	for _, f := range fresh.Facts {
		now[f.Path] = f
	}
	for _, f := range p.Facts {
		g := now[f.Path]
		if !f.Known || g.Known && g.Hash == f.Hash {
			continue // unknown when planned, or still holds
		}
		before, after := f.Value, cmp.Or(g.Value, "(known at run time)")
		if g.Known && before == after { // sensitive: equal text, different hashes
			before, after = before+" (hash "+shortDigest(f.Hash)+")", after+" (hash "+shortDigest(g.Hash)+")"
		}
		out = append(out, FactChange{Step: f.Step, Path: f.Path, Before: before, After: after, Decides: f.Decides})
	}
	for _, s := range p.Steps {
		if s.Check == nil {
			continue
		}
		before, after := checkResult(s.Check), "not run"
		if g := fresh.Step(s.Name); g != nil && g.Check != nil {
			after = checkResult(g.Check)
		}
		if after != before { // a status and its message, or not run
			out = append(out, FactChange{Step: s.Name, Path: "result", Before: before, After: after, Decides: p.dependents(s.Name)})
		}
	}
	slices.SortStableFunc(out, func(a, b FactChange) int {
		return cmp.Or(cmp.Compare(a.Step, b.Step), cmp.Compare(a.Path, b.Path))
	})
	return out
}

// checkResult is a check's status and message: two checks with the same
// result say the same.
func checkResult(c *Check) string { return c.Status + parenthesized(c.Message) }

// dependents are the steps that depend directly on name.
func (p *Plan) dependents(name string) []string {
	var out []string
	for _, s := range p.AllSteps() {
		if slices.Contains(s.Deps, name) {
			out = append(out, s.Name)
		}
	}
	slices.Sort(out)
	return out
}

// FactsError renders a list of fact changes as an error that tells apply
// to refuse, or nil when the list is empty.
func FactsError(changes []FactChange) error {
	if len(changes) == 0 {
		return nil
	}
	lines := make([]string, len(changes))
	for i, c := range changes {
		lines[i] = "  " + c.String()
	}
	return fmt.Errorf("%w: the facts observed at plan time changed:\n%s\nmake a new plan and have it reviewed again", ErrFactsChanged, strings.Join(lines, "\n"))
}

// ErrFactsChanged is wrapped by FactsError.
var ErrFactsChanged = fmt.Errorf("the plan no longer holds")

// Recheck is what applying a saved plan checks first: the plan is not
// stale (same runbook sources, inputs and engine), it was made for the
// live site rather than a simulated one, and, planned again now with
// opts (the same refresh against the same targets), every fact that
// decided a branch or a check still has the value the board saw. It
// returns the plan made now.
func (p *Plan) Recheck(ctx context.Context, rb *runbook.Runbook, opts Options) (*Plan, error) {
	if err := p.CheckStale(rb, opts.Vars, opts.EngineVersion); err != nil {
		return nil, err
	}
	if strings.HasPrefix(p.Target, "fixture:") {
		return nil, fmt.Errorf("this plan was made against a simulated site (%s); rehearse it with baton rehearse, or plan against the live site", p.Target)
	}
	if p.Refreshed && opts.Refresh == nil {
		return nil, errors.New("this plan ran the read-only checks against the site; applying it runs them again, and no target was given to run them against")
	}
	if !p.Refreshed {
		opts.Refresh = nil
	}
	fresh, diags := Build(ctx, rb, opts)
	if diags.HasErrors() {
		return nil, fmt.Errorf("planning again to check the saved plan: %w", diags)
	}
	if changes := p.CheckFacts(fresh); len(changes) > 0 {
		return nil, FactsError(changes)
	}
	return fresh, nil
}
