package runbook

import (
	"testing"

	"github.com/batonhq/baton/steps/all"
	"github.com/batonhq/baton/steps/configmgr"
	"github.com/hashicorp/hcl/v2/hcldec"
)

// TestStepTypesAvoidReservedNames: no step type baton ships declares an
// argument or block that a class running a step type claims (timeout,
// description, verify...): the class would take the value and the step
// type would never see it.
func TestStepTypesAvoidReservedNames(t *testing.T) {
	reserved := map[string]bool{}
	for c, m := range metaNames {
		if kinded(c) {
			for n := range m[0] {
				reserved[n] = true
			}
			for n := range m[1] {
				reserved[n] = true
			}
		}
	}
	if !reserved["timeout"] || !reserved["depends_on"] || !reserved["verify"] {
		t.Fatalf("reserved names incomplete: %v", reserved)
	}
	reg := all.Registry()
	if _, ok := reg.Kind("configmgr_site"); !ok {
		configmgr.Register(reg)
	}
	for _, name := range reg.KindNames() {
		k, _ := reg.Kind(name)
		if k.Spec() == nil {
			continue
		}
		schema := hcldec.ImpliedSchema(k.Spec())
		for _, a := range schema.Attributes {
			if reserved[a.Name] {
				t.Errorf("step type %s declares argument %q, which the step classes claim", name, a.Name)
			}
		}
		for _, b := range schema.Blocks {
			if reserved[b.Type] {
				t.Errorf("step type %s declares block %q, which the step classes claim", name, b.Type)
			}
		}
	}
}
