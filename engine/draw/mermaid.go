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
	f.ClassDef("check", "fill:#e3f2fd,stroke:#1565c0,color:#0d47a1")
	f.ClassDef("action", "fill:#ffe0b2,stroke:#e65100,color:#000")
	f.ClassDef("ponr", "fill:#ffcdd2,stroke:#b71c1c,stroke-width:4px,color:#000,font-weight:bold")
	f.ClassDef("wait", "fill:#fff9c4,stroke:#f9a825,color:#000")
	f.ClassDef("approval", "fill:#e8f5e9,stroke:#2e7d32,color:#000")
	f.ClassDef("manual", "fill:#f3e5f5,stroke:#6a1b9a,stroke-dasharray:4 3,color:#000")
	f.ClassDef("decision", "fill:#ede7f6,stroke:#4527a0,color:#000")
	f.ClassDef("backout", "fill:#ffebee,stroke:#b71c1c,stroke-dasharray:5 5,color:#000")
	f.ClassDef("post", "fill:#f1f8e9,stroke:#558b2f,color:#000")
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
	shape, class := Rect, string(s.Class)
	switch s.Class {
	case runbook.ClassCheck, runbook.ClassPost:
		shape = Round
	case runbook.ClassAction:
		if s.PointOfNoReturn {
			shape, class = Subroutine, "ponr"
		}
	case runbook.ClassWait:
		shape = Hexagon
	case runbook.ClassApproval:
		shape = Parallelogram
	case runbook.ClassManual:
		shape = ParallelogramAlt
	case runbook.ClassDecision:
		shape = Rhombus
	}
	f.Node(s.Name, shape, class, lines(rb, s)...)
}
