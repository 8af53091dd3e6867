package all

import (
	"strings"
	"testing"

	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

func TestRegistry(t *testing.T) {
	reg := Registry()
	generic := "assert exec http http_get noop notify powershell sleep sql sql_query tcp"
	if testKinds != nil { // go test -tags batontest
		generic = "assert exec http http_get ledger_count noop noop_action notify powershell sleep sql sql_query tcp"
	}
	var got []string
	for _, n := range reg.KindNames() {
		if !strings.HasPrefix(n, "configmgr_") {
			got = append(got, n)
		}
	}
	if strings.Join(got, " ") != generic {
		t.Errorf("generic kinds:\n got %s\nwant %s", strings.Join(got, " "), generic)
	}
	if len(reg.KindNames())-len(got) < 20 {
		t.Errorf("only %d configmgr kinds registered", len(reg.KindNames())-len(got))
	}
	if got := strings.Join(reg.TargetNames(), " "); got != "configmgr mssql" {
		t.Errorf("targets: %s", got)
	}
	for _, name := range reg.KindNames() {
		k, _ := reg.Kind(name)
		if k.Doc() == "" {
			t.Errorf("%s: no Doc", name)
		}
		if _, ok := k.Spec().(hcldec.ObjectSpec); !ok {
			t.Errorf("%s: Spec is not an ObjectSpec", name)
		}
		if k.TargetType() != "" {
			if _, ok := reg.Target(k.TargetType()); !ok {
				t.Errorf("%s: target type %q not registered", name, k.TargetType())
			}
		}
		// Describe must cope with wholly unknown arguments (plan before
		// anything is known) without panicking.
		d := k.Describe(cty.UnknownVal(hcldec.ImpliedType(k.Spec())))
		if d.Summary == "" {
			t.Errorf("%s: empty Summary for unknown args", name)
		}
		d = k.Describe(cty.UnknownVal(hcldec.ImpliedType(k.Spec())).Mark(steps.Sensitive))
		if d.Summary == "" {
			t.Errorf("%s: empty Summary for sensitive args", name)
		}
		k.Describe(cty.NullVal(hcldec.ImpliedType(k.Spec())))
	}
}
