package served

import (
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/state"
)

// BenchmarkStatusWhileRunWrites: one client owns a 1,000-step run and
// writes step transitions as fast as it can while another reads Run and
// Steps, as `baton status` does. It reports the read latency (median, p99,
// max) and the writes per second meanwhile. The sub-benchmark "direct"
// reads the server's Store itself instead, for comparison: the difference
// is the cost of serving.
func BenchmarkStatusWhileRunWrites(b *testing.B) {
	b.Run("served", func(b *testing.B) { benchStatus(b, false) })
	b.Run("direct", func(b *testing.B) { benchStatus(b, true) })
}

// BenchmarkApproveWhileRunWrites: while one client writes the step
// transitions of a 1,000-step run, another answers an approval of a second
// run as `baton approve` does (one distinct approver per answer); it
// reports the answer latency.
func BenchmarkApproveWhileRunWrites(b *testing.B) {
	f := newFleet(b, ServeOptions{IdleTimeout: time.Minute})
	f.start()
	owner := f.connect()
	approver := f.connect()
	names := make([]string, 1000)
	for i := range names {
		names[i] = fmt.Sprintf("step-%04d", i)
	}
	l := create(b, owner, testRun("run-bench"), names...)
	gate := create(b, owner, testRun("run-gate"), "cab")
	if err := gate.PutSteps([]state.StepRecord{{Name: "cab", Status: state.StepAwaitingApproval}}, []state.JournalEntry{entry("approval.requested")}); err != nil {
		b.Fatal(err)
	}
	stop := loop(1, func(i int) error {
		rec := state.StepRecord{Name: names[i%len(names)], Status: state.StepRunning, Attempt: i/len(names) + 1, StartedAt: t0}
		return l.PutSteps([]state.StepRecord{rec}, []state.JournalEntry{entry("step.running")})
	})
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		t := time.Now()
		by := fmt.Sprintf("approver%06d", i)
		if _, err := approver.Answer("run-gate", state.JournalEntry{At: t0, Step: "cab", Actor: by, Answer: &state.Answer{Kind: state.AnswerApprove, By: by}}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
	}
	b.StopTimer()
	if errs := stop(); errs != nil {
		b.Fatal(errs)
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(lat[len(lat)/2]), "ms-median")
	b.ReportMetric(ms(lat[len(lat)-1]), "ms-max")
}

func benchStatus(b *testing.B, direct bool) {
	f := newFleet(b, ServeOptions{IdleTimeout: time.Minute})
	ts := f.start()
	owner := f.connect()
	var status state.Reader = f.connect()
	if direct {
		status = ts.st
	}
	names := make([]string, 1000)
	for i := range names {
		names[i] = fmt.Sprintf("step-%04d", i)
	}
	l := create(b, owner, testRun("run-bench"), names...)

	var writes atomic.Int64
	stop := loop(1, func(i int) error {
		rec := state.StepRecord{Name: names[i%len(names)], Status: state.StepRunning, Attempt: i/len(names) + 1, StartedAt: t0}
		writes.Add(1)
		return l.PutSteps([]state.StepRecord{rec}, []state.JournalEntry{entry("step.running")})
	})

	lat := make([]time.Duration, 0, b.N)
	start := time.Now()
	b.ResetTimer()
	for range b.N {
		t := time.Now()
		if _, err := status.Run("run-bench"); err != nil {
			b.Fatal(err)
		}
		steps, err := status.Steps("run-bench")
		if err != nil || len(steps) != len(names) {
			b.Fatalf("Steps = %d records, %v", len(steps), err)
		}
		lat = append(lat, time.Since(t))
	}
	b.StopTimer()
	elapsed := time.Since(start)
	if errs := stop(); errs != nil {
		b.Fatal(errs)
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(lat[len(lat)/2]), "ms-median")
	b.ReportMetric(ms(lat[len(lat)-1]), "ms-max")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "ms-p99")
	b.ReportMetric(float64(writes.Load())/elapsed.Seconds(), "writes/s")
}
