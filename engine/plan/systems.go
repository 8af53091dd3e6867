package plan

import (
	"sort"

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
	out2 := found[:0]
	for _, f := range found {
		if f.Name != "" {
			out2 = append(out2, f)
		}
	}
	return out2
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
	sort.Slice(s, func(i, j int) bool {
		a, b := s[i], s[j]
		if a.Role != b.Role {
			return a.Role < b.Role
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Site != b.Site {
			return a.Site < b.Site
		}
		return a.From < b.From
	})
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
