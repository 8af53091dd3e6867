package sim_test

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/batonhq/baton/engine/clock"
	"github.com/batonhq/baton/fixtures"
	"github.com/batonhq/baton/steps/configmgr/sim"
)

// baseFixture: site AB1, active a, clean b, remote content library.
const baseFixture = `
site {
  code = "AB1"
  type = "primary"
}
server "a.example.com" {
  mode  = "active"
  roles = ["provider"]
}
server "b.example.com" {}
server "dp.example.com" {
  roles = ["dp"]
}
content_library {
  location = "\\\\fs\\content\\AB1"
}
`

// haFixture: like baseFixture with b installed as passive.
const haFixture = `
site {
  code = "AB1"
  type = "primary"
}
server "a.example.com" {
  mode  = "active"
  roles = ["provider"]
}
server "b.example.com" {
  mode  = "passive"
  roles = ["provider"]
}
content_library {
  location = "//fs/content/AB1"
}
`

func loadInline(t testing.TB, src string) *sim.Fixture {
	t.Helper()
	f, err := sim.Load(fstest.MapFS{"inline.hcl": {Data: []byte(src)}}, "inline.hcl")
	if err != nil {
		t.Fatalf("load inline fixture: %v", err)
	}
	return f
}

func TestLoadEmbeddedFixtures(t *testing.T) {
	for _, name := range fixtures.Names() {
		for _, ref := range []string{name, fixtures.Path(name)} {
			f, err := sim.Load(fixtures.FS, ref)
			if err != nil {
				t.Fatalf("Load(%s): %v", ref, err)
			}
			if f.Name != name || f.Description == "" || len(f.Scenarios()) == 0 {
				t.Fatalf("Load(%s) = name %q, %d scenarios", ref, f.Name, len(f.Scenarios()))
			}
			for _, sc := range f.Scenarios() {
				if f.ScenarioDescription(sc) == "" {
					t.Errorf("%s/%s has no description", name, sc)
				}
			}
		}
	}
}

func TestContosoScenarioList(t *testing.T) {
	want := []string{"healthy", "recent-site-update", "secondary-replication-degraded", "dp-on-site-server",
		"content-library-local", "content-library-share-root", "no-passive-yet", "passive-already-installed", "secondary-site-target",
		"active-offline-back-in-10m", "active-offline-for-good", "active-offline-returns-after-45m",
		"promotion-fails-midway", "promotion-fails-twice", "passive-install-prereq-fails", "passive-install-account-not-admin",
		"content-library-move-in-progress", "scp-on-site-server", "content-distribution-in-progress",
		"dp-pki-certificates", "store-for-business", "pre-production-client", "sql-down", "provider-only-on-active",
		"passive-install-not-sysadmin", "passive-regresses-after-ready", "passive-lags-site-version", "site-system-admin-missing",
		"scp-on-passive", "hinv-customized", "default-boot-images", "passive-on-cluster-node", "smb-signing-not-required", "provider-removed-by-hand"}
	got := contosoFixture(t).Scenarios()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("scenarios\n got %v\nwant %v", got, want)
	}
}

func TestNewUnknownScenario(t *testing.T) {
	_, err := sim.New(contosoFixture(t), "nope", clock.NewVirtual(t0))
	refusedWith(t, err, nil, `no scenario "nope"`, "healthy", "sql-down")
	_, err = sim.New(nil, "healthy", clock.NewVirtual(t0))
	refusedWith(t, err, nil, "sim.Load")
	_, err = sim.New(contosoFixture(t), "healthy", nil)
	refusedWith(t, err, nil, "clock")
}

func TestLoadMissing(t *testing.T) {
	_, err := sim.Load(fixtures.FS, "atlantis")
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "sites/atlantis.hcl") {
		t.Fatalf("err = %v", err)
	}
	if _, err := sim.Load(nil, "x"); err == nil {
		t.Fatal("nil fs accepted")
	}
	if _, err := sim.Load(fstest.MapFS{"d/x.hcl": {Data: []byte("")}}, "d"); err == nil {
		t.Fatal("a directory loaded")
	}
}

