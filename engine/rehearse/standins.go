package rehearse

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/steps"
	"github.com/batonhq/baton/steps/httpstep"
	"github.com/zclconf/go-cty/cty"
)

// Notification is a message a notify step would have posted.
type Notification struct {
	Step    string `json:"step"`
	Message string `json:"message"` // as captured, secrets scrubbed
}

// notifyStandIn takes a notify step's arguments and posts nothing: it
// writes the message to the step's captured output, which the report shows.
type notifyStandIn struct{ steps.Kind }

func (n notifyStandIn) Run(_ context.Context, req steps.Request) (cty.Value, error) {
	args := req.Args
	if m := attrString(args, "message"); m != "" {
		fmt.Fprintln(req.Output, m)
	}
	if f := args.GetAttr("fields"); !f.IsNull() && f.IsKnown() {
		var lines []string
		for it := f.ElementIterator(); it.Next(); {
			k, v := it.Element()
			lines = append(lines, k.AsString()+": "+v.AsString())
		}
		sort.Strings(lines)
		fmt.Fprintln(req.Output, strings.Join(lines, "\n"))
	}
	// Status 0: nothing was sent.
	return cty.UnknownAsNull(cty.ObjectVal(map[string]cty.Value{"status": cty.NumberIntVal(0)})), nil
}

func attrString(v cty.Value, name string) string {
	if v.IsNull() || !v.Type().IsObjectType() || !v.Type().HasAttribute(name) {
		return ""
	}
	a := v.GetAttr(name)
	if a.IsNull() || !a.IsKnown() || a.Type() != cty.String {
		return ""
	}
	return a.AsString()
}

// standIns are the rehearsal's replacements for the step types rb uses
// that would reach outside the simulated site but can be shown instead.
func standIns(rb *runbook.Runbook) map[string]steps.Kind {
	out := map[string]steps.Kind{}
	for _, s := range rb.Steps {
		if s.Uses == "notify" && s.Kind != nil && s.Kind.OutputType().Equals(httpstep.NotifyOutput) {
			out["notify"] = notifyStandIn{s.Kind}
		}
	}
	return out
}
