package runbook

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/batonhq/baton/engine/gctune"
)

// bigRunbook generates a runbook of n steps: checks, actions and waits, each
// referring to earlier steps by output and by depends_on.
func bigRunbook(n int) []byte {
	var b strings.Builder
	b.WriteString(`runbook "big" {
  title = "Generated"
  lock  = "site/${var.site_code}"
}

variable "site_code" {
  type    = string
  default = "PS1"
}

variable "passive" {
  type = string
}

locals {
  db = "CM_${var.site_code}"
}

target "site" {
  type      = "fake_site"
  site_code = var.site_code
}
`)
	for i := 0; i < n; i++ {
		switch i % 3 {
		case 0:
			fmt.Fprintf(&b, "\ncheck \"s%d\" {\n  uses = \"site_fact\"\n  fact = \"site\"\n", i)
			if i > 0 {
				fmt.Fprintf(&b, "  server = step.s%d.output.active\n", i-1)
			}
			b.WriteString("  assert {\n    condition = self.output.healthy\n  }\n}\n")
		case 1:
			fmt.Fprintf(&b, "\naction \"s%d\" {\n  uses       = \"site_action\"\n  server     = var.passive\n  depends_on = [step.s%d]\n  idempotent = true\n  when       = step.s%d.output.healthy\n  timeout    = \"30m\"\n", i, i-1, i-1)
			if i > 10 {
				fmt.Fprintf(&b, "  count      = length(step.s%d.output.servers)\n", i-10)
			}
			b.WriteString("}\n")
		case 2:
			fmt.Fprintf(&b, "\nwait \"s%d\" {\n  uses       = \"site_fact\"\n  until      = self.output.active == var.passive\n  timeout    = \"45m\"\n  interval   = \"30s\"\n  depends_on = [step.s%d, step.s%d]\n}\n", i, i-1, i-2)
		}
	}
	return []byte(b.String())
}

// BenchmarkLoad10k loads and validates a 10,000-step runbook, with the
// garbage collector set as the baton command sets it (engine/gctune) and
// with Go's default, for comparison.
func BenchmarkLoad10k(b *testing.B) {
	src := bigRunbook(10000)
	fsys := FromFS(fstest.MapFS{"big.hcl": {Data: src}})
	reg := testRegistry()
	for _, gc := range []struct {
		name    string
		percent int
	}{{"baton-gc", gctune.Percent}, {"go-default-gc", 100}} {
		b.Run(gc.name, func(b *testing.B) {
			defer debug.SetGCPercent(debug.SetGCPercent(gc.percent))
			runtime.GC()
			b.ReportAllocs()
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				rb, diags := Load(fsys, "big.hcl", reg)
				if diags.HasErrors() {
					b.Fatal(diags.Error())
				}
				if len(rb.Steps) != 10000 {
					b.Fatal("steps")
				}
			}
		})
	}
}

func TestBigRunbookLoads(t *testing.T) {
	src := bigRunbook(300)
	rb, diags := Load(FromFS(fstest.MapFS{"big.hcl": {Data: src}}), "big.hcl", testRegistry())
	if len(diags) > 0 {
		t.Fatal(writeDiags(t, rb, diags))
	}
	if got := rb.Graph.Order(); got[0] != "s0" || got[len(got)-1] != "s299" {
		t.Errorf("order %v...", got[:3])
	}
}

// BenchmarkValidate2000 loads and validates a 2,000-step runbook, the
// largest a team plausibly writes, with the chunked parser and parallel
// phases baton uses and with both turned off: whether that machinery
// earns its keep (issue 13) is read from the difference.
func BenchmarkValidate2000(b *testing.B) {
	src := bigRunbook(2000)
	fsys := FromFS(fstest.MapFS{"big.hcl": {Data: src}})
	reg := testRegistry()
	for _, v := range []struct {
		name             string
		chunkMin, parMin int
	}{{"chunked-parallel", chunkedParseMin, parallelMin}, {"serial", 1 << 40, 1 << 40}} {
		b.Run(v.name, func(b *testing.B) {
			oldChunk, oldPar := chunkedParseMin, parallelMin
			chunkedParseMin, parallelMin = v.chunkMin, v.parMin
			defer func() { chunkedParseMin, parallelMin = oldChunk, oldPar }()
			b.ReportAllocs()
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if _, diags := Load(fsys, "big.hcl", reg); diags.HasErrors() {
					b.Fatal(diags.Error())
				}
			}
		})
	}
}
