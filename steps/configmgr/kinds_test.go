package configmgr

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/batonhq/baton/internal/golden"
	"github.com/batonhq/baton/steps"
)

// examples are arguments for every kind, as a runbook writes them.
var examples = map[string]string{
	"configmgr_site":                         ``,
	"configmgr_hierarchy":                    ``,
	"configmgr_site_servers":                 ``,
	"configmgr_roles":                        `servers = ["M1.contoso.com", "m2.contoso.com"]` + "\n" + `roles = ["SMS Distribution Point", "SMS Dmp Connector"]`,
	"configmgr_content_library":              ``,
	"configmgr_replication":                  ``,
	"configmgr_updates":                      ``,
	"configmgr_distributions":                ``,
	"configmgr_providers":                    ``,
	"configmgr_components":                   ``,
	"configmgr_features":                     `store_for_business = true`,
	"configmgr_reachable":                    `server = "m1.contoso.com"`,
	"configmgr_server_config":                `servers = ["m1.contoso.com", "m2.contoso.com"]`,
	"configmgr_site_system_admins":           `accounts = ["CONTOSO\\M1$", "CONTOSO\\M2$"]`,
	"configmgr_boot_images":                  ``,
	"configmgr_move_content_library":         `destination = "\\\\files.contoso.com\\SCCMContentLib$\\ABC"`,
	"configmgr_add_passive":                  "server = \"m2.contoso.com\"\ninstall_directory = \"C:\\\\Program Files\\\\Configuration Manager\"\nsource_option = \"network\"\nsource_path = \"\\\\\\\\m1.contoso.com\\\\SMS_ABC\\\\CD.Latest\"",
	"configmgr_retry_passive_install":        ``,
	"configmgr_promote":                      `server = "m2.contoso.com"`,
	"configmgr_remove_site_server":           `server = "m1.contoso.com"`,
	"configmgr_remove_role":                  `server = "m1.contoso.com"` + "\n" + `role = "SMS Distribution Point"`,
	"configmgr_reimport_dp_certificate":      "dp = \"dp1.contoso.com\"\ncertificate_path = \"\\\\\\\\files.contoso.com\\\\certs\\\\dp1.pfx\"\ncertificate_password = \"Pfx-S3cret!\"",
	"configmgr_redistribute_content":         `packages = ["ABC00014", "ABC00015"]` + "\n" + `dp = "dp1.contoso.com"`,
	"configmgr_reinit_secondary":             `site_code = "S01"`,
	"configmgr_reconnect_store_for_business": ``,
}

const examplePassword = "Pfx-S3cret!"

func kindsByName(t *testing.T) map[string]steps.Kind {
	t.Helper()
	m := map[string]steps.Kind{}
	for _, k := range Kinds() {
		m[k.Name()] = k
	}
	return m
}

// decode decodes HCL attributes with a spec, as the engine does.
func decode(t *testing.T, spec hcldec.Spec, src string) cty.Value {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), "args.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("parse %q: %s", src, diags)
	}
	v, diags := hcldec.Decode(f.Body, spec, nil)
	if diags.HasErrors() {
		t.Fatalf("decode %q: %s", src, diags)
	}
	return v
}

func request(args cty.Value, target steps.Target) steps.Request {
	return steps.Request{Args: args, Target: target, Clock: fixedClock{testNow}, RunID: "r1", Step: "s", Attempt: 1}
}

func TestRegister(t *testing.T) {
	r := steps.NewRegistry()
	Register(r)
	var want []string
	for name := range examples {
		want = append(want, name)
	}
	if diff := cmp.Diff(sortedCopy(want), r.KindNames()); diff != "" {
		t.Errorf("registered kinds (-want +got):\n%s", diff)
	}
	if _, ok := r.Target("configmgr"); !ok {
		t.Error("target type configmgr not registered")
	}
	for _, k := range Kinds() {
		wantEffect := steps.ReadOnly
		if !strings.HasPrefix(k.Name(), "configmgr_") {
			t.Errorf("%s: bad name", k.Name())
		}
		if _, isFact := factNames()[k.Name()]; !isFact {
			wantEffect = steps.Mutating
		}
		if k.Effect() != wantEffect {
			t.Errorf("%s: effect %s, want %s", k.Name(), k.Effect(), wantEffect)
		}
		if k.TargetType() != "configmgr" || k.Doc() == "" {
			t.Errorf("%s: target type %q, doc %q", k.Name(), k.TargetType(), k.Doc())
		}
	}
}

