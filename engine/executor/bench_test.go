package executor

import (
	"fmt"
	"strings"
	"testing"

	"github.com/batonhq/baton/engine/clock"
	"github.com/batonhq/baton/state"
)

// benchRunbook returns n noop steps: a chain, or a fan-out/fan-in.
func benchRunbook(n int, fan bool) string {
	var b strings.Builder
	b.WriteString("runbook \"bench\" {}\ncheck \"root\" {\n  uses = \"noop\"\n}\n")
	for i := range n {
		dep := "step.root"
		if !fan && i > 0 {
			dep = fmt.Sprintf("step.s%d", i-1)
		}
		fmt.Fprintf(&b, "check \"s%d\" {\n  uses = \"noop\"\n  depends_on = [%s]\n}\n", i, dep)
	}
	if fan {
		b.WriteString("check \"join\" {\n  uses = \"noop\"\n  depends_on = [")
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "step.s%d", i)
		}
		b.WriteString("]\n}\n")
	}
	return b.String()
}

func benchRun(b *testing.B, fan bool) {
	f := newFixture(&testing.T{})
	rb := f.load(benchRunbook(1000, fan))
	vars := f.vars(rb)
	b.ReportAllocs()
	var commits uint64
	for b.Loop() {
		st, err := state.Open(b.TempDir()+"/state.db", state.Options{})
		if err != nil {
			b.Fatal(err)
		}
		o := Options{Store: st, Clock: clock.Wall{}, Parallelism: 8, Heartbeat: -1}
		res, err := Start(b.Context(), rb, vars, o, Meta{})
		if err != nil || res.Status != state.RunSucceeded {
			b.Fatalf("%v %v", res, err)
		}
		commits += st.Commits()
		st.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1001, "ns/step")
	b.ReportMetric(float64(commits)/float64(b.N)/1001, "fsyncs/step")
}

// BenchmarkChain1000 runs a linear chain of 1,000 no-op steps with durable
// state (every transition fsynced).
func BenchmarkChain1000(b *testing.B) { benchRun(b, false) }

// BenchmarkFanOut1000 runs 1,000 no-op steps fanning out from one step and
// joining in another.
func BenchmarkFanOut1000(b *testing.B) { benchRun(b, true) }
