// Package adftest checks Atlassian Document Format documents in tests: a
// strict decoder that accepts only the node types baton writes, each well
// formed, and rejects any other node type or key.
package adftest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// adfNode is one node as the strict decoder reads it: any other key is an
// error.
type adfNode struct {
	Type    string            `json:"type"`
	Version *int              `json:"version"`
	Attrs   map[string]any    `json:"attrs"`
	Content []json.RawMessage `json:"content"`
	Text    *string           `json:"text"`
}

// adfRule says what a node type may hold: its attributes, whether it has
// text, and the types its content may have (first child, then the rest).
type adfRule struct {
	attrs       map[string]bool
	text        bool
	first, rest map[string]bool
	minContent  int
}

func set(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

var (
	adfBlocks = set("paragraph", "heading", "bulletList", "orderedList")
	adfInline = set("text", "hardBreak")
	adfRules  = map[string]adfRule{
		"doc":         {first: adfBlocks, rest: adfBlocks, minContent: 1},
		"paragraph":   {first: adfInline, rest: adfInline},
		"heading":     {attrs: set("level"), first: adfInline, rest: adfInline},
		"bulletList":  {first: set("listItem"), rest: set("listItem"), minContent: 1},
		"orderedList": {attrs: set("order"), first: set("listItem"), rest: set("listItem"), minContent: 1},
		"listItem":    {first: set("paragraph"), rest: set("paragraph", "bulletList", "orderedList"), minContent: 1},
		"text":        {text: true},
		"hardBreak":   {},
	}
)

// Check checks that raw is an Atlassian Document Format document made
// only of the node types baton writes, each well formed: a doc of version
// 1, headings of level 1 to 6, lists of list items starting with a
// paragraph, and text nodes with non-empty text. It rejects any other
// node type or key.
func Check(raw json.RawMessage) error {
	n, err := decodeNode(raw)
	if err != nil {
		return err
	}
	if n.Type != "doc" || n.Version == nil || *n.Version != 1 {
		return fmt.Errorf("the root is %q (version %v), not a doc of version 1", n.Type, n.Version)
	}
	return checkNode(n, "doc")
}

func decodeNode(raw json.RawMessage) (adfNode, error) {
	var n adfNode
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&n); err != nil {
		return n, fmt.Errorf("node %s: %w", truncated(raw), err)
	}
	return n, nil
}

func checkNode(n adfNode, path string) error {
	rule, ok := adfRules[n.Type]
	if !ok {
		return fmt.Errorf("%s: unknown node type %q", path, n.Type)
	}
	if n.Version != nil && n.Type != "doc" {
		return fmt.Errorf("%s: only the doc has a version", path)
	}
	for k := range n.Attrs {
		if !rule.attrs[k] {
			return fmt.Errorf("%s: %s takes no attribute %q", path, n.Type, k)
		}
	}
	if err := checkAttrs(n, path); err != nil {
		return err
	}
	switch {
	case rule.text && (n.Text == nil || *n.Text == ""):
		return fmt.Errorf("%s: a text node needs non-empty text", path)
	case !rule.text && n.Text != nil:
		return fmt.Errorf("%s: %s has no text", path, n.Type)
	case len(n.Content) < rule.minContent:
		return fmt.Errorf("%s: %s needs at least %d child nodes", path, n.Type, rule.minContent)
	case rule.first == nil && len(n.Content) > 0:
		return fmt.Errorf("%s: %s has no content", path, n.Type)
	}
	for i, raw := range n.Content {
		c, err := decodeNode(raw)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		allowed := rule.rest
		if i == 0 {
			allowed = rule.first
		}
		if !allowed[c.Type] {
			return fmt.Errorf("%s: %s cannot hold %q at position %d", path, n.Type, c.Type, i)
		}
		if err := checkNode(c, fmt.Sprintf("%s/%s[%d]", path, c.Type, i)); err != nil {
			return err
		}
	}
	return nil
}

func checkAttrs(n adfNode, path string) error {
	switch n.Type {
	case "heading":
		l, ok := n.Attrs["level"].(float64)
		if !ok || l < 1 || l > 6 || l != float64(int(l)) {
			return fmt.Errorf("%s: heading level %v is not 1 to 6", path, n.Attrs["level"])
		}
	case "orderedList":
		if o, ok := n.Attrs["order"]; ok {
			if f, isNum := o.(float64); !isNum || f < 0 || f != float64(int(f)) {
				return fmt.Errorf("%s: order %v is not an integer of at least 0", path, o)
			}
		}
	}
	return nil
}

func truncated(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return s
}
