package steps

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/gocty"
)

// Helpers for step types: reading decoded arguments (cty objects) with
// defaults, and showing them.

// Attr returns args.name for Describe, where args may be unknown, marked
// or lack the attribute.
func Attr(args cty.Value, name string) cty.Value {
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

// RunArgs returns the request's arguments, checked to be known, unmarked.
func RunArgs(req Request) (cty.Value, error) {
	args := req.Args
	if args.ContainsMarked() {
		args, _ = args.UnmarkDeep()
	}
	if !args.IsWhollyKnown() {
		return cty.NilVal, fmt.Errorf("step %s got arguments not known yet: this is an engine bug, please report it", req.Step)
	}
	return args, nil
}

// ArgString returns the string argument name, or def when it is null.
func ArgString(args cty.Value, name, def string) string {
	v := Attr(args, name)
	if v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
		return def
	}
	return v.AsString()
}

// ArgInt returns the whole-number argument name, or def when it is null.
func ArgInt(args cty.Value, name string, def int) (int, error) {
	v := Attr(args, name)
	if v.IsNull() {
		return def, nil
	}
	var i int
	if err := gocty.FromCtyValue(v, &i); err != nil {
		return 0, fmt.Errorf("%s must be a whole number: %w", name, err)
	}
	return i, nil
}

// ArgDuration parses the duration argument name ("30s", "5m"), or def.
func ArgDuration(args cty.Value, name string, def time.Duration) (time.Duration, error) {
	s := ArgString(args, name, "")
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s %q is not a duration: write it like \"30s\", \"5m\" or \"1h30m\"", name, s)
	}
	return d, nil
}

// ArgStringMap returns a map(string) argument, sorted by key, as KEY=value
// entries (for env) or as a map.
func ArgStringMap(args cty.Value, name string) map[string]string {
	v := Attr(args, name)
	if v.IsNull() || !v.CanIterateElements() {
		return nil
	}
	out := map[string]string{}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		if e.IsNull() {
			continue
		}
		out[k.AsString()] = e.AsString()
	}
	return out
}

// ArgBool returns a bool argument, or def when it is null.
func ArgBool(args cty.Value, name string, def bool) bool {
	v := Attr(args, name)
	if v.IsNull() || !v.IsKnown() || v.Type() != cty.Bool {
		return def
	}
	return v.True()
}

// ShowMap renders "key = value" lines, sorted, values through Show.
func ShowMap(v cty.Value) string {
	if v.IsMarked() || !v.IsKnown() || v.IsNull() || !(v.Type().IsMapType() || v.Type().IsObjectType()) {
		return Show(v)
	}
	var lines []string
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		lines = append(lines, k.AsString()+" = "+Show(e))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
