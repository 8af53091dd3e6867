package draw

import (
	"fmt"
	"strings"
)

// Shape is the shape of a flowchart node.
type Shape int

// The node shapes, with their Mermaid delimiters.
const (
	Rect             Shape = iota // ["..."]
	Round                         // ("...")
	Stadium                       // (["..."])
	Subroutine                    // [["..."]]
	Hexagon                       // {{"..."}}
	Rhombus                       // {"..."}
	Parallelogram                 // [/"..."/]
	ParallelogramAlt              // [\"..."\]
)

var delims = [...][2]string{
	Rect: {"[", "]"}, Round: {"(", ")"}, Stadium: {"([", "])"}, Subroutine: {"[[", "]]"},
	Hexagon: {"{{", "}}"}, Rhombus: {"{", "}"}, Parallelogram: {"[/", "/]"}, ParallelogramAlt: {`[\`, `\]`},
}

// Flowchart writes a Mermaid (v11) flowchart, top to bottom, from data:
// nodes named by step names, edges between them, subgraphs, class
// definitions and class assignments, in the order they are added. It is
// the one place that knows Mermaid's syntax: node ids are made from the
// names (safe for any name), labels are quoted and escaped. Both the
// runbook's drawing (Mermaid) and the review's diagram of a plan are
// written with it.
type Flowchart struct {
	ids    map[string]string
	b      strings.Builder
	indent string
}

// NewFlowchart starts a flowchart whose nodes are the named steps. Each
// name gets an id made of prefix (which must start with a letter and end
// with "_", so that no id is a Mermaid keyword or a subgraph's id) and
// the name with every character but [A-Za-z0-9_] replaced by "_", made
// unique with a "_2", "_3"... suffix in the order of names.
func NewFlowchart(prefix string, names []string) *Flowchart {
	f := &Flowchart{ids: map[string]string{}, indent: "  "}
	used := map[string]bool{}
	for _, n := range names {
		if _, ok := f.ids[n]; ok {
			continue
		}
		base := prefix + sanitize(n)
		id := base
		for i := 2; used[id]; i++ {
			id = fmt.Sprintf("%s_%d", base, i)
		}
		used[id] = true
		f.ids[n] = id
	}
	f.b.WriteString("flowchart TD\n")
	return f
}

func sanitize(name string) string {
	return strings.Map(func(r rune) rune {
		if isWord(r) {
			return r
		}
		return '_'
	}, name)
}

func isWord(r rune) bool {
	return r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// Node adds the named step's node: its shape, its label lines (escaped,
// joined with <br/>) and, unless class is "", its class.
func (f *Flowchart) Node(name string, shape Shape, class string, lines ...string) {
	d := delims[shape]
	fmt.Fprintf(&f.b, "%s%s%s%s%s", f.indent, f.ids[name], d[0], Label(lines...), d[1])
	if class != "" {
		f.b.WriteString(":::" + class)
	}
	f.b.WriteByte('\n')
}

// Edge adds an edge from one named step to another, dashed or not, with
// a label unless it is "". An edge to or from a step that is not in the
// flowchart is left out.
func (f *Flowchart) Edge(from, to string, dashed bool, label string) {
	a, okA := f.ids[from]
	b, okB := f.ids[to]
	if !okA || !okB {
		return
	}
	arrow := "-->"
	if dashed {
		arrow = "-.->"
	}
	if label != "" {
		arrow += "|" + edgeText(label) + "|"
	}
	fmt.Fprintf(&f.b, "%s%s %s %s\n", f.indent, a, arrow, b)
}

// Subgraph opens a subgraph with an id (a constant chosen by the caller,
// not starting with the node prefix) and a title; End closes it.
func (f *Flowchart) Subgraph(id, title string) {
	fmt.Fprintf(&f.b, "%ssubgraph %s[%s]\n", f.indent, id, Label(title))
	f.indent += "  "
}

// End closes the innermost open subgraph.
func (f *Flowchart) End() {
	f.indent = f.indent[:len(f.indent)-2]
	f.b.WriteString(f.indent + "end\n")
}

// ClassDef defines a class: its name and its CSS-like style.
func (f *Flowchart) ClassDef(name, style string) {
	fmt.Fprintf(&f.b, "%sclassDef %s %s\n", f.indent, name, style)
}

// Class gives the named steps a class in one statement; nothing if names
// is empty. Names not in the flowchart are left out.
func (f *Flowchart) Class(class string, names []string) {
	var ids []string
	for _, n := range names {
		if id, ok := f.ids[n]; ok {
			ids = append(ids, id)
		}
	}
	if len(ids) > 0 {
		fmt.Fprintf(&f.b, "%sclass %s %s\n", f.indent, strings.Join(ids, ","), class)
	}
}

// String is the flowchart's Mermaid text.
func (f *Flowchart) String() string { return f.b.String() }

// escaper makes text safe inside a quoted Mermaid label: the quote ends
// the label, # starts an entity code, <, > and & would be markup in an
// HTML label and a backquote makes a Markdown string, so they become
// entity codes; so do brackets and braces, which delimit node shapes (as
// a defence: inside the quotes Mermaid reads them as text); a line break
// becomes a space. Bars stay: they only end an edge's label (edgeText).
var escaper = strings.NewReplacer(
	`"`, "#quot;", "<", "#lt;", ">", "#gt;", "&", "#amp;", "#", "#35;", "`", "#96;",
	"[", "#91;", "]", "#93;", "{", "#123;", "}", "#125;",
	"\r\n", " ", "\n", " ", "\r", " ",
)

// Label is a quoted Mermaid label of the lines: each escaped, joined with
// <br/>.
func Label(lines ...string) string {
	esc := make([]string, len(lines))
	for i, l := range lines {
		esc[i] = escaper.Replace(l)
	}
	return `"` + strings.Join(esc, "<br/>") + `"`
}

// edgeText is an edge label: bare when it is words, otherwise quoted,
// with its bars as entity codes too (a bar ends the label).
func edgeText(s string) string {
	if strings.ContainsFunc(s, func(r rune) bool { return !isWord(r) && r != ' ' && r != '-' }) {
		return strings.ReplaceAll(Label(s), "|", "#124;")
	}
	return s
}
