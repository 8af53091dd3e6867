package draw

import (
	"github.com/batonhq/baton/engine/runbook"
)

// Mermaid renders the runbook's steps as a Mermaid (v11) flowchart, with
// the same conventions as Dot: a shape and a class per kind of step, a
// "ponr" class for points of no return, yes/no edges out of decisions,
// dashed edges and a subgraph for the back-out path, a subgraph for the
// post-tasks.
func Mermaid(rb *runbook.Runbook) string {
	names := make([]string, len(rb.Steps))
	for i, s := range rb.Steps {
		names[i] = s.Name
	}
	f := NewFlowchart("s_", names)
	for _, l := range looks {
		f.ClassDef(l.class, "fill:"+l.fill+",stroke:"+l.stroke+","+l.mermaid)
	}
	for _, p := range phases(rb) {
		if p.title != "" {
			f.Subgraph(p.mermaidID, p.title)
		}
		for _, s := range p.steps {
			l := lookOf(s)
			f.Node(s.Name, l.shape, l.class, lines(rb, s)...)
		}
		if p.title != "" {
			f.End()
		}
	}
	for _, s := range rb.Steps {
		for _, d := range s.Deps {
			f.Edge(d, s.Name, s.Class == runbook.ClassBackout, edgeLabel(rb, s, d))
		}
		if s.Undoes != "" {
			f.Edge(s.Undoes, s.Name, true, "undo")
		}
	}
	return f.String()
}
