package runbook

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// Each is what one instance of a for_each step sees as each.key and
// each.value.
type Each struct {
	Key   string
	Value cty.Value
}

// Object is the value of `each` in the instance's expressions.
func (e *Each) Object() cty.Value {
	return cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(e.Key), "value": e.Value})
}

// UnknownEach is `each` while the items are not known (validation, plans
// of a list known only at run time).
var UnknownEach = cty.ObjectVal(map[string]cty.Value{
	"key":   cty.UnknownVal(cty.String).RefineNotNull(),
	"value": cty.DynamicVal,
})

// maxInstances bounds one for_each: a list that long is a mistake (a
// query without its WHERE), not a procedure.
const maxInstances = 1000

// InstanceName is the name of the instance of step template for key, as
// it appears in plans, reviews, state and the journal: name[key], with the
// key quoted ("...") when it holds anything but letters, digits and
// . _ - : @, so that names of servers need no quoting in a shell.
func InstanceName(template, key string) string {
	if !plainKey(key) {
		key = strconv.Quote(key)
	}
	return template + "[" + key + "]"
}

func plainKey(k string) bool {
	for _, c := range k {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.ContainsRune("._-:@", c):
		default:
			return false
		}
	}
	return k != "" && k[0] != '"'
}

// Items turns a for_each value into its instances' keys and values, in
// key order. It accepts a list, set or tuple of strings (the string is the
// key and the value) and a map or object (its keys). Anything else, an
// unknown or sensitive value, null, duplicate or empty keys, and more than
// maxInstances items are errors that say what to write instead.
func Items(v cty.Value) ([]Each, error) {
	if v.ContainsMarked() {
		return nil, fmt.Errorf("for_each cannot use a sensitive value: its items name steps in plans, state and the journal")
	}
	switch {
	case v.IsNull():
		return nil, fmt.Errorf("for_each is null; give it a list of strings or a map (an empty list runs no instance)")
	case !v.IsWhollyKnown():
		return nil, fmt.Errorf("for_each is not known yet")
	}
	t := v.Type()
	var items []Each
	switch {
	case t.IsListType() || t.IsSetType() || t.IsTupleType():
		seen := map[string]bool{}
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if e.IsNull() || e.Type() != cty.String {
				return nil, fmt.Errorf("for_each over a list needs strings, and an item is %s; for a list of objects, give a map keyed by a name, such as { for s in LIST : s.name => s }", describeType(e))
			}
			k := e.AsString()
			if seen[k] {
				return nil, fmt.Errorf("for_each lists %q twice; each item names one instance, so items must be unique (distinct(LIST) removes repeats)", k)
			}
			seen[k] = true
			items = append(items, Each{Key: k, Value: e})
		}
	case t.IsMapType() || t.IsObjectType():
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			items = append(items, Each{Key: k.AsString(), Value: e})
		}
	default:
		return nil, fmt.Errorf("for_each needs a list of strings or a map, not %s", describeType(v))
	}
	if len(items) > maxInstances {
		return nil, fmt.Errorf("for_each has %d items, more than %d; narrow the list", len(items), maxInstances)
	}
	if slices.ContainsFunc(items, func(it Each) bool { return strings.TrimSpace(it.Key) == "" }) {
		return nil, fmt.Errorf("for_each has an empty key; every instance needs a name")
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Key < items[j].Key })
	return items, nil
}

func describeType(v cty.Value) string {
	if v.IsNull() {
		return "null"
	}
	return v.Type().FriendlyName()
}

// Instances are template's instances for the items of its for_each: each
// a step of its own, named InstanceName(template, key), with the
// template's dependencies and everything else.
func Instances(template *Step, items []Each) []*Step {
	out := make([]*Step, 0, len(items))
	for i := range items {
		s := *template
		s.Name = InstanceName(template.Name, items[i].Key)
		s.ForEach = nil
		s.Template = template.Name
		s.Each = &items[i]
		out = append(out, &s)
	}
	return out
}

// UsesEach reports whether e refers to each (the item of a for_each).
func UsesEach(e hcl.Expression) bool {
	return slices.ContainsFunc(e.Variables(), func(t hcl.Traversal) bool { return t.RootName() == "each" })
}

