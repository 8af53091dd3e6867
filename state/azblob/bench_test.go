package azblob

import (
	"fmt"
	"testing"

	"github.com/batonhq/baton/state"
)

// BenchmarkPutStep: one step transition (PutSteps of one record) on a
// run of 20 steps, against Azurite on loopback.
func BenchmarkPutStep(b *testing.B) {
	s := openFresh(b, shared(b), Options{})
	l := mustCreate(b, s, newRun("r1"), state.Self("alice", t0), names(20)...)
	trips := s.trips.Load()
	b.ResetTimer()
	for i := range b.N {
		mustPut(b, l, t0, state.StepRecord{Name: "s07", Status: state.StepRunning, Attempt: i + 1})
	}
	b.StopTimer()
	report(b, s.trips.Load()-trips)
}

// BenchmarkStatusRead: what `baton status` reads (Run and Steps) of a
// 100-step run whose steps each went pending, running, succeeded with a
// small output.
func BenchmarkStatusRead(b *testing.B) {
	s := openFresh(b, shared(b), Options{})
	steps := names(100)
	l := mustCreate(b, s, newRun("r1"), state.Self("alice", t0), steps...)
	for _, n := range steps {
		mustPut(b, l, t0, state.StepRecord{Name: n, Status: state.StepRunning, Attempt: 1, StartedAt: t0})
		mustPut(b, l, t0, state.StepRecord{Name: n, Status: state.StepSucceeded, Attempt: 1, StartedAt: t0, FinishedAt: t0,
			Output: []byte(`{"rows":3,"server":"sql01.contoso.com"}`), OutputDigest: "sha256:0b5c"})
	}
	st, err := s.readRun(b.Context(), "r1")
	if err != nil {
		b.Fatal(err)
	}
	trips := s.trips.Load()
	b.ResetTimer()
	for range b.N {
		if _, err := s.Run("r1"); err != nil {
			b.Fatal(err)
		}
		if recs, err := s.Steps("r1"); err != nil || len(recs) != 100 {
			b.Fatal(len(recs), err)
		}
	}
	b.StopTimer()
	report(b, s.trips.Load()-trips)
	b.ReportMetric(float64(st.size())/1024, "journal-KiB")
}

// BenchmarkReplay: decoding the journal of that 100-step run, without
// the service.
func BenchmarkReplay(b *testing.B) {
	s := openFresh(b, shared(b), Options{})
	steps := names(100)
	l := mustCreate(b, s, newRun("r1"), state.Self("alice", t0), steps...)
	for _, n := range steps {
		mustPut(b, l, t0, state.StepRecord{Name: n, Status: state.StepRunning, Attempt: 1, StartedAt: t0})
		mustPut(b, l, t0, state.StepRecord{Name: n, Status: state.StepSucceeded, Attempt: 1, StartedAt: t0, FinishedAt: t0,
			Output: []byte(`{"rows":3,"server":"sql01.contoso.com"}`), OutputDigest: "sha256:0b5c"})
	}
	st, err := s.readRun(b.Context(), "r1")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		replay("r1", st.raw, st.etag)
	}
}

func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("s%02d", i)
	}
	return out
}

func report(b *testing.B, trips uint64) {
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
	b.ReportMetric(float64(trips)/float64(b.N), "requests/op")
}

// BenchmarkStepTransitions: one step as the executor writes it (running,
// its output, succeeded: two transitions and a log chunk) on a run of 20
// steps, with the spool on (it is touched only in an outage), against
// Azurite on loopback. ms/transition and requests/transition are per
// journaled transition.
func BenchmarkStepTransitions(b *testing.B) {
	s := openFresh(b, shared(b), Options{Spool: b.TempDir() + "/spool.db"})
	l := mustCreate(b, s, newRun("r1"), state.Self("alice", t0), names(20)...)
	trips := s.trips.Load()
	b.ResetTimer()
	for i := range b.N {
		n := fmt.Sprintf("x%d", i) // a step runs once
		mustPut(b, l, t0, state.StepRecord{Name: n, Status: state.StepRunning, Attempt: 1})
		if err := l.AppendLog(n, []byte("ok\n")); err != nil {
			b.Fatal(err)
		}
		mustPut(b, l, t0, state.StepRecord{Name: n, Status: state.StepSucceeded, Attempt: 1})
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(2*b.N), "ms/transition")
	b.ReportMetric(float64(s.trips.Load()-trips)/float64(2*b.N), "requests/transition")
}
