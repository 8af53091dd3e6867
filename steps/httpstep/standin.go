package httpstep

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/batonhq/baton/steps"
	"github.com/zclconf/go-cty/cty"
)

// RehearsalStandIn implements steps.StandIn: a rehearsal posts nothing
// and shows the message instead.
func (Notify) RehearsalStandIn() steps.Kind { return notifyStandIn{} }

// notifyStandIn takes a notify step's arguments and posts nothing: it
// writes the message, then the fields as sorted "name: value" lines, to
// the step's captured output, which the rehearsal report shows.
type notifyStandIn struct{ Notify }

func (notifyStandIn) Run(_ context.Context, req steps.Request) (cty.Value, error) {
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
