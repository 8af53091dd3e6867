package runbook_test

import (
	"strings"
	"testing"

	"github.com/batonhq/baton/engine/draw"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/internal/golden"
)

func TestDrawGolden(t *testing.T) {
	rb, diags := runbook.Load(runbook.DirFS("testdata/valid"), "promotion", runbook.TestRegistry())
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	dot, mmd := draw.Dot(rb), draw.Mermaid(rb)
	golden.Check(t, "testdata/golden/promotion.dot", []byte(dot))
	golden.Check(t, "testdata/golden/promotion.mmd", []byte(mmd))
	for _, want := range []string{"shape=diamond", "label=\"yes\"", "label=\"no\"", "cluster_backout", "cluster_post", "penwidth=3", "timeout 45m"} {
		if !strings.Contains(dot, want) {
			t.Errorf("dot lacks %q", want)
		}
	}
	for _, want := range []string{"-->|yes|", "-->|no|", "subgraph backout_path", "subgraph post_tasks", ":::ponr", "-.->|undo|"} {
		if !strings.Contains(mmd, want) {
			t.Errorf("mermaid lacks %q", want)
		}
	}
}
