package draw

import (
	"fmt"
	"strings"

	"github.com/batonhq/baton/engine/runbook"
)

// Dot renders the runbook's steps as a Graphviz digraph. Checks are blue
// rounded boxes, actions orange boxes (points of no return with a thick red
// border), waits hexagons with their timeout, approvals and manual steps
// parallelograms with their approvers, decisions diamonds whose edges say
// yes or no; the back-out path is a dashed cluster and the post-tasks a
// cluster of their own. Output is deterministic.
func Dot(rb *runbook.Runbook) string {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n", dotQuote(rb.Name))
	b.WriteString("  rankdir=TB;\n  compound=true;\n")
	b.WriteString("  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n")
	if rb.Title != "" {
		fmt.Fprintf(&b, "  labelloc=t;\n  label=%s;\n", dotQuote(rb.Title))
	}
	b.WriteString("\n")
	for _, p := range phases(rb) {
		indent := "  "
		if p.title != "" {
			fmt.Fprintf(&b, "\n  subgraph %s {\n    label=%s;\n    style=%s;\n    color=%q;\n",
				p.dotID, dotQuote(p.title), p.style, p.color)
			indent = "    "
		}
		for _, s := range p.steps {
			dotNode(&b, rb, s, indent)
		}
		if p.title != "" {
			b.WriteString("  }\n")
		}
	}
	b.WriteString("\n")
	for _, s := range rb.Steps {
		for _, d := range s.Deps {
			var attrs []string
			if l := edgeLabel(rb, s, d); l != "" {
				attrs = append(attrs, "label="+dotQuote(l))
			}
			if s.Class == runbook.ClassBackout {
				attrs = append(attrs, "style=dashed")
			}
			dotEdge(&b, d, s.Name, attrs)
		}
		if s.Undoes != "" {
			dotEdge(&b, s.Undoes, s.Name, []string{"style=dashed", "color=\"#b71c1c\"", "label=\"undo\""})
		}
	}
	b.WriteString("}\n")
	return b.String()
}

func dotEdge(b *strings.Builder, from, to string, attrs []string) {
	fmt.Fprintf(b, "  %s -> %s", dotQuote(from), dotQuote(to))
	if len(attrs) > 0 {
		fmt.Fprintf(b, " [%s]", strings.Join(attrs, ", "))
	}
	b.WriteString(";\n")
}

func dotNode(b *strings.Builder, rb *runbook.Runbook, s *runbook.Step, indent string) {
	l := lookOf(s)
	attrs := "label=" + dotQuote(strings.Join(lines(rb, s), "\n"))
	if l.dot != "" {
		attrs += fmt.Sprintf(`, %s, fillcolor="%s", color="%s"`, l.dot, l.fill, l.stroke)
	}
	if l.class == "ponr" {
		attrs += ", penwidth=3"
	}
	fmt.Fprintf(b, "%s%s [%s];\n", indent, dotQuote(s.Name), attrs)
}

var dotEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", "")

// dotQuote quotes a DOT string; newlines become \n line breaks.
func dotQuote(s string) string { return `"` + dotEscaper.Replace(s) + `"` }
