// Package draw renders a runbook's step graph for people: Graphviz DOT and
// Mermaid (v11) flowcharts in which every class of step looks different,
// decisions branch with yes/no edges, points of no return stand out, and
// the back-out path and the post-tasks are drawn apart.
package draw

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/batonhq/baton/engine/runbook"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// branch tells whether step s's when is exactly decision d's output
// ("yes") or its negation ("no"); "" otherwise.
func branch(s *runbook.Step, d string) string {
	if s.When == nil {
		return ""
	}
	e, answer := s.When, "yes"
	if p, ok := e.(*hclsyntax.ParenthesesExpr); ok {
		e = p.Expression
	}
	if u, ok := e.(*hclsyntax.UnaryOpExpr); ok && u.Op == hclsyntax.OpLogicalNot {
		e, answer = u.Val, "no"
	}
	t, diags := hcl.AbsTraversalForExpr(e)
	if diags.HasErrors() || len(t) != 3 || t.RootName() != "step" {
		return ""
	}
	a1, ok1 := t[1].(hcl.TraverseAttr)
	a2, ok2 := t[2].(hcl.TraverseAttr)
	if !ok1 || !ok2 || a1.Name != d || a2.Name != "output" {
		return ""
	}
	return answer
}

// look is how one class of step is drawn, in both languages: its colours,
// its Mermaid shape and other style, its DOT shape and style. Points of no
// return have a look of their own, "ponr".
type look struct {
	class        string
	shape        Shape
	dot          string
	fill, stroke string
	mermaid      string
}

// looks are in the order of the Mermaid class definitions.
var looks = []look{
	{"check", Round, `shape=box, style="rounded,filled"`, "#e3f2fd", "#1565c0", "color:#0d47a1"},
	{"action", Rect, "shape=box, style=filled", "#ffe0b2", "#e65100", "color:#000"},
	{"ponr", Subroutine, `shape=box, style="filled,bold"`, "#ffcdd2", "#b71c1c", "stroke-width:4px,color:#000,font-weight:bold"},
	{"wait", Hexagon, "shape=hexagon, style=filled", "#fff9c4", "#f9a825", "color:#000"},
	{"approval", Parallelogram, "shape=parallelogram, style=filled", "#e8f5e9", "#2e7d32", "color:#000"},
	{"manual", ParallelogramAlt, `shape=parallelogram, style="filled,dashed"`, "#f3e5f5", "#6a1b9a", "stroke-dasharray:4 3,color:#000"},
	{"decision", Rhombus, "shape=diamond, style=filled", "#ede7f6", "#4527a0", "color:#000"},
	{"backout", Rect, `shape=box, style="dashed,filled"`, "#ffebee", "#b71c1c", "stroke-dasharray:5 5,color:#000"},
	{"post", Round, `shape=box, style="rounded,filled"`, "#f1f8e9", "#558b2f", "color:#000"},
}

// lookOf is the look of step s; a plain rectangle for an unknown class.
func lookOf(s *runbook.Step) look {
	class := string(s.Class)
	if s.Class == runbook.ClassAction && s.PointOfNoReturn {
		class = "ponr"
	}
	if i := slices.IndexFunc(looks, func(l look) bool { return l.class == class }); i >= 0 {
		return looks[i]
	}
	return look{class: class}
}

// edgeLabel is the label of the edge dep -> s.
func edgeLabel(rb *runbook.Runbook, s *runbook.Step, dep string) string {
	if d := rb.Step(dep); d != nil && d.Class == runbook.ClassDecision {
		return branch(s, dep)
	}
	return ""
}

// lines returns the label lines of a step.
func lines(rb *runbook.Runbook, s *runbook.Step) []string {
	out := []string{s.Name}
	switch s.Class {
	case runbook.ClassAction:
		kind := "action"
		if s.Uses != "" {
			kind += ": " + s.Uses
		}
		out = append(out, kind)
		if s.PointOfNoReturn {
			out = append(out, "POINT OF NO RETURN")
		}
	case runbook.ClassCheck, runbook.ClassBackout, runbook.ClassPost:
		out = append(out, string(s.Class)+": "+s.Uses)
	case runbook.ClassWait:
		out = append(out, "wait: "+s.Uses, "timeout "+dur(s.Timeout))
	case runbook.ClassApproval, runbook.ClassManual:
		l := string(s.Class)
		if len(s.Approvers) > 0 {
			l += fmt.Sprintf(" (%d of %s)", s.MinApprovals, strings.Join(s.Approvers, ", "))
		}
		out = append(out, l)
	case runbook.ClassDecision:
		out = append(out, "decision")
	}
	if s.When != nil && !isBranch(rb, s) {
		out = append(out, "when "+exprText(rb, s.When))
	}
	return out
}

func isBranch(rb *runbook.Runbook, s *runbook.Step) bool {
	return slices.ContainsFunc(s.Deps, func(d string) bool { return edgeLabel(rb, s, d) != "" })
}

// phase is a part of the drawing: the main procedure, or the back-out
// path or the post-tasks, each drawn apart in a titled subgraph.
type phase struct {
	title               string // "" for the main procedure
	dotID, style, color string
	mermaidID           string
	steps               []*runbook.Step
}

// phases splits the steps, in declaration order, into the main procedure
// and, if they have any steps, the back-out path and the post-tasks.
func phases(rb *runbook.Runbook) []phase {
	ps := []phase{{},
		{title: "Back-out path", dotID: "cluster_backout", style: "dashed", color: "#b71c1c", mermaidID: "backout_path"},
		{title: "Post-tasks", dotID: "cluster_post", style: "rounded", color: "#2e7d32", mermaidID: "post_tasks"},
	}
	for _, s := range rb.Steps {
		i := 0
		switch s.Class {
		case runbook.ClassBackout:
			i = 1
		case runbook.ClassPost:
			i = 2
		}
		ps[i].steps = append(ps[i].steps, s)
	}
	return slices.DeleteFunc(ps, func(p phase) bool { return p.title != "" && len(p.steps) == 0 })
}

// exprText is an expression's source text, on one line, shortened for a
// graph label.
func exprText(rb *runbook.Runbook, e hcl.Expression) string {
	t := []rune(rb.ExprText(e))
	if len(t) > 60 {
		return string(t[:57]) + "..."
	}
	return string(t)
}

func dur(d time.Duration) string {
	if d == 0 {
		return "none"
	}
	s := d.String() // 45m0s, 1h0m0s, 1h30m0s, 10s
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
