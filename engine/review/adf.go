package review

import "strings"

// adfNode is a node of an Atlassian Document Format document, the rich
// text Jira Cloud's REST API v3 takes for descriptions, comments and
// paragraph fields. Only the nodes text renders use appear: doc, heading,
// paragraph, bulletList, orderedList, listItem, text and hardBreak. The
// fields are declared in key order so that the JSON is sorted.
type adfNode struct {
	Attrs   map[string]any `json:"attrs,omitempty"`
	Content []adfNode      `json:"content,omitempty"`
	Text    string         `json:"text,omitempty"`
	Type    string         `json:"type"`
	Version int            `json:"version,omitempty"`
}

// adfHeadingLevel is the level of section headings.
const adfHeadingLevel = 3

// adf renders t as an ADF document. Empty paragraphs and items become
// "-" (ADF rejects empty text nodes); line breaks become hardBreak nodes.
func (t text) adf() adfNode {
	doc := adfNode{Type: "doc", Version: 1}
	for _, bl := range t {
		var n adfNode
		switch {
		case bl.Heading != "":
			n = adfNode{Type: "heading", Attrs: map[string]any{"level": adfHeadingLevel}, Content: adfInline(bl.Heading)}
		case bl.Items != nil:
			n = adfNode{Type: "bulletList"}
			if bl.Ordered {
				n = adfNode{Type: "orderedList", Attrs: map[string]any{"order": 1}}
			}
			for _, it := range bl.Items {
				n.Content = append(n.Content, adfNode{Type: "listItem", Content: []adfNode{adfParagraph(it)}})
			}
		default:
			n = adfParagraph(bl.Para)
		}
		doc.Content = append(doc.Content, n)
	}
	if len(doc.Content) == 0 {
		doc.Content = []adfNode{adfParagraph("")}
	}
	return doc
}

func adfParagraph(s string) adfNode {
	return adfNode{Type: "paragraph", Content: adfInline(s)}
}

// adfInline is s as text nodes, one a line, separated by hardBreak nodes.
func adfInline(s string) []adfNode {
	var out []adfNode
	s = strings.TrimRight(strings.ReplaceAll(s, "\r", ""), "\n")
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			out = append(out, adfNode{Type: "hardBreak"})
		}
		if line != "" {
			out = append(out, adfNode{Type: "text", Text: line})
		}
	}
	if len(out) == 0 {
		out = append(out, adfNode{Type: "text", Text: "-"})
	}
	return out
}
