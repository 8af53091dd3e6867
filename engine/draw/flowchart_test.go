package draw

import (
	"regexp"
	"strings"
	"testing"
)

func TestLabel(t *testing.T) {
	for _, c := range []struct {
		name  string
		lines []string
		want  string
	}{
		{"plain", []string{"promote"}, `"promote"`},
		{"lines", []string{"promote", "action: site_action"}, `"promote<br/>action: site_action"`},
		{"quotes", []string{`say "hi"`}, `"say #quot;hi#quot;"`},
		{"brackets and braces", []string{`check_dp["dp1.contoso.com"] {c} (a||b)`}, `"check_dp#91;#quot;dp1.contoso.com#quot;#93; #123;c#125; (a||b)"`},
		{"newlines", []string{"one\ntwo\r\nthree\rfour"}, `"one two three four"`},
		{"markup and entities", []string{"<b>a & b</b> #1 `x`"}, `"#lt;b#gt;a #amp; b#lt;/b#gt; #35;1 #96;x#96;"`},
		{"entity text is not an entity", []string{"#quot;"}, `"#35;quot;"`},
		{"no lines", nil, `""`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Label(c.lines...); got != c.want {
				t.Errorf("Label(%q) = %s, want %s", c.lines, got, c.want)
			}
		})
	}
}

var safeID = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

func TestFlowchartIDs(t *testing.T) {
	names := []string{
		`check_dp["dp1.contoso.com"]`, `check_dp["dp1_contoso_com"]`, "check_dp__dp1_contoso_com__",
		"a.b", "a_b", "a-b", "end", "graph", `x"]; click s_a "javascript:alert(1)`, "héllo", "",
	}
	for _, c := range []struct {
		name, id string
	}{
		{`check_dp["dp1.contoso.com"]`, "s_check_dp__dp1_contoso_com__"},
		{`check_dp["dp1_contoso_com"]`, "s_check_dp__dp1_contoso_com___2"},
		{"check_dp__dp1_contoso_com__", "s_check_dp__dp1_contoso_com___3"},
		{"a.b", "s_a_b"},
		{"a_b", "s_a_b_2"},
		{"a-b", "s_a_b_3"},
		{"end", "s_end"},
		{"héllo", "s_h_llo"},
		{"", "s_"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := NewFlowchart("s_", names).ids[c.name]; got != c.id {
				t.Errorf("ID(%q) = %q, want %q", c.name, got, c.id)
			}
		})
	}
	f := NewFlowchart("s_", append(names, names...))
	seen := map[string]string{}
	for _, n := range names {
		id := f.ids[n]
		if !safeID.MatchString(id) {
			t.Errorf("ID(%q) = %q is not a safe Mermaid id", n, id)
		}
		if o, dup := seen[id]; dup {
			t.Errorf("%q and %q share the id %s", o, n, id)
		}
		seen[id] = n
	}
	if _, ok := f.ids["missing"]; ok {
		t.Error("a name not given has an id")
	}
}

func TestFlowchart(t *testing.T) {
	dp := `check_dp["dp1.contoso.com"]`
	f := NewFlowchart("n_", []string{"decide", dp, "undo", "post"})
	f.ClassDef("may", "stroke-dasharray:5 5")
	f.Node("decide", Rhombus, "", "decide?")
	f.Node(dp, Stadium, "check", dp, "check: site_fact")
	f.Edge("decide", dp, false, "yes")
	f.Edge("decide", "missing", false, "")
	f.Edge("missing", dp, false, "")
	f.Subgraph("backout", `Back-out "now"`)
	f.Node("undo", Rect, "", "undo")
	f.Subgraph("inner", "Inner")
	f.Node("post", Round, "", "post")
	f.End()
	f.End()
	f.Edge(dp, "undo", true, "undo")
	f.Edge(dp, "post", true, `a|b`)
	f.Class("may", []string{dp, "missing", "post"})
	f.Class("skipped", nil)
	want := `flowchart TD
  classDef may stroke-dasharray:5 5
  n_decide{"decide?"}
  n_check_dp__dp1_contoso_com__(["check_dp#91;#quot;dp1.contoso.com#quot;#93;<br/>check: site_fact"]):::check
  n_decide -->|yes| n_check_dp__dp1_contoso_com__
  subgraph backout["Back-out #quot;now#quot;"]
    n_undo["undo"]
    subgraph inner["Inner"]
      n_post("post")
    end
  end
  n_check_dp__dp1_contoso_com__ -.->|undo| n_undo
  n_check_dp__dp1_contoso_com__ -.->|"a#124;b"| n_post
  class n_check_dp__dp1_contoso_com__,n_post may
`
	if got := f.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	for _, s := range []Shape{Rect, Round, Stadium, Subroutine, Hexagon, Rhombus, Parallelogram, ParallelogramAlt} {
		f := NewFlowchart("n_", []string{"x"})
		f.Node("x", s, "")
		line := strings.TrimPrefix(strings.Split(f.String(), "\n")[1], "  n_x")
		if d := delims[s]; line != d[0]+`""`+d[1] {
			t.Errorf("shape %d: %s", s, line)
		}
	}
}
