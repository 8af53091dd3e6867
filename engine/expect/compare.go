package expect

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/batonhq/baton/engine/rehearse"
	"github.com/batonhq/baton/engine/rehearse/simsite"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/state"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// Observe puts what a rehearsal did in the terms of an expectation: every
// field set, Site holding all the facts of the final site.
func Observe(rep *rehearse.Report) Outcome {
	o := Outcome{Status: rep.Status, Reason: rep.Reason, Blocked: []string{},
		Branches: map[string]bool{}, Changes: map[string]string{}, Site: Facts(simsite.State(rep))}
	for _, b := range rep.Blocked {
		o.Blocked = append(o.Blocked, b.Step)
	}
	slices.Sort(o.Blocked)
	o.Blocked = slices.Compact(o.Blocked)
	for _, b := range rep.Branches {
		o.Branches[b.Decision] = b.Taken
	}
	classes := map[string]string{}
	for _, l := range rep.Timeline {
		if l.Step != "" && l.Class != "" {
			classes[l.Step] = l.Class
		}
	}
	for name, st := range rep.Steps {
		switch runbook.Class(classes[name]) {
		case runbook.ClassAction, runbook.ClassPost, runbook.ClassBackout:
			if st != string(state.StepSkipped) && st != string(state.StepPending) {
				o.Changes[name] = st
			}
		}
	}
	return o
}

// Mismatch is one way what happened differs from what was expected.
type Mismatch struct {
	Field string // outcome, blocked, branches, changes, site
	Key   string // the decision, step or fact path; "" for outcome and blocked
	Want  string // as written in an expectation file, or "(absent)", "(not listed)"...
	Got   string
	Note  string // what helps to read it: the run's reason, the steps missing
}

func (m Mismatch) String() string {
	field := m.Field
	if m.Key != "" {
		field += fmt.Sprintf("[%q]", m.Key)
	}
	s := fmt.Sprintf("%s: expected %s, got %s", field, m.Want, m.Got)
	if m.Note != "" {
		s += " (" + m.Note + ")"
	}
	return s
}

// Compare lists how got differs from want, field by field: the outcome,
// then the blocked steps, branches, changes and site facts that want
// lists (a nil field of want is not compared). Keys are in sorted order.
func Compare(want, got Outcome) []Mismatch {
	var out []Mismatch
	switch {
	case want.Status == "":
		out = append(out, Mismatch{Field: "outcome", Want: "(not written)", Got: quote(got.Status),
			Note: "write outcome = " + quote(got.Status) + ", or run baton test -update"})
	case want.Status != got.Status:
		out = append(out, Mismatch{Field: "outcome", Want: quote(want.Status), Got: quote(got.Status), Note: firstLine(got.Reason)})
	}
	if want.Blocked != nil {
		w, g := slices.Sorted(slices.Values(want.Blocked)), slices.Sorted(slices.Values(got.Blocked))
		if !slices.Equal(w, g) {
			out = append(out, Mismatch{Field: "blocked", Want: hclText(stringList(w)), Got: hclText(stringList(g)), Note: setDiff(w, g)})
		}
	}
	if want.Branches != nil {
		out = append(out, compareMap("branches", want.Branches, got.Branches, strconv.FormatBool)...)
	}
	if want.Changes != nil {
		out = append(out, compareMap("changes", want.Changes, got.Changes, quote)...)
	}
	for _, k := range slices.Sorted(maps.Keys(want.Site)) {
		w, g := want.Site[k], got.Site[k]
		if !sameFact(w, g) {
			out = append(out, Mismatch{Field: "site", Key: k, Want: factText(w), Got: factText(g)})
		}
	}
	return out
}

func compareMap[V comparable](field string, want, got map[string]V, show func(V) string) []Mismatch {
	keys := slices.AppendSeq(slices.Collect(maps.Keys(want)), maps.Keys(got))
	slices.Sort(keys)
	var out []Mismatch
	for _, k := range slices.Compact(keys) {
		w, wok := want[k]
		g, gok := got[k]
		switch {
		case wok && gok && w == g:
		case !gok:
			out = append(out, Mismatch{Field: field, Key: k, Want: show(w), Got: "(did not run)"})
		case !wok:
			out = append(out, Mismatch{Field: field, Key: k, Want: "(not listed)", Got: show(g)})
		default:
			out = append(out, Mismatch{Field: field, Key: k, Want: show(w), Got: show(g)})
		}
	}
	return out
}

// sameFact: an expected null matches an absent fact; otherwise the
// expected value, converted to the fact's type, equals it.
func sameFact(want, got cty.Value) bool {
	if got == cty.NilVal {
		return want.IsNull()
	}
	if want.IsNull() {
		return false
	}
	w, err := convert.Convert(want, got.Type())
	return err == nil && w.Equals(got).True()
}

// factText is a fact's value as an expectation file writes it: "(absent)"
// for none (cty.NilVal) or an expected null.
func factText(v cty.Value) string {
	if v == cty.NilVal || v.IsNull() {
		return "(absent)"
	}
	return hclText(v)
}

// hclText is v as HCL source ("active", true, ["a", "b"]).
func hclText(v cty.Value) string {
	return strings.TrimSpace(string(hclwrite.TokensForValue(v).Bytes()))
}

func quote(s string) string { return hclText(cty.StringVal(s)) }

// setDiff says what got lacks and has besides want.
func setDiff(want, got []string) string {
	var parts []string
	if missing := without(want, got); len(missing) > 0 {
		parts = append(parts, "did not block: "+strings.Join(missing, ", "))
	}
	if extra := without(got, want); len(extra) > 0 {
		parts = append(parts, "also blocked: "+strings.Join(extra, ", "))
	}
	return strings.Join(parts, "; ")
}

// without is the strings of a that are not in b.
func without(a, b []string) []string {
	return slices.DeleteFunc(slices.Clone(a), func(s string) bool { return slices.Contains(b, s) })
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if r := []rune(s); len(r) > 160 {
		s = string(r[:157]) + "..."
	}
	return s
}
