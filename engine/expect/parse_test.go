package expect

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/engine/rehearse"
	"github.com/zclconf/go-cty/cty"
)

const full = `# every attribute
runbook          = "../planned_promotion.hcl"
fixture          = "contoso"
all_scenarios_of = ["contoso"]

case "healthy" {
  scenario       = "healthy"
  vars           = { update_quiet_period = "1d", tolerated_critical_components = ["SMS_X"], n = 3 }
  approval_delay = "15m"
  approvals      = "answers.json"

  answer "cab" {
    by       = "cab-chair"
    decision = "approved"
    after    = "20m"
    comment  = "CAB-1"
  }
  answer "cab" {
    by       = "configmgr-service-owner"
    decision = "rejected"
  }

  outcome  = "succeeded"
  blocked  = ["b", "a"]
  branches = { promotion_failed = false }
  changes  = { promote = "succeeded" }
  site = {
    "site_server/cm02.contoso.com/mode" = "active"
    "post_promotion/promoted_at"        = null
    site_servers                        = ["cm01", "cm02"]
    "content_library/move_progress"     = 100
  }
}

case "other" {
  fixture     = "fabrikam-cas"
  scenario    = "healthy"
  approve_all = false
}
`

func TestParse(t *testing.T) {
	for _, eol := range []string{"\n", "\r\n"} {
		f, diags := Parse([]byte(strings.ReplaceAll(full, "\n", eol)), "x.expect.hcl")
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		if f.Runbook != "../planned_promotion.hcl" || f.Fixture != "contoso" || !reflect.DeepEqual(f.AllScenariosOf, []string{"contoso"}) || len(f.Cases) != 2 {
			t.Fatalf("file %+v", f)
		}
		c := f.Cases[0]
		wantVars := map[string]string{"update_quiet_period": "1d", "tolerated_critical_components": `["SMS_X"]`, "n": "3"}
		if c.Name != "healthy" || c.Fixture != "contoso" || c.Scenario != "healthy" || !reflect.DeepEqual(c.Vars, wantVars) {
			t.Errorf("case %+v", c)
		}
		wantAnswers := map[string][]rehearse.Answer{"cab": {
			{By: "cab-chair", Decision: "approved", After: 20 * time.Minute, Comment: "CAB-1"},
			{By: "configmgr-service-owner", Decision: "rejected"}}}
		if !c.Answers.All || c.Answers.Delay != 15*time.Minute || c.Answers.File != "answers.json" || !reflect.DeepEqual(c.Answers.Steps, wantAnswers) {
			t.Errorf("answers %+v", c.Answers)
		}
		w := c.Want
		if w.Status != "succeeded" || !reflect.DeepEqual(w.Blocked, []string{"a", "b"}) ||
			!reflect.DeepEqual(w.Branches, map[string]bool{"promotion_failed": false}) ||
			!reflect.DeepEqual(w.Changes, map[string]string{"promote": "succeeded"}) || len(w.Site) != 4 {
			t.Errorf("want %+v", w)
		}
		if !w.Site["post_promotion/promoted_at"].IsNull() || !w.Site["content_library/move_progress"].Equals(cty.NumberIntVal(100)).True() {
			t.Errorf("site %#v", w.Site)
		}
		o := f.Cases[1]
		if o.Fixture != "fabrikam-cas" || o.Answers.All || o.Want.Blocked != nil || o.Want.Branches != nil || o.Want.Site != nil || o.Want.Status != "" {
			t.Errorf("other %+v", o)
		}
		if c.Range.Start.Line != 6 || c.Range.Filename != "x.expect.hcl" {
			t.Errorf("range %v", c.Range)
		}
	}
}

