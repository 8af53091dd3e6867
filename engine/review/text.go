package review

import (
	"strconv"
	"strings"
)

// text is the body of one field of a change record in a tool: headings,
// paragraphs and lists, rendered as plain text for ServiceNow and as
// Atlassian Document Format for Jira.
type text []block

// block is one heading, paragraph or list; exactly one of Heading, Para
// and Items is set.
type block struct {
	Heading string
	Para    string
	Items   []string
	Ordered bool
}

func (t *text) heading(s string)        { *t = append(*t, block{Heading: s}) }
func (t *text) para(s string)           { *t = append(*t, block{Para: s}) }
func (t *text) bullets(items []string)  { t.list(items, false) }
func (t *text) numbered(items []string) { t.list(items, true) }

// bulletsOr adds the items, or the paragraph none when there is none.
func (t *text) bulletsOr(items []string, none string) {
	if len(items) == 0 {
		t.para(none)
	}
	t.bullets(items)
}

// list adds a list; an empty list adds nothing.
func (t *text) list(items []string, ordered bool) {
	if len(items) > 0 {
		*t = append(*t, block{Items: items, Ordered: ordered})
	}
}

// pairLines are "name: value" lines of the pairs.
func pairLines(pairs [][2]string) []string {
	lines := make([]string, len(pairs))
	for i, kv := range pairs {
		lines[i] = kv[0] + ": " + kv[1]
	}
	return lines
}

// section adds a heading and the blocks of body.
func (t *text) section(title string, body text) {
	t.heading(title)
	*t = append(*t, body...)
}

// plain renders t as plain text: headings underlined, blocks separated by
// a blank line, list items one a line ("- " or "1. ").
func (t text) plain() string {
	var b strings.Builder
	for i, bl := range t {
		if i > 0 {
			b.WriteString("\n")
			if bl.Heading != "" || t[i-1].Heading == "" {
				b.WriteString("\n")
			}
		}
		switch {
		case bl.Heading != "":
			b.WriteString(bl.Heading + "\n" + strings.Repeat("-", len([]rune(bl.Heading))))
		case bl.Items != nil:
			for j, it := range bl.Items {
				if j > 0 {
					b.WriteString("\n")
				}
				if bl.Ordered {
					b.WriteString(strconv.Itoa(j+1) + ". ")
				} else {
					b.WriteString("- ")
				}
				b.WriteString(it)
			}
		default:
			b.WriteString(bl.Para)
		}
	}
	return b.String()
}

// truncate shortens s to at most n characters, ending with "…" when cut.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
