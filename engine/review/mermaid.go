package review

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/engine/runbook"
)

// Mermaid returns the flowchart of a plan as Mermaid text: checks, actions
// (points of no return emphasised), waits, approvals, manual steps and
// decisions (diamonds with yes/no edges) of the forward path; the back-out
// path dashed in its own subgraph; post-tasks in theirs. Steps that will
// not run are greyed, steps that may run dashed. Markdown and HTML reviews
// embed exactly this text. rb may be nil (edges to decisions are then
// unlabelled).
func Mermaid(p *plan.Plan, rb *runbook.Runbook) string {
	var b strings.Builder
	ids := nodeIDs(p)
	b.WriteString("flowchart TD\n")
	node := func(indent string, s *plan.Step) {
		fmt.Fprintf(&b, "%s%s%s\n", indent, ids[s.Name], shape(s))
	}
	for _, s := range p.Steps {
		node("  ", s)
	}
	for _, s := range p.Steps {
		for _, d := range s.Deps {
			if _, ok := ids[d]; !ok || isBackout(p, d) {
				continue
			}
			fmt.Fprintf(&b, "  %s %s %s\n", ids[d], arrow(p, rb, d, s), ids[s.Name])
		}
	}
	if len(p.Backout.Steps) > 0 {
		b.WriteString("  subgraph backout[\"Back-out (on failure)\"]\n")
		for _, s := range p.Backout.Steps {
			node("    ", s)
		}
		for i := 1; i < len(p.Backout.Steps); i++ {
			fmt.Fprintf(&b, "    %s -.-> %s\n", ids[p.Backout.Steps[i-1].Name], ids[p.Backout.Steps[i].Name])
		}
		b.WriteString("  end\n")
		for _, s := range p.Backout.Steps {
			if s.Undoes != "" {
				if id, ok := ids[s.Undoes]; ok {
					fmt.Fprintf(&b, "  %s -.->|undo| %s\n", id, ids[s.Name])
				}
			}
		}
	}
	if len(p.Post) > 0 {
		b.WriteString("  subgraph post[\"Post-tasks\"]\n")
		for _, s := range p.Post {
			node("    ", s)
		}
		b.WriteString("  end\n")
		for _, s := range p.Post {
			for _, d := range s.Deps {
				if id, ok := ids[d]; ok {
					fmt.Fprintf(&b, "  %s --> %s\n", id, ids[s.Name])
				}
			}
		}
	}
	b.WriteString("  classDef pnr stroke:#b00020,stroke-width:4px\n")
	b.WriteString("  classDef may stroke-dasharray:5 5\n")
	b.WriteString("  classDef skipped fill:#eeeeee,color:#888888,stroke:#bbbbbb\n")
	var pnr, may, skipped []string
	for _, s := range p.AllSteps() {
		switch {
		case s.Action == plan.WillNotRun:
			skipped = append(skipped, ids[s.Name])
		case s.Action == plan.MayRun:
			may = append(may, ids[s.Name])
		}
		if s.PointOfNoReturn {
			pnr = append(pnr, ids[s.Name])
		}
	}
	for _, c := range []struct {
		name string
		ids  []string
	}{{"pnr", pnr}, {"may", may}, {"skipped", skipped}} {
		if len(c.ids) > 0 {
			fmt.Fprintf(&b, "  class %s %s\n", strings.Join(c.ids, ","), c.name)
		}
	}
	return b.String()
}

func isBackout(p *plan.Plan, name string) bool {
	for _, s := range p.Backout.Steps {
		if s.Name == name {
			return true
		}
	}
	return false
}

var unsafeID = regexp.MustCompile(`[^A-Za-z0-9_]`)

// nodeIDs gives every step a Mermaid node id: "n_" and the name with
// anything but letters, digits and underscores replaced, made unique.
func nodeIDs(p *plan.Plan) map[string]string {
	ids := map[string]string{}
	used := map[string]bool{}
	for _, s := range p.AllSteps() {
		base := "n_" + unsafeID.ReplaceAllString(s.Name, "_")
		id := base
		for i := 2; used[id]; i++ {
			id = fmt.Sprintf("%s_%d", base, i)
		}
		used[id] = true
		ids[s.Name] = id
	}
	return ids
}

// label escapes text for a quoted Mermaid label: quotes and markup
// characters become Mermaid entity codes.
func label(s string) string {
	r := strings.NewReplacer(
		`#`, "#35;", `"`, "#quot;", `<`, "#lt;", `>`, "#gt;", `&`, "#amp;",
		"\n", " ", "\r", " ", "`", "#96;", `|`, "#124;", `[`, "#91;", `]`, "#93;",
		`{`, "#123;", `}`, "#125;",
	)
	return `"` + r.Replace(s) + `"`
}

// shape is a step's node shape and label.
func shape(s *plan.Step) string {
	text := s.Name
	switch s.Class {
	case "check":
		return "([" + label("check: "+text) + "])"
	case "action", "backout", "post":
		if s.PointOfNoReturn {
			text += " (point of no return)"
		}
		return "[" + label(s.Class+": "+text) + "]"
	case "wait":
		return "{{" + label("wait: "+text) + "}}"
	case "approval":
		return "[[" + label("approval: "+text) + "]]"
	case "manual":
		return "[/" + label("manual: "+text) + "/]"
	case "decision":
		return "{" + label(text+"?") + "}"
	}
	return "[" + label(text) + "]"
}

// arrow is the edge from dep to s: labelled yes or no when s's condition
// refers to the decision dep.
func arrow(p *plan.Plan, rb *runbook.Runbook, dep string, s *plan.Step) string {
	d := p.Step(dep)
	if d == nil || d.Class != "decision" || s.Condition == "" {
		return "-->"
	}
	ref := "step." + dep + ".output"
	c := strings.ReplaceAll(s.Condition, " ", "")
	switch {
	case c == "!"+ref || strings.Contains(c, ref+"==false") || strings.Contains(c, "!"+ref+"&&") || strings.HasPrefix(c, "!"+ref+"&&"):
		return "-->|no|"
	case strings.Contains(c, ref):
		return "-->|yes|"
	}
	return "-->"
}
