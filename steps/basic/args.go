package basic

import (
	"fmt"
	"time"

	"github.com/batonhq/baton/steps"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/gocty"
)

// attr returns args.name for Describe, where args may be unknown, marked
// or lack the attribute.
func attr(args cty.Value, name string) cty.Value {
	switch {
	case !args.IsKnown():
		return cty.DynamicVal
	case args.IsNull():
		return cty.NullVal(cty.DynamicPseudoType)
	}
	if ty := args.Type(); !ty.IsObjectType() || !ty.HasAttribute(name) {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	return args.GetAttr(name)
}

// runArgs returns the request's arguments, checked to be known, unmarked.
func runArgs(req steps.Request) (cty.Value, error) {
	args := req.Args
	if args.ContainsMarked() {
		args, _ = args.UnmarkDeep()
	}
	if !args.IsWhollyKnown() {
		return cty.NilVal, fmt.Errorf("step %s got arguments not known yet: this is an engine bug, please report it", req.Step)
	}
	return args, nil
}

// str returns the string argument name, or def when it is null.
func str(args cty.Value, name, def string) string {
	v := attr(args, name)
	if v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
		return def
	}
	return v.AsString()
}

// integer returns the whole-number argument name, or def when it is null.
func integer(args cty.Value, name string, def int) (int, error) {
	v := attr(args, name)
	if v.IsNull() {
		return def, nil
	}
	var i int
	if err := gocty.FromCtyValue(v, &i); err != nil {
		return 0, fmt.Errorf("%s must be a whole number: %w", name, err)
	}
	return i, nil
}

// duration parses the duration argument name ("30s", "5m"), or def.
func duration(args cty.Value, name string, def time.Duration) (time.Duration, error) {
	s := str(args, name, "")
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s %q is not a duration: write it like \"30s\", \"5m\" or \"1h30m\"", name, s)
	}
	return d, nil
}