func factNames() map[string]bool {
	m := map[string]bool{}
	for _, k := range factKinds() {
		m[k.Name()] = true
	}
	return m
}

func sortedCopy(s []string) []string { return slices.Sorted(slices.Values(s)) }

// TestRunOutputsConform runs every kind against the fake site and checks
// that the output has exactly the declared output type.
func TestRunOutputsConform(t *testing.T) {
	kinds := kindsByName(t)
	for name, src := range examples {
		t.Run(name, func(t *testing.T) {
			k := kinds[name]
			site := populatedSite()
			args := decode(t, k.Spec(), src)
			out, err := k.Run(context.Background(), request(args, site))
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if !out.Type().Equals(k.OutputType()) {
				t.Fatalf("output type %#v, declared %#v", out.Type(), k.OutputType())
			}
			if _, err := convert.Convert(out, k.OutputType()); err != nil {
				t.Fatalf("convert: %v", err)
			}
			if !out.IsWhollyKnown() || out.IsNull() {
				t.Fatalf("output not wholly known")
			}
			// Empty facts must still conform (empty lists, not nulls).
			empty := &fakeSite{}
			out, err = k.Run(context.Background(), request(args, empty))
			if err != nil {
				t.Fatalf("Run on an empty site: %v", err)
			}
			if !out.Type().Equals(k.OutputType()) {
				t.Fatalf("empty-site output type %#v, declared %#v", out.Type(), k.OutputType())
			}
		})
	}
}

func run(t *testing.T, name, src string, site Site) cty.Value {
	t.Helper()
	k := kindsByName(t)[name]
	out, err := k.Run(context.Background(), request(decode(t, k.Spec(), src), site))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}

func getS(v cty.Value, path ...string) string {
	for _, p := range path {
		v = v.GetAttr(p)
	}
	return v.AsString()
}

func getN(v cty.Value, path ...string) int64 {
	for _, p := range path {
		v = v.GetAttr(p)
	}
	n, _ := v.AsBigFloat().Int64()
	return n
}

func getB(v cty.Value, path ...string) bool {
	for _, p := range path {
		v = v.GetAttr(p)
	}
	return v.True()
}

