package state

import (
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkPutStep measures one step transition: one fsynced Update
// holding the record and its journal entry.
func BenchmarkPutStep(b *testing.B) {
	for _, bc := range []struct {
		name string
		opts Options
	}{
		{"default", Options{}},                // the file is released every 400ms
		{"held", Options{MaxHold: time.Hour}}, // never released: raw bbolt cost
	} {
		b.Run(bc.name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "state.db")
			s := openStore(b, path, bc.opts)
			createRun(b, s, "r1", "a")
			rec := StepRecord{Name: "a", Status: StepRunning, Attempt: 1, IdempotencyKey: "r1/a/1", StartedAt: t0}
			e := JournalEntry{At: t0, Type: "step.running", Step: "a", Actor: "engine", Data: map[string]string{"attempt": "1"}}
			start := s.Commits()
			b.ReportAllocs()
			for b.Loop() {
				if err := s.PutStep("r1", rec, e); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(s.Commits()-start)/float64(b.N), "commits/op")
		})
	}
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
