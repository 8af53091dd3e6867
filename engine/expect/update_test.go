package expect

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/batonhq/baton/internal/golden"
	"github.com/zclconf/go-cty/cty"
)

// observed are outcomes as Observe gives them: every field, every fact.
func observed() map[string]Outcome {
	site := map[string]cty.Value{
		"site/code": cty.StringVal("PS1"), "site/type": cty.StringVal("primary"), "site/active_server": cty.StringVal("cm01.contoso.com"),
		"database/up": cty.True, "site_servers": cty.ListVal([]cty.Value{cty.StringVal("cm01.contoso.com")}),
		"site_server/cm01.contoso.com/mode": cty.StringVal("active"), "site_server/cm01.contoso.com/status": cty.StringVal("OK"),
		"site_server/cm01.contoso.com/detail": cty.StringVal(""), "server/cm01.contoso.com/online": cty.True,
		"content_library/location": cty.StringVal(`\\fs01\cmcontent\PS1`), "content_library/move_status": cty.StringVal(""),
		"replication/SS1->PS1/Secondary Site Data": cty.StringVal("degraded"),
		"distributions": cty.ListValEmpty(cty.String), "operations": cty.ListValEmpty(cty.String),
		"post_promotion/dp_certificates_to_reimport": cty.ListValEmpty(cty.String), "post_promotion/store_for_business_disconnected": cty.False,
		"post_promotion/packages_to_redistribute": cty.ListValEmpty(cty.String), "post_promotion/secondaries_to_reinitialize": cty.ListValEmpty(cty.String),
		"post_promotion/client_folder_wrong": cty.False,
	}
	return map[string]Outcome{
		"healthy":          {Status: "succeeded", Blocked: []string{}, Branches: map[string]bool{"promotion_failed": false}, Changes: map[string]string{"promote": "succeeded"}, Site: site},
		"degraded":         {Status: "failed", Blocked: []string{"replication"}, Branches: map[string]bool{}, Changes: map[string]string{}, Site: site},
		"contoso/sql-down": {Status: "failed", Blocked: []string{"hierarchy", "site"}, Branches: map[string]bool{}, Changes: map[string]string{}, Site: site},
	}
}

// TestRewrite: -update's rewrite of a file, against a golden; the result
// parses and expects exactly what happened.
func TestRewrite(t *testing.T) {
	for _, eol := range []string{"\n", "\r\n"} {
		src, err := os.ReadFile(filepath.Join("testdata", "rewrite.in.hcl"))
		if err != nil {
			t.Fatal(err)
		}
		src = bytes.ReplaceAll(src, []byte("\n"), []byte(eol))
		f, diags := Parse(src, "rewrite.in.hcl")
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		if m := f.Missing("contoso", []string{"healthy", "sql-down", "secondary-replication-degraded"}); len(m) != 1 || m[0] != "sql-down" {
			t.Fatalf("missing %v", m)
		}
		f.AddCase("contoso", "sql-down")
		got := observed()
		out, err := Rewrite(f, got)
		if err != nil {
			t.Fatal(err)
		}
		if eol == "\n" {
			golden.Check(t, filepath.Join("testdata", "rewrite.golden"), out)
		} else if n, crlf := bytes.Count(out, []byte("\n")), bytes.Count(out, []byte("\r\n")); n != crlf {
			t.Errorf("%d of %d line ends are CRLF", crlf, n)
		}
		g, diags := Parse(out, "rewritten.hcl")
		if diags.HasErrors() {
			t.Fatalf("the rewritten file does not parse: %s\n%s", diags, out)
		}
		if again, err := Rewrite(g, got); err != nil || !bytes.Equal(again, out) {
			t.Errorf("a second rewrite changes the file (%v):\n%s", err, again)
		}
		for _, c := range g.Cases {
			o, ok := got[c.Name]
			if !ok {
				continue
			}
			if d := Compare(c.Want, o); len(d) != 0 {
				t.Errorf("%s: the rewritten case does not expect what happened: %v", c.Name, d)
			}
		}
	}
}

// TestRewriteEscapes: a case whose name has escapes is rewritten in place,
// not added again.
func TestRewriteEscapes(t *testing.T) {
	src := "fixture = \"c\"\ncase \"$${x} %%{y} \\\" \\u00e9\" {\n  scenario = \"s\"\n}\n"
	f, diags := Parse([]byte(src), "x.expect.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	name := f.Cases[0].Name
	if name != "${x} %{y} \" \u00e9" {
		t.Fatalf("name %q", name)
	}
	f.AddCase("c", "t")
	out, err := Rewrite(f, map[string]Outcome{name: {Status: "failed"}, "c/t": {Status: "paused"}})
	if err != nil {
		t.Fatal(err)
	}
	g, diags := Parse(out, "x.expect.hcl")
	if diags.HasErrors() || len(g.Cases) != 2 || g.Cases[0].Name != name || g.Cases[0].Want.Status != "failed" || g.Cases[1].Want.Status != "paused" {
		t.Fatalf("%v\n%s", diags, out)
	}
}

func TestAddCaseNames(t *testing.T) {
	f := &File{Path: "x.expect.hcl", Cases: []*Case{{Name: "contoso/healthy"}}}
	if c := f.AddCase("contoso", "healthy"); c.Name != "contoso/healthy 2" || !c.New || !c.Answers.All {
		t.Errorf("%+v", c)
	}
}

func TestPaths(t *testing.T) {
	f := &File{Path: filepath.Join("team", "rb", "planned.expect.hcl")}
	if p := f.RunbookPath(); p != filepath.Join("team", "rb", "planned.hcl") {
		t.Errorf("default runbook %s", p)
	}
	f.Runbook = "../planned_promotion.hcl"
	if p := f.RunbookPath(); p != filepath.Join("team", "planned_promotion.hcl") {
		t.Errorf("runbook %s", p)
	}
	abs, _ := filepath.Abs("x.hcl")
	if p := f.Rel(abs); p != abs {
		t.Errorf("absolute %s", p)
	}
}