// IsTemplate reports whether s is a for_each step before expansion.
func (s *Step) IsTemplate() bool { return s.ForEach != nil }

// Aggregate is step.<template>.output once every instance has ended: a
// map from each key to that instance's output (null for an instance that
// produced none).
func Aggregate(template *Step, outputs map[string]cty.Value) cty.Value {
	elem := template.instanceOutputType()
	m := make(map[string]cty.Value, len(outputs))
	for k, v := range outputs {
		if v == cty.NilVal {
			v = cty.NullVal(elem)
		}
		if cv, err := convert.Convert(v, elem); err == nil {
			m[k] = cv
		} else {
			m[k] = cty.NullVal(elem) // an output not of the kind's declared type
		}
	}
	switch {
	case elem == cty.DynamicPseudoType:
		return cty.ObjectVal(m)
	case len(m) == 0:
		return cty.MapValEmpty(elem)
	}
	return cty.MapVal(m)
}

// CommandWord is a step name as it must be typed in a command that a
// message suggests: as it is when it is one plain word, single-quoted
// otherwise (an instance name's brackets, a quoted key), which POSIX
// shells and PowerShell both read literally.
func CommandWord(name string) string {
	if plainKey(name) {
		return name
	}
	return "'" + strings.ReplaceAll(name, "'", "''") + "'"
}

// TemplateOf is the name of the for_each step whose instance is name, or
// "" when name is not an instance's.
func TemplateOf(name string) string {
	i := strings.IndexByte(name, '[')
	if i <= 0 || !strings.HasSuffix(name, "]") {
		return ""
	}
	return name[:i]
}

// StepOrTemplate is the runbook step called name, or, for an instance,
// its for_each step; nil when there is none.
func (r *Runbook) StepOrTemplate(name string) *Step {
	if s := r.Step(name); s != nil {
		return s
	}
	if s := r.Step(TemplateOf(name)); s != nil && s.IsTemplate() {
		return s
	}
	return nil
}

// decodeForEach reads a step's for_each: which classes may have one, what
// it may refer to (inputs, locals, targets and earlier steps, never self
// or each), and, when it is known at load time, whether its items are
// valid. A step without for_each may not use each.
func (l *loader) decodeForEach(s *Step, src *stepSource) {
	a := src.content.Attributes["for_each"]
	if a == nil {
		l.checkNoEach(s, src)
		return
	}
	switch s.Class {
	case ClassDecision, ClassApproval, ClassBackout:
		l.errorf(a.NameRange, "for_each not allowed here",
			"A %s step runs once: for_each is for checks, actions, waits, manual steps and post-tasks, one step per item.", s.Class)
		return
	}
	s.ForEach = a.Expr
	src.refs = append(src.refs, l.checkRefs(a.Expr.Variables(), exprRoots&^allowEach, "A for_each")...)
	v := l.eval(l.ctx, a.Expr, cty.DynamicPseudoType)
	if !l.notSensitive(v, a.Expr, "for_each (its items name steps)") || !v.IsWhollyKnown() {
		return
	}
	if _, err := Items(v); err != nil {
		msg := err.Error()
		l.errorf(a.Expr.Range(), "Invalid for_each", "%s%s.", strings.ToUpper(msg[:1]), msg[1:])
	}
}

// checkNoEach reports each used in a step that has no for_each.
func (l *loader) checkNoEach(s *Step, src *stepSource) {
	ts := bodyRefs(src.block.Body, nil, nil)
	if i := slices.IndexFunc(ts, func(t hcl.Traversal) bool { return t.RootName() == "each" }); i >= 0 {
		l.refError(ts[i].SourceRange(), "Invalid use of each",
			"each is the item of a for_each; step %q has no for_each. Add for_each = LIST to run it once per item.", s.Name)
	}
}

// checkEachAttr reports each.<anything but key or value>.
func (l *loader) checkEachAttr(t hcl.Traversal) {
	if n := refName(t); n == "key" || n == "value" {
		return
	}
	l.refError(t.SourceRange(), "Invalid reference", "each has two attributes: each.key (the item's name) and each.value (the item).")
}
