package executor

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/state"
	"github.com/zclconf/go-cty/cty"
)

// expand turns a for_each step whose dependencies have succeeded into its
// instances: each becomes a step of its own, recorded pending in the same
// commit as the template's "running" with the instances' names. The
// template ends when they all have (settleTemplates).
func (r *run) expand(t *runbook.Step) {
	items, err := r.forEachItems(t)
	if err != nil {
		r.fail(t.Name, err)
		return
	}
	inst := runbook.Instances(t, items)
	r.addInstances(t, inst)
	rec := r.rec(t.Name)
	rec.Status, rec.StartedAt = state.StepRunning, r.clk.Now()
	keys := make([]string, len(items))
	for i, s := range inst {
		rec.Instances = append(rec.Instances, s.Name)
		keys[i] = s.Each.Key
		r.commit(state.StepRecord{Name: s.Name, Status: state.StepPending}, "step.instance_added",
			map[string]string{"template": t.Name, "key": s.Each.Key})
	}
	r.commit(rec, "step.expanded", map[string]string{"items": fmt.Sprint(len(items)), "keys": strings.Join(keys, ", ")})
	r.em.emit(Event{Type: EventStepStarted, RunID: r.id, Step: t.Name, Class: string(t.Class), At: rec.StartedAt,
		Message: fmt.Sprintf("one step per item of %s: %d", r.rb.ExprText(t.ForEach), len(items))})
	r.settleTemplates()
}

// forEachItems evaluates a template's for_each.
func (r *run) forEachItems(t *runbook.Step) ([]runbook.Each, error) {
	v, diags := r.scopeFor(t, cty.NilVal).Eval(t.ForEach, cty.DynamicPseudoType)
	if diags.HasErrors() {
		return nil, fmt.Errorf("evaluating for_each: %s", r.red.String(diags.Error()))
	}
	items, err := runbook.Items(v)
	if err != nil {
		return nil, fmt.Errorf("for_each = %s: %w", r.rb.ExprText(t.ForEach), err)
	}
	return items, nil
}

// addInstances puts a template's instances in the run's steps, just
// before the template in the run's order, so that the first failure
// reports name the instance. The order is rebuilt, never shifted in
// place: a loop ranging over the old one goes on undisturbed.
func (r *run) addInstances(t *runbook.Step, inst []*runbook.Step) {
	r.expanded = append(r.expanded, t.Name)
	r.mu.Lock() // workers evaluating expressions read steps and recs
	for _, s := range inst {
		r.steps[s.Name] = s
		if r.recs[s.Name] == nil {
			r.recs[s.Name] = &state.StepRecord{Name: s.Name, Status: state.StepPending}
		}
	}
	r.mu.Unlock()
	at := slices.Index(r.order, t.Name)
	r.order = slices.Concat(r.order[:at], stepNames(inst), r.order[at:])
}

// settleTemplates ends every expanded for_each step whose instances have
// all ended: failed when one failed, skipped when every one was skipped
// (with the first one's cause), succeeded otherwise; its output maps each
// key to that instance's output.
func (r *run) settleTemplates() bool {
	progress := false
	for _, name := range r.expanded {
		if r.recp(name).Status == state.StepRunning && r.settleTemplate(r.steps[name]) {
			progress = true
		}
	}
	return progress
}

func (r *run) settleTemplate(t *runbook.Step) bool {
	rec := r.rec(t.Name)
	outs := map[string]cty.Value{}
	var failed []string
	var firstSkip *state.StepRecord
	skipped := 0
	for _, in := range rec.Instances {
		ir := r.recp(in)
		if ir == nil || !ir.Status.Done() {
			return false
		}
		switch ir.Status {
		case state.StepFailed, state.StepCancelled:
			failed = append(failed, in)
		case state.StepSkipped:
			if skipped++; firstSkip == nil {
				firstSkip = ir
			}
		}
		r.mu.Lock()
		outs[r.steps[in].Each.Key] = r.outputs[in]
		r.mu.Unlock()
	}
	rec.FinishedAt = r.clk.Now()
	switch {
	case len(failed) > 0:
		rec.Status = state.StepFailed
		rec.Error = fmt.Sprintf("%d of %d instances did not succeed: %s", len(failed), len(rec.Instances), strings.Join(failed, ", "))
		r.commit(rec, "step.failed", map[string]string{"error": rec.Error})
	case skipped > 0 && skipped == len(rec.Instances):
		rec.Status, rec.Cause, rec.Reason = state.StepSkipped, firstSkip.Cause, "every instance was skipped: "+firstSkip.Reason
		r.commit(rec, "step.skipped", map[string]string{"reason": rec.Reason})
	default:
		r.succeed(t.Name, runbook.Aggregate(t, outs), fmt.Sprintf("%d instances", len(rec.Instances)))
	}
	rec = r.rec(t.Name)
	r.em.emit(Event{Type: EventStepFinished, RunID: r.id, Step: t.Name, Class: string(t.Class), At: rec.FinishedAt,
		Status: string(rec.Status), Message: cmp.Or(rec.Error, rec.Reason)})
	return true
}

// restoreInstances rebuilds, on resume, the instances of every template
// that had expanded, from the same for_each evaluated over the stored
// outputs. Items that differ from the recorded ones stop the resume: the
// run's steps are what they were.
func (r *run) restoreInstances() error {
	for _, name := range r.order { // addInstances replaces r.order: this loop sees the old one
		t := r.steps[name]
		rec := r.recp(name)
		if !t.IsTemplate() || rec == nil || len(rec.Instances) == 0 {
			continue
		}
		items, err := r.forEachItems(t)
		var inst []*runbook.Step
		if err == nil {
			inst = runbook.Instances(t, items)
			if !slices.Equal(stepNames(inst), rec.Instances) {
				err = fmt.Errorf("it now gives %s, not %s", strings.Join(stepNames(inst), ", "), strings.Join(rec.Instances, ", "))
			}
		}
		switch {
		case err != nil && rec.Status.Done():
			continue // ended: its instances are history, not steps to run
		case err != nil:
			return fmt.Errorf("run %s cannot resume: the for_each of step %s no longer gives the instances it expanded into (%w); resolve or cancel the run", r.id, name, err)
		}
		r.addInstances(t, inst)
	}
	return nil
}

func stepNames(ss []*runbook.Step) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Name
	}
	return out
}
