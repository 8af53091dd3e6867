package state

import (
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkPutStep measures one step transition through a lease: one
// fsynced Update holding the fence check, the record and its journal entry.
func BenchmarkPutStep(b *testing.B) {
	s, _ := newStore(b)
	l := createRun(b, s, "r1", "a")
	recs := []StepRecord{{Name: "a", Status: StepRunning, Attempt: 1, IdempotencyKey: "r1/a/1", StartedAt: t0}}
	entries := []JournalEntry{{At: t0, Type: "step.running", Step: "a", Actor: "engine", Data: map[string]string{"attempt": "1"}}}
	start := s.Commits()
	b.ReportAllocs()
	for b.Loop() {
		if err := l.PutSteps(recs, entries); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(s.Commits()-start)/float64(b.N), "commits/op")
}

// BenchmarkPutSteps8 measures 8 transitions in one PutSteps, as a fan-out
// of 8 parallel steps groups them: still one fsynced Update.
func BenchmarkPutSteps8(b *testing.B) {
	names := make([]string, 8)
	for i := range names {
		names[i] = "step-" + strconv.Itoa(i)
	}
	s, _ := newStore(b)
	l := createRun(b, s, "r1", names...)
	recs := make([]StepRecord, len(names))
	entries := make([]JournalEntry, len(names))
	for i, n := range names {
		recs[i] = StepRecord{Name: n, Status: StepRunning, Attempt: 1, IdempotencyKey: "r1/" + n + "/1", StartedAt: t0}
		entries[i] = JournalEntry{At: t0, Type: "step.running", Actor: "engine", Data: map[string]string{"attempt": "1"}}
	}
	start := s.Commits()
	b.ReportAllocs()
	for b.Loop() {
		if err := l.PutSteps(recs, entries); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(s.Commits()-start)/float64(b.N), "commits/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/step")
}

// BenchmarkOpenReadOnly measures a status command: open read-only, read
// the run and its steps, close.
func BenchmarkOpenReadOnly(b *testing.B) {
	path := filepath.Join(b.TempDir(), "state.db")
	s, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	createRun(b, s, "r1", "a", "b", "c")
	s.Close()
	b.ReportAllocs()
	for b.Loop() {
		r, err := Open(path, Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.Run("r1"); err != nil {
			b.Fatal(err)
		}
		if _, err := r.Steps("r1"); err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
}
