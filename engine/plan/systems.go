package plan

import (
	"cmp"
	"slices"

	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/steps"
	"github.com/zclconf/go-cty/cty"
)

// discover lists the downstream systems in a refreshed check's output,
// for the step types that report them: configmgr_hierarchy (secondary
// sites), configmgr_roles (site system roles) and configmgr_providers (SMS
// Providers). Sensitive or unknown values are never read.
func discover(s *runbook.Step, out cty.Value) []System {
	if s.SensitiveOutput || out.ContainsMarked() || !out.IsWhollyKnown() || out.IsNull() || !out.Type().IsObjectType() {
		return nil
	}
	var found []System
	each := func(list string, fn func(e cty.Value)) {
		if !out.Type().HasAttribute(list) {
			return
		}
		l := out.GetAttr(list)
		if l.IsNull() || !(l.Type().IsListType() || l.Type().IsTupleType() || l.Type().IsSetType()) {
			return
		}
		for it := l.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if !e.IsNull() && e.Type().IsObjectType() {
				fn(e)
			}
		}
	}
	switch s.Uses {
	case "configmgr_hierarchy":
		each("secondaries", func(e cty.Value) {
			found = append(found, System{Role: "secondary site", Name: firstString(e, "server_name", "code"), Site: firstString(e, "code"), From: s.Name})
		})
	case "configmgr_roles":
		each("roles", func(e cty.Value) {
			found = append(found, System{Role: firstString(e, "role"), Name: firstString(e, "server"), Site: firstString(e, "site_code"), From: s.Name})
		})
	case "configmgr_providers":
		each("providers", func(e cty.Value) {
			found = append(found, System{Role: "SMS Provider", Name: firstString(e, "server"), From: s.Name})
		})
	}
	return slices.DeleteFunc(found, func(f System) bool { return f.Name == "" })
}

// firstString returns the first of the named attributes that is a known,
// non-empty string.
func firstString(obj cty.Value, names ...string) string {
	for _, n := range names {
		if !obj.Type().HasAttribute(n) {
			continue
		}
		v := obj.GetAttr(n)
		if v.Type() == cty.String && v.IsKnown() && !v.IsNull() && !v.HasMark(steps.Sensitive) && v.AsString() != "" {
			return v.AsString()
		}
	}
	return ""
}

func sortSystems(s []System) []System {
	slices.SortFunc(s, func(a, b System) int {
		return cmp.Or(cmp.Compare(a.Role, b.Role), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Site, b.Site), cmp.Compare(a.From, b.From))
	})
	if s = slices.Compact(s); len(s) == 0 {
		return nil
	}
	return s
}
