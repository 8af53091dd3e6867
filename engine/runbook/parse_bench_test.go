package runbook

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

func BenchmarkParse10k(b *testing.B) {
	src := bigRunbook(10000)
	b.ReportAllocs()
	for b.Loop() {
		hclsyntax.ParseConfig(src, "big.hcl", hcl.InitialPos)
	}
}

func BenchmarkLex10k(b *testing.B) {
	src := bigRunbook(10000)
	b.ReportAllocs()
	for b.Loop() {
		hclsyntax.LexConfig(src, "big.hcl", hcl.InitialPos)
	}
}
