package adftest_test

import (
	"encoding/json"
	"testing"

	"github.com/batonhq/baton/engine/review/adftest"
)

func TestCheckRejects(t *testing.T) {
	good := `{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"x"}]}]}`
	if err := adftest.Check(json.RawMessage(good)); err != nil {
		t.Fatalf("a valid document was refused: %v", err)
	}
	for name, doc := range map[string]string{
		"unknown node":       `{"type":"doc","version":1,"content":[{"type":"panel","content":[]}]}`,
		"unknown key":        `{"type":"doc","version":1,"content":[{"type":"paragraph","marks":[]}]}`,
		"empty text":         `{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":""}]}]}`,
		"no version":         `{"type":"doc","content":[{"type":"paragraph"}]}`,
		"bad heading":        `{"type":"doc","version":1,"content":[{"type":"heading","attrs":{"level":7},"content":[{"type":"text","text":"x"}]}]}`,
		"list first":         `{"type":"doc","version":1,"content":[{"type":"bulletList","content":[{"type":"listItem","content":[{"type":"bulletList","content":[]}]}]}]}`,
		"empty list":         `{"type":"doc","version":1,"content":[{"type":"orderedList","attrs":{"order":1},"content":[]}]}`,
		"text in block":      `{"type":"doc","version":1,"content":[{"type":"text","text":"x"}]}`,
		"block in paragraph": `{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"paragraph"}]}]}`,
		"not a doc":          `{"type":"paragraph","content":[]}`,
		"empty doc":          `{"type":"doc","version":1,"content":[]}`,
	} {
		if err := adftest.Check(json.RawMessage(doc)); err == nil {
			t.Errorf("%s: accepted %s", name, doc)
		}
	}
}
