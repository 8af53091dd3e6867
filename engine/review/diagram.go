package review

import (
	"strings"

	"github.com/batonhq/baton/engine/draw"
	"github.com/batonhq/baton/engine/plan"
)

// Mermaid returns the flowchart of a plan as Mermaid text, written by
// draw.Flowchart from what the plan knows: checks, actions (points of no
// return emphasised), waits, approvals, manual steps and decisions
// (diamonds with yes/no edges) of the forward path; the back-out path
// dashed in its own subgraph; post-tasks in theirs. Steps that will not
// run are greyed, steps that may run dashed. Markdown and HTML reviews
// embed exactly this text.
func Mermaid(p *plan.Plan) string {
	all := p.AllSteps()
	names := make([]string, len(all))
	for i, s := range all {
		names[i] = s.Name
	}
	f := draw.NewFlowchart("n_", names)
	node := func(s *plan.Step) {
		shape, text := shape(s)
		f.Node(s.Name, shape, "", text)
	}
	for _, s := range p.Steps {
		node(s)
	}
	backout := map[string]bool{}
	for _, s := range p.Backout.Steps {
		backout[s.Name] = true
	}
	for _, s := range p.Steps {
		for _, d := range s.Deps {
			if !backout[d] {
				f.Edge(d, s.Name, false, branch(p, d, s))
			}
		}
	}
	if len(p.Backout.Steps) > 0 {
		f.Subgraph("backout", "Back-out (on failure)")
		for _, s := range p.Backout.Steps {
			node(s)
		}
		for i := 1; i < len(p.Backout.Steps); i++ {
			f.Edge(p.Backout.Steps[i-1].Name, p.Backout.Steps[i].Name, true, "")
		}
		f.End()
		for _, s := range p.Backout.Steps {
			if s.Undoes != "" {
				f.Edge(s.Undoes, s.Name, true, "undo")
			}
		}
	}
	if len(p.Post) > 0 {
		f.Subgraph("post", "Post-tasks")
		for _, s := range p.Post {
			node(s)
		}
		f.End()
		for _, s := range p.Post {
			for _, d := range s.Deps {
				f.Edge(d, s.Name, false, "")
			}
		}
	}
	f.ClassDef("pnr", "stroke:#b00020,stroke-width:4px")
	f.ClassDef("may", "stroke-dasharray:5 5")
	f.ClassDef("skipped", "fill:#eeeeee,color:#888888,stroke:#bbbbbb")
	var pnr, may, skipped []string
	for _, s := range all {
		switch s.Action {
		case plan.WillNotRun:
			skipped = append(skipped, s.Name)
		case plan.MayRun:
			may = append(may, s.Name)
		}
		if s.PointOfNoReturn {
			pnr = append(pnr, s.Name)
		}
	}
	f.Class("pnr", pnr)
	f.Class("may", may)
	f.Class("skipped", skipped)
	return f.String()
}

// shape is a step's node shape and label text.
func shape(s *plan.Step) (draw.Shape, string) {
	text := s.Name
	switch s.Class {
	case "check":
		return draw.Stadium, "check: " + text
	case "action", "backout", "post":
		if s.PointOfNoReturn {
			text += " (point of no return)"
		}
		return draw.Rect, s.Class + ": " + text
	case "wait":
		return draw.Hexagon, "wait: " + text
	case "approval":
		return draw.Subroutine, "approval: " + text
	case "manual":
		return draw.Parallelogram, "manual: " + text
	case "decision":
		return draw.Rhombus, text + "?"
	}
	return draw.Rect, text
}

// branch is the label of the edge from dep to s: yes or no when s's
// condition refers to the decision dep, "" otherwise.
func branch(p *plan.Plan, dep string, s *plan.Step) string {
	d := p.Step(dep)
	if d == nil || d.Class != "decision" || s.Condition == "" {
		return ""
	}
	ref := "step." + dep + ".output"
	c := strings.ReplaceAll(s.Condition, " ", "")
	switch {
	case c == "!"+ref || strings.Contains(c, ref+"==false") || strings.Contains(c, "!"+ref+"&&"):
		return "no"
	case strings.Contains(c, ref):
		return "yes"
	}
	return ""
}