// TestParseErrors: each mistake is an error at its place, saying what to
// write instead.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // "line:col: summary"
	}{
		{"unknown attribute", "owner = \"x\"\ncase \"a\" {\n  fixture = \"c\"\n  scenario = \"s\"\n  outcom = \"failed\"\n}\n",
			[]string{"1:1: Unsupported argument", "5:3: Unsupported argument"}},
		{"unknown block", "check \"a\" {}\n", []string{"1:1: Unsupported block type"}},
		{"no cases", "runbook = \"a.hcl\"\n", []string{"No cases"}},
		{"no scenario", "case \"a\" {\n  fixture = \"c\"\n}\n", []string{"1:10: Missing required argument"}},
		{"no fixture", "case \"a\" {\n  scenario = \"s\"\n}\n", []string{"1:1: No fixture"}},
		{"empty name", "fixture = \"c\"\ncase \"\" {\n  scenario = \"s\"\n}\n", []string{"2:6: Empty case name"}},
		{"duplicate case", "fixture = \"c\"\ncase \"a\" {\n  scenario = \"s\"\n}\ncase \"a\" {\n  scenario = \"t\"\n}\n", []string{"5:6: Duplicate case"}},
		{"bad outcome", "fixture = \"c\"\ncase \"a\" {\n  scenario = \"s\"\n  outcome = \"won\"\n}\n", []string{"4:13: Unknown outcome"}},
		{"bad blocked", "fixture = \"c\"\ncase \"a\" {\n  scenario = \"s\"\n  blocked = \"x\"\n}\n", []string{"4:13: Invalid blocked"}},
		{"duplicate blocked", "fixture = \"c\"\ncase \"a\" {\n  scenario = \"s\"\n  blocked = [\"x\", \"x\"]\n}\n", []string{"4:13: Duplicate step"}},
		{"thrice blocked", "fixture = \"c\"\ncase \"a\" {\n  scenario = \"s\"\n  blocked = [\"x\", \"x\", \"x\"]\n}\n", []string{"4:13: Duplicate step"}},
		{"bad branch", "fixture = \"c\"\ncase \"a\" {\n  scenario = \"s\"\n  branches = { d = \"yes\" }\n}\n", []string{"4:16: Invalid branch"}},
		{"branches not an object", "fixture = \"c\"\ncase \"a\" {\n  scenario = \"s\"\n  branches = [true]\n}\n", []string{"4:14: Invalid branches"}},
		{"bad change", "fixture = \"c\"\ncase \"a\" {\n  scenario = \"s\"\n  changes = { d = [1] }\n}\n", []string{"4:15: Invalid change"}},
		{"unknown fact", "fixture = \"c\"\ncase \"a\" {\n  scenario = \"s\"\n  site = {\n    \"server/x\" = true\n  }\n}\n", []string{"5:5: Unknown site fact"}},
		{"bad fact value", "fixture = \"c\"\ncase \"a\" {\n  scenario = \"s\"\n  site = { \"site/code\" = { a = 1 } }\n}\n", []string{"4:12: Invalid site fact"}},
		{"duplicate fact", "fixture = \"c\"\ncase \"a\" {\n  scenario = \"s\"\n  site = { \"site/code\" = \"a\", \"site/code\" = \"b\" }\n}\n", []string{"4:31: Duplicate key"}},
		{"variable", "fixture = \"c\"\ncase \"a\" {\n  scenario = var.s\n}\n", []string{"3:14: Variables not allowed"}},
		{"function", "fixture = \"c\"\ncase \"a\" {\n  scenario = upper(\"s\")\n}\n", []string{"3:14: Function calls not allowed"}},
		{"null var", "fixture = \"c\"\ncase \"a\" {\n  scenario = \"s\"\n  vars = { a = null }\n}\n", []string{"4:12: Invalid vars"}},
		{"bad delay", "fixture = \"c\"\ncase \"a\" {\n  scenario = \"s\"\n  approval_delay = \"soon\"\n}\n", []string{"4:20: Invalid approval_delay"}},
		{"delay without all", "fixture = \"c\"\ncase \"a\" {\n  scenario = \"s\"\n  approve_all = false\n  approval_delay = \"1m\"\n}\n", []string{"5:20: approval_delay without approve_all"}},
		{"bad approve_all", "fixture = \"c\"\ncase \"a\" {\n  scenario = \"s\"\n  approve_all = \"maybe\"\n}\n", []string{"4:17: Invalid approve_all"}},
		{"bad answer", "fixture = \"c\"\ncase \"a\" {\n  scenario = \"s\"\n  answer \"cab\" {\n    decision = \"maybe\"\n    after = \"-1m\"\n    when = 1\n  }\n}\n",
			[]string{"4:16: Missing required argument", "7:5: Unsupported argument", "5:16: Invalid decision", "6:13: Invalid after"}},
		{"syntax", "case \"a\" {\n  scenario = \n}\n", []string{"2:14: Invalid expression"}},
		{"too deep", "case \"a\" {\n  scenario = " + strings.Repeat("[", 300) + "\n}\n", []string{"2:"}},
		{"not utf-8", "case \"a\" {\n  scenario = \"\xff\"\n}\n", []string{"2:15: Invalid character encoding"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, diags := Parse([]byte(tc.src), "bad.expect.hcl")
			if f != nil || !diags.HasErrors() {
				t.Fatalf("parsed: %+v", f)
			}
			var got []string
			for _, d := range diags {
				pos := ""
				if d.Subject != nil {
					if d.Subject.Filename != "bad.expect.hcl" {
						t.Errorf("diagnostic in %q", d.Subject.Filename)
					}
					pos = strings.TrimPrefix(d.Subject.String(), "bad.expect.hcl:")
					pos, _, _ = strings.Cut(pos, "-")
					pos = strings.Replace(pos, ",", ":", 1) + ": "
				}
				got = append(got, pos+d.Summary)
				if d.Detail == "" {
					t.Errorf("%s: no detail", d.Summary)
				}
			}
			joined := strings.Join(got, "\n")
			for _, w := range tc.want {
				if n, want := strings.Count(joined, w), strings.Count(strings.Join(tc.want, "\n"), w); n != want {
					t.Errorf("has %q %d times, want %d:\n%s", w, n, want, joined)
				}
			}
		})
	}
}