func TestFactConversions(t *testing.T) {
	site := populatedSite()

	v := run(t, "configmgr_site", "", site)
	if getS(v, "type") != "primary" || getS(v, "server_name") != "m1.contoso.com" || getN(v, "build_number") != 9128 || getS(v, "reporting_site") != "CAS" {
		t.Errorf("site: %s", steps.Show(v))
	}

	v = run(t, "configmgr_hierarchy", "", site)
	if v.GetAttr("sites").LengthInt() != 2 || v.GetAttr("secondaries").LengthInt() != 1 ||
		getS(v.GetAttr("secondaries").Index(cty.NumberIntVal(0)), "code") != "S01" ||
		!getB(v.GetAttr("secondaries").Index(cty.NumberIntVal(0)), "maintenance") {
		t.Errorf("hierarchy: %s", steps.Show(v))
	}

	v = run(t, "configmgr_site_servers", "", site)
	if getS(v, "active") != "m1.contoso.com" || getS(v, "passive") != "m2.contoso.com" || getN(v, "passive_count") != 1 || getB(v, "all_ok") {
		t.Errorf("site servers: %s", steps.Show(v))
	}
	v = run(t, "configmgr_site_servers", "", &fakeSite{servers: []SiteServer{{Name: "m1", Mode: ModeActive, Status: StatusOK}}})
	if getS(v, "passive") != "" || getN(v, "passive_count") != 0 || !getB(v, "all_ok") {
		t.Errorf("site servers without passive: %s", steps.Show(v))
	}
	if v := run(t, "configmgr_site_servers", "", &fakeSite{}); getB(v, "all_ok") {
		t.Errorf("no servers must not be all_ok")
	}

	v = run(t, "configmgr_roles", examples["configmgr_roles"], site)
	if getN(v, "count") != 1 || getS(v.GetAttr("roles").Index(cty.NumberIntVal(0)), "server") != "m1.contoso.com" {
		t.Errorf("roles filtered: %s", steps.Show(v))
	}
	if v := run(t, "configmgr_roles", "", site); getN(v, "count") != 4 {
		t.Errorf("roles unfiltered: %s", steps.Show(v))
	}

	v = run(t, "configmgr_content_library", "", site)
	if !getB(v, "remote") || getN(v, "move_progress") != 100 || getS(v, "move_status") != "done" {
		t.Errorf("content library: %s", steps.Show(v))
	}

	// Replication: the 2h-old active link is stale at 30m, the failed
	// link is unhealthy, the link without a time is judged on state only.
	v = run(t, "configmgr_replication", "", site)
	if v.GetAttr("unhealthy").LengthInt() != 2 || getB(v, "healthy") {
		t.Errorf("replication: %s", steps.Show(v))
	}
	if got := getS(v.GetAttr("links").Index(cty.NumberIntVal(1)), "state"); got != "active" {
		t.Errorf("state derived from status 2 = %q", got)
	}
	if got := getS(v.GetAttr("links").Index(cty.NumberIntVal(0)), "updated_at"); got != "2026-03-10T11:55:00Z" {
		t.Errorf("updated_at = %q, want RFC 3339", got)
	}
	v = run(t, "configmgr_replication", `stale_after = "3h"`, site)
	if v.GetAttr("unhealthy").LengthInt() != 1 {
		t.Errorf("replication with stale_after 3h: %s", steps.Show(v))
	}

	v = run(t, "configmgr_updates", "", site)
	if v.GetAttr("recent").LengthInt() != 1 || v.GetAttr("in_progress").LengthInt() != 2 || getB(v, "clear") {
		t.Errorf("updates: %s", steps.Show(v))
	}
	if got := getS(v.GetAttr("updates").Index(cty.NumberIntVal(0)), "state_name"); got != "installed" {
		t.Errorf("state_name = %q", got)
	}
	v = run(t, "configmgr_updates", `recent_within = "1d"`, &fakeSite{updates: site.updates[:2]})
	if v.GetAttr("recent").LengthInt() != 0 || !getB(v, "clear") {
		t.Errorf("updates within 1d: %s", steps.Show(v))
	}
	v = run(t, "configmgr_updates", `recent_within = "3d"`, &fakeSite{updates: site.updates[:2]})
	if v.GetAttr("recent").LengthInt() != 1 {
		t.Errorf("updates within 3d: %s", steps.Show(v))
	}

	v = run(t, "configmgr_distributions", "", site)
	if getN(v, "in_progress") != 4 || getN(v, "errors") != 1 || getB(v, "clear") ||
		steps.Show(v.GetAttr("site_to_site")) != `["ABC00014"]` {
		t.Errorf("distributions: %s", steps.Show(v))
	}
	if v := run(t, "configmgr_distributions", "", &fakeSite{dists: []Distribution{{PackageID: "ABC00013", Errors: 2}}}); !getB(v, "clear") {
		t.Errorf("errors alone must not block: %s", steps.Show(v))
	}

	v = run(t, "configmgr_providers", "", site)
	if getN(v, "reachable_count") != 1 || v.GetAttr("providers").LengthInt() != 2 {
		t.Errorf("providers: %s", steps.Show(v))
	}

	v = run(t, "configmgr_components", "", site)
	if getB(v, "healthy") || v.GetAttr("critical").LengthInt() != 1 {
		t.Errorf("components: %s", steps.Show(v))
	}

	v = run(t, "configmgr_features", "", site)
	if getB(v, "store_for_business") || !getB(v, "pxe_distribution") || getS(v, "dp_certificate_mode") != "self-signed" {
		t.Errorf("features: %s", steps.Show(v))
	}
	v = run(t, "configmgr_features", "store_for_business = true\npxe_distribution = false\ndp_certificate_mode = \"pki-imported\"", site)
	if !getB(v, "store_for_business") || getB(v, "pxe_distribution") || getS(v, "dp_certificate_mode") != "pki-imported" {
		t.Errorf("features declared: %s", steps.Show(v))
	}

	v = run(t, "configmgr_reachable", `server = "m9.contoso.com"`, &fakeSite{reachable: Reachability{Detail: "nothing"}})
	if getS(v, "server") != "m9.contoso.com" || getB(v, "reachable") {
		t.Errorf("reachable: %s", steps.Show(v))
	}
}

