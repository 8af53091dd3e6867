package expect

import (
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/engine/clock"
	"github.com/batonhq/baton/engine/rehearse"
	"github.com/batonhq/baton/fixtures"
	"github.com/batonhq/baton/steps/configmgr/sim"
	"github.com/zclconf/go-cty/cty"
)

func snapshot(t *testing.T, fixture, scenario string) sim.State {
	t.Helper()
	fx, err := sim.Load(fixtures.FS, fixture)
	if err != nil {
		t.Fatal(err)
	}
	site, err := sim.New(fx, scenario, clock.NewVirtual(rehearse.Epoch))
	if err != nil {
		t.Fatal(err)
	}
	return site.Snapshot()
}

// TestFactsKnown: every fact of every shipped scenario's site has a
// documented shape, and the summary picks only facts there are (or the
// promotion time, absent before a promotion).
func TestFactsKnown(t *testing.T) {
	for _, name := range fixtures.Names() {
		fx, err := sim.Load(fixtures.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, sc := range fx.Scenarios() {
			all := Facts(snapshot(t, name, sc))
			for k, v := range all {
				if !KnownFact(k) {
					t.Errorf("%s/%s: fact %q has no pattern", name, sc, k)
				}
				if !factValue(v) || v.IsNull() {
					t.Errorf("%s/%s: fact %q = %#v", name, sc, k, v)
				}
			}
			for _, k := range SummaryFacts(all) {
				if _, ok := all[k]; !ok && k != "post_promotion/promoted_at" {
					t.Errorf("%s/%s: summary fact %q is no fact", name, sc, k)
				}
			}
		}
	}
}

func TestFactsValues(t *testing.T) {
	s := snapshot(t, "contoso", "content-distribution-in-progress")
	all := Facts(s)
	want := map[string]cty.Value{
		"site/code":                                cty.StringVal("PS1"),
		"site/type":                                cty.StringVal("primary"),
		"site/active_server":                       cty.StringVal("cm01.contoso.com"),
		"database/up":                              cty.True,
		"site_server/cm02.contoso.com/mode":        cty.StringVal("passive"),
		"server/cm02.contoso.com/online":           cty.True,
		"site_servers":                             cty.ListVal([]cty.Value{cty.StringVal("cm01.contoso.com"), cty.StringVal("cm02.contoso.com")}),
		"content_library/location":                 cty.StringVal(`\\fs01\cmcontent\PS1`),
		"replication/SS1->PS1/Secondary Site Data": cty.StringVal("active"),
		"distribution/PS100045/dp01.contoso.com/in_progress": cty.NumberIntVal(1),
		"distribution/PS100046/site-to-site/in_progress":     cty.NumberIntVal(1),
		"distributions":                      cty.ListVal([]cty.Value{cty.StringVal("PS100045 -> dp01.contoso.com"), cty.StringVal("PS100046 -> site-to-site")}),
		"operations":                         cty.ListValEmpty(cty.String),
		"post_promotion/client_folder_wrong": cty.False,
	}
	for k, w := range want {
		if g, ok := all[k]; !ok || !g.Equals(w).True() {
			t.Errorf("%s = %#v, want %#v", k, g, w)
		}
	}
	if _, ok := all["post_promotion/promoted_at"]; ok {
		t.Error("promoted_at before any promotion")
	}
	s.PostPromotion.PromotedAt = rehearse.Epoch.Add(14 * time.Minute)
	if g := Facts(s)["post_promotion/promoted_at"]; g == cty.NilVal || !g.Equals(cty.StringVal("14m0s")).True() {
		t.Errorf("promoted_at %#v", g)
	}
}

func TestKnownFact(t *testing.T) {
	for _, k := range []string{"site/code", "site_server/cm02.contoso.com/mode", "replication/SS1->PS1/Secondary Site Data", "update/Configuration Manager 2403", "operations"} {
		if !KnownFact(k) {
			t.Errorf("%q unknown", k)
		}
	}
	for _, k := range []string{"", "site", "site/codes", "server/x", "site_server//mode", "site_server/a/b/mode", "operations/x", strings.Repeat("a/", 50)} {
		if KnownFact(k) {
			t.Errorf("%q known", k)
		}
	}
}
