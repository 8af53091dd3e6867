package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/steps/all"
)

// TestExamplesUseProductionTypes: the runbooks the documentation walks
// through load with the registry a production binary has, without the
// test-only step types the package's tests add.
func TestExamplesUseProductionTypes(t *testing.T) {
	dir := filepath.Join("..", "..", "docs", "examples")
	names, err := filepath.Glob(filepath.Join(dir, "*.hcl"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no examples in %s: %v", dir, err)
	}
	reg := all.Registry()
	if _, ok := reg.Kind("noop_action"); ok {
		t.Skip("a batontest build: its registry has the test-only types")
	}
	for _, name := range names {
		t.Run(filepath.Base(name), func(t *testing.T) {
			if _, diags := runbook.Load(runbook.FromFS(os.DirFS(dir)), filepath.Base(name), reg); diags.HasErrors() {
				t.Errorf("%s does not load in a production binary: %s", name, diags.Error())
			}
		})
	}
}