func TestActionsCallSite(t *testing.T) {
	kinds := kindsByName(t)
	want := map[string][]string{
		"configmgr_move_content_library":         {"MoveContentLibrary", `\\files.contoso.com\SCCMContentLib$\ABC`},
		"configmgr_add_passive":                  {"AddPassiveSiteServer", "m2.contoso.com"},
		"configmgr_retry_passive_install":        {"RetryPassiveInstall"},
		"configmgr_promote":                      {"Promote", "m2.contoso.com"},
		"configmgr_remove_site_server":           {"RemoveSiteServerRole", "m1.contoso.com"},
		"configmgr_remove_role":                  {"RemoveRole", "m1.contoso.com", "SMS Distribution Point"},
		"configmgr_reimport_dp_certificate":      {"ReimportDPCertificate", "dp1.contoso.com", `\\files.contoso.com\certs\dp1.pfx`, examplePassword},
		"configmgr_redistribute_content":         {"RedistributeContent", "ABC00014", "ABC00015", "dp1.contoso.com"},
		"configmgr_reinit_secondary":             {"ReinitializeSecondary", "S01"},
		"configmgr_reconnect_store_for_business": {"ReconnectStoreForBusiness"},
	}
	for name, w := range want {
		t.Run(name, func(t *testing.T) {
			site := &fakeSite{}
			k := kinds[name]
			out, err := k.Run(context.Background(), request(decode(t, k.Spec(), examples[name]), site))
			if err != nil {
				t.Fatal(err)
			}
			got := append([]string{site.calls[0]}, site.lastArgs...)
			if diff := cmp.Diff(w, got); diff != "" {
				t.Errorf("call (-want +got):\n%s", diff)
			}
			if !getB(out, "submitted") || getS(out, "detail") == "" {
				t.Errorf("output %s", steps.Show(out))
			}
			if strings.Contains(getS(out, "detail"), examplePassword) {
				t.Error("password in the output")
			}
		})
	}
	site := &fakeSite{}
	k := kinds["configmgr_add_passive"]
	if _, err := k.Run(context.Background(), request(decode(t, k.Spec(), examples["configmgr_add_passive"]), site)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(AddPassive{Server: "m2.contoso.com", InstallDirectory: `C:\Program Files\Configuration Manager`,
		SourceOption: "network", SourcePath: `\\m1.contoso.com\SMS_ABC\CD.Latest`}, site.lastPassive); diff != "" {
		t.Errorf("AddPassive (-want +got):\n%s", diff)
	}
}

func TestRunErrors(t *testing.T) {
	kinds := kindsByName(t)
	siteErr := errors.New("site database CM_ABC, query roles: boom")
	cases := []struct {
		name, kind, args string
		target           steps.Target
		want             string
		is               error
	}{
		{"no target", "configmgr_site", "", nil, "target is missing", nil},
		{"wrong target", "configmgr_site", "", otherTarget{}, "not a ConfigMgr site", nil},
		{"site error wrapped", "configmgr_roles", "", &fakeSite{err: siteErr}, "configmgr_roles: site database CM_ABC, query roles: boom", siteErr},
		{"bad duration", "configmgr_updates", `recent_within = "soon"`, &fakeSite{}, `recent_within: invalid duration "soon"`, nil},
		{"bad host", "configmgr_promote", `server = "m2 contoso"`, &fakeSite{}, "is not a host name", nil},
		{"not UNC", "configmgr_move_content_library", `destination = "D:\\lib"`, &fakeSite{}, "is not a UNC path", nil},
		{"bad option", "configmgr_add_passive", "server = \"m2\"\ninstall_directory = \"C:\\\\CM\"\nsource_option = \"usb\"", &fakeSite{}, `source_option "usb"`, nil},
		{"network needs path", "configmgr_add_passive", "server = \"m2\"\ninstall_directory = \"C:\\\\CM\"\nsource_option = \"network\"", &fakeSite{}, "needs source_path", nil},
		{"copy takes no path", "configmgr_add_passive", "server = \"m2\"\ninstall_directory = \"C:\\\\CM\"\nsource_option = \"copy\"\nsource_path = \"x\"", &fakeSite{}, "takes no source_path", nil},
		{"site server role", "configmgr_remove_role", "server = \"m2\"\nrole = \"sms site server\"", &fakeSite{}, "configmgr_remove_site_server", nil},
		{"bad package", "configmgr_redistribute_content", "packages = [\"ABC'; x\"]\ndp = \"dp1\"", &fakeSite{}, "is not 8 letters or digits", nil},
		{"no packages", "configmgr_redistribute_content", "packages = []\ndp = \"dp1\"", &fakeSite{}, "packages is empty", nil},
		{"bad site code", "configmgr_reinit_secondary", `site_code = "S0001"`, &fakeSite{}, "is not a site code", nil},
		{"not automated passes through", "configmgr_reinit_secondary", `site_code = "S01"`, &fakeSite{err: NotAutomatedError("x", "do y")}, "do y", ErrNotAutomated},
		{"bad dp cert mode", "configmgr_features", `dp_certificate_mode = "pki"`, &fakeSite{}, "dp_certificate_mode", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k := kinds[c.kind]
			out, err := k.Run(context.Background(), request(decode(t, k.Spec(), c.args), c.target))
			if err == nil {
				t.Fatalf("no error, output %s", steps.Show(out))
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not contain %q", err, c.want)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %v is not %v", err, c.is)
			}
			if !out.IsNull() || !out.Type().Equals(k.OutputType()) {
				t.Errorf("output on error = %#v", out)
			}
		})
	}

	k := kinds["configmgr_updates"]
	_, err := k.Run(context.Background(), steps.Request{Args: decode(t, k.Spec(), ""), Target: &fakeSite{}})
	if err == nil || !strings.Contains(err.Error(), "no clock") {
		t.Errorf("no clock: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	k = kinds["configmgr_site"]
	if _, err := k.Run(ctx, request(cty.EmptyObjectVal, &fakeSite{})); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

type otherTarget struct{}

func (otherTarget) Close() error { return nil }

// TestDescribeGolden renders every kind's description with the example
// arguments and with unknown arguments.
func TestDescribeGolden(t *testing.T) {
	kinds := kindsByName(t)
	for name, src := range examples {
		t.Run(name, func(t *testing.T) {
			k := kinds[name]
			var b strings.Builder
			b.WriteString("# " + name + " (" + k.Effect().String() + ")\n")
			b.WriteString("# arguments:\n")
			for _, line := range strings.Split(src, "\n") {
				if line != "" {
					b.WriteString("#   " + line + "\n")
				}
			}
			b.WriteString("\n")
			b.WriteString(render(k.Describe(decode(t, k.Spec(), src))))
			if unknown, ok := unknownArgs(k.Spec()); ok {
				b.WriteString("\n# with every argument unknown at plan time\n\n")
				b.WriteString(render(k.Describe(unknown)))
			}
			golden.Check(t, filepath.Join("testdata", name+".golden"), []byte(b.String()))
		})
	}
}

func TestTargetDescribeGolden(t *testing.T) {
	tk := NewTargetKind(nil)
	src := "site_code = \"ABC\"\nsql_server = \"sql1.contoso.com\\\\CM\"\nsql_auth = \"sql\"\nsql_user = \"baton_reader\"\nsql_password = \"Sql-S3cret!\"\nprovider = \"m1.contoso.com\"\npassive_server = \"m2.contoso.com\""
	var b strings.Builder
	b.WriteString(render(tk.Describe(decode(t, tk.Spec(), src))))
	b.WriteString("\n# defaults\n\n")
	b.WriteString(render(tk.Describe(decode(t, tk.Spec(), `site_code = "XYZ"`))))
	unknown, _ := unknownArgs(tk.Spec())
	b.WriteString("\n# unknown\n\n")
	b.WriteString(render(tk.Describe(unknown)))
	if strings.Contains(b.String(), "Sql-S3cret!") {
		t.Fatal("password in the target description")
	}
	golden.Check(t, filepath.Join("testdata", "target_configmgr.golden"), []byte(b.String()))
}

// TestDescribeNeverShowsSecrets: the certificate password is hidden even
// when the runbook gave it unmarked, and marked values stay hidden
// wherever they appear.
func TestDescribeNeverShowsSecrets(t *testing.T) {
	kinds := kindsByName(t)
	k := kinds["configmgr_reimport_dp_certificate"]
	args := decode(t, k.Spec(), examples["configmgr_reimport_dp_certificate"])
	for _, a := range []cty.Value{args, args.Mark(steps.Sensitive), markAttr(args, "certificate_password")} {
		text := render(k.Describe(a))
		if strings.Contains(text, examplePassword) {
			t.Fatalf("password shown:\n%s", text)
		}
		if !strings.Contains(text, "$BatonParams.CertificatePassword = (sensitive)") {
			t.Errorf("password line missing:\n%s", text)
		}
	}
	k = kinds["configmgr_promote"]
	text := render(k.Describe(markAttr(decode(t, k.Spec(), `server = "m2.contoso.com"`), "server")))
	if strings.Contains(text, "m2.contoso.com") || !strings.Contains(text, "(sensitive)") {
		t.Errorf("marked server shown:\n%s", text)
	}
}

func markAttr(obj cty.Value, name string) cty.Value {
	m := obj.AsValueMap()
	m[name] = m[name].Mark(steps.Sensitive)
	return cty.ObjectVal(m)
}

func unknownArgs(spec hcldec.Spec) (cty.Value, bool) {
	ty := hcldec.ImpliedType(spec)
	if !ty.IsObjectType() || len(ty.AttributeTypes()) == 0 {
		return cty.NilVal, false
	}
	m := map[string]cty.Value{}
	for n, at := range ty.AttributeTypes() {
		m[n] = cty.UnknownVal(at)
	}
	return cty.ObjectVal(m), true
}

func render(d steps.Description) string {
	var b strings.Builder
	b.WriteString("summary: " + d.Summary + "\n")
	for _, det := range d.Details {
		b.WriteString("\n--- " + det.Label + " ---\n")
		b.WriteString(strings.TrimRight(det.Text, "\n") + "\n")
	}
	return b.String()
}

// TestDescribeShowsTheLiveText: the T-SQL and the scripts in the
// descriptions are the very texts the live backend runs.
func TestDescribeShowsTheLiveText(t *testing.T) {
	kinds := kindsByName(t)
	queries := map[string]Query{
		"configmgr_site": QuerySite, "configmgr_hierarchy": QueryHierarchy, "configmgr_site_servers": QuerySiteServers,
		"configmgr_roles": QueryRoles, "configmgr_replication": QueryReplication, "configmgr_updates": QueryUpdates,
		"configmgr_distributions": QueryDistributions, "configmgr_providers": QueryProviders,
		"configmgr_components": QueryComponents, "configmgr_features": QueryFeatures,
	}
	for name, q := range queries {
		d := kinds[name].Describe(decode(t, kinds[name].Spec(), examples[name]))
		if detail(d, "T-SQL") != q.Text || !strings.Contains(detail(d, "parameters"), "@site nvarchar") {
			t.Errorf("%s: description does not show query %s", name, q.Name)
		}
		if strings.Count(q.Text, "@") != strings.Count(q.Text, "@site") {
			t.Errorf("%s: query uses a parameter other than @site", q.Name)
		}
	}
	addPassive, _ := ScriptAddPassive(SourceNetwork)
	scripts := map[string]Script{
		"configmgr_move_content_library": ScriptMoveContentLibrary, "configmgr_add_passive": addPassive,
		"configmgr_retry_passive_install": ScriptRetryPassiveInstall, "configmgr_promote": ScriptPromote,
		"configmgr_remove_site_server": ScriptRemoveSiteServer, "configmgr_remove_role": ScriptRemoveRole,
		"configmgr_reimport_dp_certificate": ScriptReimportDPCertificate, "configmgr_redistribute_content": ScriptRedistributeContent,
	}
	for name, s := range scripts {
		d := kinds[name].Describe(decode(t, kinds[name].Spec(), examples[name]))
		if detail(d, "PowerShell") != s.Text {
			t.Errorf("%s: description does not show script %s", name, s.Name)
		}
		for _, p := range s.Params {
			if !strings.Contains(s.Text, "$BatonParams."+p.Name) {
				t.Errorf("script %s declares %s but does not read it", s.Name, p.Name)
			}
		}
	}
}

func detail(d steps.Description, label string) string {
	for _, det := range d.Details {
		if det.Label == label {
			return det.Text
		}
	}
	return ""
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"7d": 7 * 24 * time.Hour, "1d12h": 36 * time.Hour, "90m": 90 * time.Minute, "30s": 30 * time.Second, " 2h ": 2 * time.Hour,
	} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "xd", "7days", "soon", "-5m", "1d-5m", "999999999d"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q): no error", in)
		}
	}
}

