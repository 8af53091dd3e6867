package expect

import (
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/engine/rehearse"
	"github.com/batonhq/baton/steps/configmgr"
	"github.com/batonhq/baton/steps/configmgr/sim"
	"github.com/zclconf/go-cty/cty"
)

// got is what a rehearsal did, for the comparisons below.
var got = Outcome{
	Status: "failed", Reason: "step replication failed: degraded\nmore",
	Blocked:  []string{"replication", "updates"},
	Branches: map[string]bool{"promotion_failed": false},
	Changes:  map[string]string{"promote": "succeeded"},
	Site: map[string]cty.Value{
		"site/code":                     cty.StringVal("PS1"),
		"site_servers":                  cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")}),
		"content_library/move_progress": cty.NumberIntVal(100),
		"database/up":                   cty.True,
	},
}

func TestCompare(t *testing.T) {
	tests := []struct {
		name string
		want Outcome
		diff []string
	}{
		{"all as expected", Outcome{Status: "failed", Blocked: []string{"replication", "updates"}, Branches: map[string]bool{"promotion_failed": false},
			Changes: map[string]string{"promote": "succeeded"}, Site: map[string]cty.Value{
				"site/code": cty.StringVal("PS1"), "site_servers": cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")}),
				"content_library/move_progress": cty.StringVal("100"), "post_promotion/promoted_at": cty.NullVal(cty.DynamicPseudoType)}}, nil},
		{"only the outcome", Outcome{Status: "failed"}, nil},
		{"outcome", Outcome{Status: "succeeded"}, []string{`outcome: expected "succeeded", got "failed" (step replication failed: degraded)`}},
		{"not written", Outcome{}, []string{`outcome: expected (not written), got "failed" (write outcome = "failed", or run baton test -update)`}},
		{"blocked", Outcome{Status: "failed", Blocked: []string{"hierarchy", "updates"}},
			[]string{`blocked: expected ["hierarchy", "updates"], got ["replication", "updates"] (did not block: hierarchy; also blocked: replication)`}},
		{"none blocked", Outcome{Status: "failed", Blocked: []string{}},
			[]string{`blocked: expected [], got ["replication", "updates"] (also blocked: replication, updates)`}},
		{"branches", Outcome{Status: "failed", Branches: map[string]bool{"promotion_failed": true, "other": true}},
			[]string{`branches["other"]: expected true, got (did not run)`, `branches["promotion_failed"]: expected true, got false`}},
		{"no branches", Outcome{Status: "failed", Branches: map[string]bool{}},
			[]string{`branches["promotion_failed"]: expected (not listed), got false`}},
		{"changes", Outcome{Status: "failed", Changes: map[string]string{"promote": "failed", "move": "succeeded"}},
			[]string{`changes["move"]: expected "succeeded", got (did not run)`, `changes["promote"]: expected "failed", got "succeeded"`}},
		{"site", Outcome{Status: "failed", Site: map[string]cty.Value{
			"site/code": cty.StringVal("PS2"), "database/up": cty.NullVal(cty.DynamicPseudoType),
			"site_servers":                  cty.TupleVal([]cty.Value{cty.StringVal("b")}),
			"post_promotion/promoted_at":    cty.StringVal("14m0s"),
			"content_library/move_progress": cty.True}},
			[]string{`site["content_library/move_progress"]: expected true, got 100`, `site["database/up"]: expected (absent), got true`,
				`site["post_promotion/promoted_at"]: expected "14m0s", got (absent)`, `site["site/code"]: expected "PS2", got "PS1"`,
				`site["site_servers"]: expected ["b"], got ["a", "b"]`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var diff []string
			for _, m := range Compare(tc.want, got) {
				diff = append(diff, m.String())
			}
			if strings.Join(diff, "\n") != strings.Join(tc.diff, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(diff, "\n"), strings.Join(tc.diff, "\n"))
			}
		})
	}
}

func TestObserve(t *testing.T) {
	rep := &rehearse.Report{
		Status: "backed_out", Reason: "why",
		Timeline: []rehearse.Line{{Step: "promote", Class: "action"}, {Step: "undo", Class: "backout"}, {Step: "tidy", Class: "post"},
			{Step: "later", Class: "action"}, {Step: "check", Class: "check"}},
		Steps:     map[string]string{"promote": "failed", "undo": "succeeded", "tidy": "skipped", "later": "pending", "check": "succeeded"},
		Blocked:   []rehearse.Blocked{{Step: "promote"}, {Step: "check"}, {Step: "promote"}},
		Branches:  []rehearse.Branch{{Decision: "d", Taken: true}},
		FinalSite: sim.State{Site: configmgr.SiteInfo{Code: "PS1"}, At: rehearse.Epoch.Add(time.Hour), Elapsed: time.Hour},
	}
	o := Observe(rep)
	if o.Status != "backed_out" || o.Reason != "why" || strings.Join(o.Blocked, ",") != "check,promote" || !o.Branches["d"] || len(o.Branches) != 1 {
		t.Errorf("%+v", o)
	}
	if len(o.Changes) != 2 || o.Changes["promote"] != "failed" || o.Changes["undo"] != "succeeded" {
		t.Errorf("changes %v", o.Changes)
	}
	if o.Site["site/code"].AsString() != "PS1" {
		t.Errorf("site %v", o.Site)
	}
	if d := Compare(Outcome{Status: "backed_out", Blocked: []string{"promote", "check"}}, o); len(d) != 0 {
		t.Errorf("blocked steps in any order: %v", d)
	}
}
