package runbooks

import (
	"testing"

	"github.com/batonhq/baton/fixtures"
	"github.com/batonhq/baton/steps/configmgr/sim"
)

// BenchmarkMatrix rehearses the whole matrix once per iteration: every
// shipped runbook against every scenario of every fixture, one after the
// other (what `baton test runbooks/expect` and TestMatrix do).
func BenchmarkMatrix(b *testing.B) {
	var cells []cell
	fxs := map[string]*sim.Fixture{}
	for _, fname := range fixtures.Names() {
		fx, err := sim.Load(fixtures.FS, fname)
		if err != nil {
			b.Fatal(err)
		}
		fxs[fname] = fx
		for _, rb := range Names() {
			for _, sc := range fx.Scenarios() {
				cells = append(cells, cell{rb, fname, sc})
			}
		}
	}
	b.ReportMetric(float64(len(cells)), "cells")
	for b.Loop() {
		for _, c := range cells {
			rehearseCell(b, c, fxs[c.fixture])
		}
	}
}
