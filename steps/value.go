package steps

import (
	"fmt"
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

type valueMark string

// Sensitive marks a cty.Value that must never be shown, stored or logged.
const Sensitive = valueMark("sensitive")

// Show renders a value for humans: secrets as (sensitive), unknown values as
// (known at run time), strings quoted, collections in HCL-like syntax. It is
// the only way plans, reviews, logs and errors may print a cty.Value.
func Show(v cty.Value) string {
	var b strings.Builder
	show(&b, v)
	return b.String()
}

func show(b *strings.Builder, v cty.Value) {
	switch {
	case v.HasMark(Sensitive):
		b.WriteString("(sensitive)")
		return
	case !v.IsKnown():
		b.WriteString("(known at run time)")
		return
	case v.IsNull():
		b.WriteString("null")
		return
	}
	v, _ = v.Unmark()
	t := v.Type()
	switch {
	case t == cty.String:
		fmt.Fprintf(b, "%q", v.AsString())
	case t == cty.Number:
		b.WriteString(v.AsBigFloat().Text('f', -1))
	case t == cty.Bool:
		fmt.Fprint(b, v.True())
	case t.IsListType() || t.IsSetType() || t.IsTupleType():
		b.WriteByte('[')
		i := 0
		for it := v.ElementIterator(); it.Next(); i++ {
			_, e := it.Element()
			if i > 0 {
				b.WriteString(", ")
			}
			show(b, e)
		}
		b.WriteByte(']')
	case t.IsMapType() || t.IsObjectType():
		b.WriteByte('{')
		keys := []string{}
		vals := map[string]cty.Value{}
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			keys = append(keys, k.AsString())
			vals[k.AsString()] = e
		}
		sort.Strings(keys)
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(b, "%s = ", k)
			show(b, vals[k])
		}
		b.WriteByte('}')
	default:
		b.WriteString("(value)")
	}
}