// TestFieldFacts: the facts behind the field failure modes (§8).
func TestFieldFacts(t *testing.T) {
	site := populatedSite()

	v := run(t, "configmgr_server_config", examples["configmgr_server_config"], site)
	m1, m2 := v.GetAttr("servers").Index(cty.NumberIntVal(0)), v.GetAttr("servers").Index(cty.NumberIntVal(1))
	if !getB(v, "all_readable") || !getB(m1, "smb_signing_required") || getB(m2, "sql_native_client") || !getB(m2, "cluster_node") ||
		getS(m2, "configmgr_version") != "5.00.9122.1000" || getS(m2.GetAttr("signals").Index(cty.NumberIntVal(0)), "id") != "CheckAdminOnSQL" {
		t.Errorf("server config: %s", steps.Show(v))
	}
	v = run(t, "configmgr_server_config", `servers = ["m9.contoso.com"]`, site)
	if getB(v, "all_readable") || getS(v.GetAttr("servers").Index(cty.NumberIntVal(0)), "error") == "" {
		t.Errorf("unreadable server: %s", steps.Show(v))
	}

	// Remote site systems of ABC: dp1 (not m1, m2: site servers).
	v = run(t, "configmgr_site_system_admins", examples["configmgr_site_system_admins"], site)
	if getN(v, "checked") != 1 || v.GetAttr("failing").LengthInt() != 0 {
		t.Errorf("site system admins: %s", steps.Show(v))
	}
	if got := site.lastArgs; strings.Join(got, ",") != "dp1.contoso.com" {
		t.Errorf("ServerConfigs asked for %v, want the remote site systems only", got)
	}
	v = run(t, "configmgr_site_system_admins", `accounts = ["CONTOSO\\M1$", "CONTOSO\\M3$"]`, site)
	if steps.Show(v.GetAttr("failing")) != `["dp1.contoso.com"]` ||
		steps.Show(v.GetAttr("systems").Index(cty.NumberIntVal(0)).GetAttr("missing")) != `["CONTOSO\\M3$"]` {
		t.Errorf("missing account: %s", steps.Show(v))
	}
	unreadable := populatedSite()
	delete(unreadable.configs, "dp1.contoso.com")
	v = run(t, "configmgr_site_system_admins", examples["configmgr_site_system_admins"], unreadable)
	if steps.Show(v.GetAttr("failing")) != `["dp1.contoso.com"]` {
		t.Errorf("an unreadable system must fail: %s", steps.Show(v))
	}

	v = run(t, "configmgr_boot_images", "", site)
	imgs := v.GetAttr("images")
	if imgs.LengthInt() != 3 || getS(imgs.Index(cty.NumberIntVal(0)), "source_server") != "m1.contoso.com" ||
		getS(imgs.Index(cty.NumberIntVal(1)), "source_server") != "fs01" || getS(imgs.Index(cty.NumberIntVal(2)), "source_server") != "" {
		t.Errorf("boot images: %s", steps.Show(v))
	}
}

func TestFieldFactArguments(t *testing.T) {
	k := kindsByName(t)
	for _, tc := range []struct{ kind, src, want string }{
		{"configmgr_server_config", `servers = []`, "servers is empty"},
		{"configmgr_server_config", `servers = ["not a host"]`, "not a host name"},
		{"configmgr_site_system_admins", `accounts = []`, "accounts is empty"},
	} {
		_, err := k[tc.kind].Run(context.Background(), request(decode(t, k[tc.kind].Spec(), tc.src), populatedSite()))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s: err = %v, want %q", tc.kind, tc.src, err, tc.want)
		}
	}
}

func TestUNCHost(t *testing.T) {
	for in, want := range map[string]string{
		`\\CM01.contoso.com\SMS_PS1\osd`: "cm01.contoso.com", `//fs01/share`: "fs01", `D:\osd`: "", ``: "", `\\host`: "host",
	} {
		if got := UNCHost(in); got != want {
			t.Errorf("UNCHost(%q) = %q, want %q", in, got, want)
		}
	}
}