func TestLoadMalformed(t *testing.T) {
	scen := "\nscenario \"s\" {\n  description = \"d\"\n}\n"
	for _, tc := range []struct {
		name string
		src  string
		want []string // "bad.hcl:LINE:" first, then fragments
	}{
		{"syntax", "site {\n  code = \n}\n", []string{"bad.hcl:2:"}},
		{"unclosed", "site {\n", []string{"bad.hcl:1:"}},
		{"unknown attribute", baseFixture + "colour = \"red\"\n" + scen, []string{"bad.hcl:17:", "colour"}},
		{"unknown block attr", strings.Replace(baseFixture, `type = "primary"`, "type = \"primary\"\n  sise = 1", 1) + scen, []string{"bad.hcl:5:", "sise"}},
		{"wrong type", strings.Replace(baseFixture, `type = "primary"`, `type = ["primary"]`, 1) + scen, []string{"bad.hcl:4:", "string required"}},
		{"bad site type", strings.Replace(baseFixture, `"primary"`, `"tertiary"`, 1) + scen, []string{"bad.hcl:2:", "tertiary"}},
		{"bad code", strings.Replace(baseFixture, `"AB1"`, `"TOOLONG"`, 1) + scen, []string{"bad.hcl:2:", "three letters"}},
		{"bad mode", strings.Replace(baseFixture, `mode  = "active"`, `mode  = "hot"`, 1) + scen, []string{"bad.hcl:6:", `mode "hot"`}},
		{"two actives", strings.Replace(baseFixture, `server "b.example.com" {}`, "server \"b.example.com\" {\n mode = \"active\"\n}", 1) + scen, []string{"bad.hcl:10:", "already has an active"}},
		{"unknown role", strings.Replace(baseFixture, `["dp"]`, `["dpp"]`, 1) + scen, []string{"bad.hcl:11:", `role "dpp"`}},
		{"no scenarios", baseFixture, []string{"bad.hcl:1:", "at least one scenario"}},
		{"scenario without description", baseFixture + "scenario \"s\" {\n}\n", []string{"bad.hcl:17:", "description"}},
		{"duplicate scenario", baseFixture + scen + scen, []string{"bad.hcl:22:", "defined twice"}},
		{"duplicate server", baseFixture + "server \"b.example.com\" {}\n" + scen, []string{"bad.hcl:17:", "defined twice"}},
		{"bad offset", baseFixture + "update \"u\" {\n  at = \"yesterday\"\n}\n" + scen, []string{"bad.hcl:18:", "yesterday"}},
		{"bad event", baseFixture + "scenario \"s\" {\n  description = \"d\"\n  event \"e\" {\n    at = \"5m\"\n    kind = \"fix_problem\"\n    problem = \"nope\"\n  }\n}\n", []string{"bad.hcl:19:", `problem "nope"`}},
		{"event before start", baseFixture + "event \"e\" {\n  at = \"-5m\"\n  kind = \"sql_down\"\n}\n" + scen, []string{"bad.hcl:18:", ">= 0"}},
		{"unknown duration", baseFixture + "durations {\n  instal = \"5m\"\n}\n" + scen, []string{"bad.hcl:18:", "instal", "install"}},
		{"bad duration", baseFixture + "durations {\n  install = \"-5m\"\n}\n" + scen, []string{"bad.hcl:18:", "positive"}},
		{"tiny retry", baseFixture + "durations {\n  pru_retry = \"1s\"\n  pru_window = \"10d\"\n}\n" + scen, []string{"bad.hcl:17:", "PRU-01 attempts"}},
		{"bad fail stage", baseFixture + "fail_promotion_at = \"PRP-09\"\n" + scen, []string{"bad.hcl:17:", "PRP-09"}},
		{"bad fail times", baseFixture + "fail_promotion_at = \"PRP-05\"\nfail_promotion_times = 0\n" + scen, []string{"bad.hcl:18:", "from 1 to 10"}},
		{"fail times alone", baseFixture + "fail_promotion_times = 2\n" + scen, []string{"bad.hcl:17:", "fail_promotion_at"}},
		{"inputs not strings", baseFixture + "inputs = { a = [1] }\n" + scen, []string{"bad.hcl:17:"}},
		{"distribution to non-DP", baseFixture + "distribution \"P1\" {\n  server = \"b.example.com\"\n}\n" + scen, []string{"bad.hcl:17:", "no dp role"}},
		{"missing content library", strings.Replace(baseFixture, "content_library {\n  location = \"\\\\\\\\fs\\\\content\\\\AB1\"\n}", "", 1) + scen, []string{"content_library"}},
		{"variables", baseFixture + "fail_promotion_at = var.x\n" + scen, []string{"bad.hcl:17:", "Variables not allowed"}},
		{"problem kind in scenario", baseFixture + "scenario \"s\" {\n  description = \"d\"\n  problem \"p\" {\n    kind = \"gremlins\"\n  }\n}\n", []string{"bad.hcl:19:", "gremlins"}},
		// The nesting limit of lang.ParseConfig answers before hcl parses
		// (issue 20): 100,000 open brackets would overflow hcl's stack.
		{"nesting too deep", baseFixture + "inputs = { a = " + strings.Repeat("[", 100000) + "\n" + scen, []string{"bad.hcl:17:", "nest"}},
		{"remove active in scenario", baseFixture + "scenario \"s\" {\n  description = \"d\"\n  server \"a.example.com\" {\n    remove = true\n  }\n}\n", []string{"bad.hcl:17:", "no server with mode"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sim.Load(fstest.MapFS{"sites/bad.hcl": {Data: []byte(tc.src)}}, "bad")
			if err == nil {
				t.Fatal("loaded")
			}
			var fe *sim.FixtureError
			if !errors.As(err, &fe) || len(fe.Diags) == 0 {
				t.Fatalf("error is not a *sim.FixtureError with diagnostics: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestScenarioPatching(t *testing.T) {
	f := loadInline(t, haFixture+`
features {
  pxe = true
}
durations {
  install = "10m"
  prp_01  = "5m"
}
scenario "base" {
  description = "unchanged"
}
scenario "patched" {
  description = "patched"
  site {
    name = "Renamed"
  }
  server "b.example.com" {
    remove = true
  }
  server "c.example.com" {
    roles = ["mp"]
  }
  features {
    store_for_business = true
  }
  durations {
    prp_01 = "1m"
  }
}`)
	base := newRigFrom(t, f, "base").s.Snapshot()
	patched := newRigFrom(t, f, "patched").s.Snapshot()
	if base.Site.Name != "AB1" || patched.Site.Name != "Renamed" || patched.Site.Code != "AB1" {
		t.Errorf("site names %q %q", base.Site.Name, patched.Site.Name)
	}
	if len(base.SiteServers) != 2 || len(patched.SiteServers) != 1 {
		t.Errorf("site servers %v / %v", base.SiteServers, patched.SiteServers)
	}
	if !patched.Features.PXEDistribution || !patched.Features.StoreForBusiness || base.Features.StoreForBusiness {
		t.Errorf("features %+v / %+v", base.Features, patched.Features)
	}
	if base.ContentLibrary.Location != `\\fs\content\AB1` || !base.ContentLibrary.Remote {
		t.Errorf("forward-slash UNC not normalized: %+v", base.ContentLibrary)
	}
	// Durations: the base's prp_01 = 5m, the scenario's 1m.
	r := newRigFrom(t, f, "base")
	r.must(r.s.Promote(r.ctx, "b.example.com"))
	r.to(5 * m)
	r.eventAt("PRP-01", 5*m)
	r = newRigFrom(t, f, "patched")
	if err := r.s.Promote(r.ctx, "b.example.com"); err == nil {
		t.Fatal("promoted a removed server")
	}
}

func TestFixtureErrorFormat(t *testing.T) {
	_, err := sim.Load(fstest.MapFS{"x.hcl": {Data: []byte("site {\n  code = \"P\"\n  type = \"primary\"\n}\n")}}, "x.hcl")
	if err == nil {
		t.Fatal("loaded")
	}
	lines := strings.Split(err.Error(), "\n")
	for _, l := range lines {
		if !strings.Contains(l, "x.hcl:") {
			t.Errorf("line without position: %q", l)
		}
	}
}

// TestFixtureInputs: a scenario's inputs override the fixture's; an
// unknown scenario gets the fixture's own; callers get a copy.
func TestFixtureInputs(t *testing.T) {
	src := baseFixture + `inputs = {
  site_code      = "AB1"
  passive_server = "b.example.com"
}

scenario "plain" {
  description = "d"
}

scenario "other_target" {
  description = "d"
  inputs = {
    passive_server = "c.example.com"
  }
}
`
	f, err := sim.Load(fstest.MapFS{"sites/x.hcl": {Data: []byte(src)}}, "x")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		scenario, passive string
	}{
		{"plain", "b.example.com"},
		{"other_target", "c.example.com"},
		{"no-such-scenario", "b.example.com"},
	}
	for _, tc := range tests {
		in := f.Inputs(tc.scenario)
		if in["site_code"] != "AB1" || in["passive_server"] != tc.passive {
			t.Errorf("%s: %v", tc.scenario, in)
		}
		in["site_code"] = "changed"
	}
	if f.Inputs("plain")["site_code"] != "AB1" {
		t.Error("Inputs returned the fixture's own map")
	}
}
