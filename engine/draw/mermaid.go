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
	main, back, post := byPhase(rb)
	for _, s := range main {
		mermaidNode(f, rb, s)
	}
	if len(back) > 0 {
		f.Subgraph("backout_path", "Back-out path")
		for _, s := range back {
			mermaidNode(f, rb, s)
		}
		f.End()
	}
	if len(post) > 0 {
		f.Subgraph("post_tasks", "Post-tasks")
		for _, s := range post {
			mermaidNode(f, rb, s)
		}
		f.End()
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

func mermaidNode(f *Flowchart, rb *runbook.Runbook, s *runbook.Step) {
	l := lookOf(s)
	f.Node(s.Name, l.shape, l.class, lines(rb, s)...)
}
