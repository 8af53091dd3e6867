package draw

import (
	"fmt"
	"strings"

	"github.com/batonhq/baton/engine/runbook"
)

// Mermaid renders the runbook's steps as a Mermaid (v11) flowchart, with
// the same conventions as Dot: a shape and a class per kind of step, a
// "ponr" class for points of no return, yes/no edges out of decisions,
// dashed edges and a subgraph for the back-out path, a subgraph for the
// post-tasks. Node ids are sanitised step names; labels are quoted and
// escaped.
func Mermaid(rb *runbook.Runbook) string {
	ids := mermaidIDs(rb)
	var b strings.Builder
	b.WriteString("flowchart TD\n")
	b.WriteString("  classDef check fill:#e3f2fd,stroke:#1565c0,color:#0d47a1\n")
	b.WriteString("  classDef action fill:#ffe0b2,stroke:#e65100,color:#000\n")
	b.WriteString("  classDef ponr fill:#ffcdd2,stroke:#b71c1c,stroke-width:4px,color:#000,font-weight:bold\n")
	b.WriteString("  classDef wait fill:#fff9c4,stroke:#f9a825,color:#000\n")
	b.WriteString("  classDef approval fill:#e8f5e9,stroke:#2e7d32,color:#000\n")
	b.WriteString("  classDef manual fill:#f3e5f5,stroke:#6a1b9a,stroke-dasharray:4 3,color:#000\n")
	b.WriteString("  classDef decision fill:#ede7f6,stroke:#4527a0,color:#000\n")
	b.WriteString("  classDef backout fill:#ffebee,stroke:#b71c1c,stroke-dasharray:5 5,color:#000\n")
	b.WriteString("  classDef post fill:#f1f8e9,stroke:#558b2f,color:#000\n")
	main, back, post := byPhase(rb)
	for _, s := range main {
		mermaidNode(&b, rb, ids, s, "  ")
	}
	if len(back) > 0 {
		b.WriteString("  subgraph backout_path [\"Back-out path\"]\n")
		for _, s := range back {
			mermaidNode(&b, rb, ids, s, "    ")
		}
		b.WriteString("  end\n")
	}
	if len(post) > 0 {
		b.WriteString("  subgraph post_tasks [\"Post-tasks\"]\n")
		for _, s := range post {
			mermaidNode(&b, rb, ids, s, "    ")
		}
		b.WriteString("  end\n")
	}
	for _, s := range rb.Steps {
		for _, d := range s.Deps {
			if _, ok := ids[d]; !ok {
				continue
			}
			arrow := "-->"
			if s.Class == runbook.ClassBackout {
				arrow = "-.->"
			}
			if l := edgeLabel(rb, s, d); l != "" {
				fmt.Fprintf(&b, "  %s %s|%s| %s\n", ids[d], arrow, l, ids[s.Name])
			} else {
				fmt.Fprintf(&b, "  %s %s %s\n", ids[d], arrow, ids[s.Name])
			}
		}
		if _, ok := ids[s.Undoes]; ok && s.Undoes != "" {
			fmt.Fprintf(&b, "  %s -.->|undo| %s\n", ids[s.Undoes], ids[s.Name])
		}
	}
	return b.String()
}

func mermaidNode(b *strings.Builder, rb *runbook.Runbook, ids map[string]string, s *runbook.Step, indent string) {
	label := mermaidLabel(lines(rb, s))
	open, close := "[", "]"
	class := string(s.Class)
	switch s.Class {
	case runbook.ClassCheck, runbook.ClassPost:
		open, close = "(", ")"
	case runbook.ClassAction:
		if s.PointOfNoReturn {
			open, close, class = "[[", "]]", "ponr"
		}
	case runbook.ClassWait:
		open, close = "{{", "}}"
	case runbook.ClassApproval:
		open, close = "[/", "/]"
	case runbook.ClassManual:
		open, close = "[\\", "\\]"
	case runbook.ClassDecision:
		open, close = "{", "}"
	}
	fmt.Fprintf(b, "%s%s%s%s%s:::%s\n", indent, ids[s.Name], open, label, close, class)
}

// mermaidLabel quotes label lines for Mermaid: entity codes for quotes and
// markup, <br/> between lines.
func mermaidLabel(lines []string) string {
	r := strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;", "&", "#amp;", "#", "#35;", "`", "#96;")
	esc := make([]string, len(lines))
	for i, l := range lines {
		esc[i] = r.Replace(l)
	}
	return `"` + strings.Join(esc, "<br/>") + `"`
}

// mermaidIDs gives each step an id made of [A-Za-z0-9_], prefixed so that
// it never is a Mermaid keyword (end, graph...), unique.
func mermaidIDs(rb *runbook.Runbook) map[string]string {
	ids := map[string]string{}
	used := map[string]bool{"backout_path": true, "post_tasks": true}
	for _, s := range rb.Steps {
		var b strings.Builder
		b.WriteString("s_")
		for _, r := range s.Name {
			if r < 128 && (r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
				b.WriteRune(r)
			} else {
				b.WriteByte('_')
			}
		}
		id := b.String()
		for n := 2; used[id]; n++ {
			id = fmt.Sprintf("%s_%d", b.String(), n)
		}
		used[id] = true
		ids[s.Name] = id
	}
	return ids
}
