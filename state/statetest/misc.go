package statetest

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/state"
	"github.com/google/go-cmp/cmp"
)

// testPlans: a saved plan starts one run; a second CreateRun of it fails
// unless it names the run it replaces; rehearsals spend nothing.
func (s *suite) testPlans(t *testing.T) {
	b := s.open(t)
	const plan, other = "sha256:plan-1", "sha256:plan-2"
	mk := func(id, digest string, rehearsal bool) state.Run {
		r := newRun(id)
		r.PlanDigest, r.Rehearsal = digest, rehearsal
		return r
	}
	for _, tt := range []struct {
		name    string
		run     state.Run
		respend string
		spentBy string // the run named by a *PlanSpentError; "" when created
		spender map[string]string
	}{
		{"first apply", mk("r1", plan, false), "", "", map[string]string{plan: "r1"}},
		{"second apply", mk("r2", plan, false), "", "r1", map[string]string{plan: "r1"}},
		{"respend naming another run", mk("r2", plan, false), "r9", "r1", map[string]string{plan: "r1"}},
		{"respend naming the spender", mk("r3", plan, false), "r1", "", map[string]string{plan: "r3"}},
		{"respend naming the replaced run again", mk("r4", plan, false), "r1", "r3", map[string]string{plan: "r3"}},
		{"rehearsal of a spent plan", mk("r5", plan, true), "", "", map[string]string{plan: "r3"}},
		{"rehearsal of a new plan", mk("r6", other, true), "", "", map[string]string{plan: "r3", other: ""}},
		{"rehearsal of it again", mk("r7", other, true), "", "", map[string]string{plan: "r3", other: ""}},
		{"then applied", mk("r8", other, false), "", "", map[string]string{plan: "r3", other: "r8"}},
		{"a run without a plan", mk("r9", "", false), "", "", map[string]string{plan: "r3", other: "r8", "": ""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.CreateRun(tt.run, pending("a"), entry("run.created", t0), state.CreateOptions{Owner: self("alice"), Respend: tt.respend})
			if tt.spentBy != "" {
				mustErr(t, err, state.ErrPlanSpent)
				var pe *state.PlanSpentError
				if !errors.As(err, &pe) {
					t.Fatalf("err %v is not a *PlanSpentError", err)
				}
				if pe.RunID != tt.spentBy || pe.PlanDigest != tt.run.PlanDigest {
					t.Errorf("PlanSpentError names run %q, plan %q; want %q, %q", pe.RunID, pe.PlanDigest, tt.spentBy, tt.run.PlanDigest)
				}
				notStored(t, b, tt.run.ID)
			} else if err != nil {
				t.Fatalf("CreateRun: %v", err)
			}
			for digest, want := range tt.spender {
				got, err := b.PlanSpender(digest)
				if want == "" {
					if !errors.Is(err, state.ErrNotFound) {
						t.Errorf("PlanSpender(%q) = %q, %v; want ErrNotFound", digest, got, err)
					}
					continue
				}
				if err != nil || got != want {
					t.Errorf("PlanSpender(%q) = %q, %v; want %q", digest, got, err, want)
				}
			}
		})
	}
}

// testPutSteps: PutSteps stores several records with their entries in one
// atomic write.
func (s *suite) testPutSteps(t *testing.T) {
	t.Run("several records at once", func(t *testing.T) {
		b := s.open(t)
		l := create(t, b, newRun("r1"), self("alice"), "a", "b", "c")
		recs := []state.StepRecord{
			{Name: "c", Status: state.StepRunning, Attempt: 1, IdempotencyKey: "r1/c/1", StartedAt: at(1)},
			{Name: "a", Status: state.StepSucceeded, Attempt: 1, StartedAt: at(1), FinishedAt: at(2), Output: []byte(`{"ok":true}`), OutputDigest: "sha256:1"},
			{Name: "b", Status: state.StepWaiting, Deadline: at(30), NextAttemptAt: at(5)},
			{Name: "d", Status: state.StepSkipped, Cause: state.SkipBranch, Reason: "branch not taken"},
		}
		entries := make([]state.JournalEntry, len(recs))
		for i, r := range recs {
			entries[i] = state.JournalEntry{At: at(2), Type: "step." + string(r.Status), Actor: "engine", Data: map[string]string{"i": strconv.Itoa(i)}}
		}
		if err := l.PutSteps(recs, entries); err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			got, err := b.Step("r1", r.Name)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(r, got); diff != "" {
				t.Errorf("Step(%s) (-want +got):\n%s", r.Name, diff)
			}
		}
		j := journal(t, b, "r1")
		if len(j) != 1+len(recs) {
			t.Fatalf("journal has %d entries, want %d", len(j), 1+len(recs))
		}
		for i, e := range j[1:] {
			if e.Step != recs[i].Name || e.Type != entries[i].Type || e.Data["i"] != strconv.Itoa(i) || e.StepRecord == "" {
				t.Errorf("entry %d = %+v, want the entry of record %s", i+2, e, recs[i].Name)
			}
		}
		verifies(t, b, "r1")
		if err := l.PutSteps(nil, nil); err != nil {
			t.Errorf("PutSteps of nothing: %v", err)
		}
	})

	t.Run("all or nothing", func(t *testing.T) {
		ok := state.StepRecord{Name: "a", Status: state.StepSucceeded, Attempt: 1}
		for _, tt := range []struct {
			name    string
			recs    []state.StepRecord
			entries []state.JournalEntry
		}{
			{"more records than entries", []state.StepRecord{ok, {Name: "b", Status: state.StepRunning}}, []state.JournalEntry{entry("step.succeeded", at(2))}},
			{"more entries than records", []state.StepRecord{ok}, []state.JournalEntry{entry("step.succeeded", at(2)), entry("note", at(2))}},
			{"the second record has no name", []state.StepRecord{ok, {Status: state.StepRunning}}, []state.JournalEntry{entry("step.succeeded", at(2)), entry("step.running", at(2))}},
			{"the second entry has no type", []state.StepRecord{ok, {Name: "b", Status: state.StepRunning}}, []state.JournalEntry{entry("step.succeeded", at(2)), {At: at(2)}}},
			{"the last entry has no type", []state.StepRecord{ok, {Name: "b", Status: state.StepRunning}, {Name: "c", Status: state.StepRunning}}, []state.JournalEntry{entry("step.succeeded", at(2)), entry("step.running", at(2)), {At: at(2)}}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				b := s.open(t)
				l := create(t, b, newRun("r1"), self("alice"), "a", "b", "c")
				put(t, l, at(1), state.StepRecord{Name: "a", Status: state.StepRunning, Attempt: 1})
				before := snapshot(t, b, "r1")
				mustErr(t, l.PutSteps(tt.recs, tt.entries), errAny)
				unchanged(t, b, before, "a refused PutSteps")
				if err := l.Append(entry("note", at(3))); err != nil {
					t.Errorf("the lease does not work after a refused PutSteps: %v", err)
				}
			})
		}
	})

	t.Run("readers see a whole batch or none of it", func(t *testing.T) {
		b := s.open(t)
		names := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
		l := create(t, b, newRun("r1"), self("alice"), names...)
		const batches = 20
		done := make(chan struct{})
		var wg sync.WaitGroup
		var bad []string
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				steps, err := b.Steps("r1")
				if err != nil {
					bad = append(bad, err.Error())
					return
				}
				for _, st := range steps {
					if st.Attempt != steps[0].Attempt {
						bad = append(bad, fmt.Sprintf("step %s at attempt %d, step %s at %d", steps[0].Name, steps[0].Attempt, st.Name, st.Attempt))
						return
					}
				}
			}
		})
		for i := 1; i <= batches; i++ {
			recs := make([]state.StepRecord, len(names))
			entries := make([]state.JournalEntry, len(names))
			for k, n := range names {
				recs[k] = state.StepRecord{Name: n, Status: state.StepRunning, Attempt: i}
				entries[k] = entry("step.running", at(i))
			}
			if err := l.PutSteps(recs, entries); err != nil {
				close(done)
				wg.Wait()
				t.Fatal(err)
			}
		}
		close(done)
		wg.Wait()
		for _, msg := range bad {
			t.Errorf("a reader saw half a batch: %s", msg)
		}
		if n := len(journal(t, b, "r1")); n != 1+batches*len(names) {
			t.Errorf("journal has %d entries, want %d", n, 1+batches*len(names))
		}
		verifies(t, b, "r1")
	})
}

// testLogs: the owner appends a step's output; readers get it back whole.
func (s *suite) testLogs(t *testing.T) {
	b := s.open(t)
	l := create(t, b, newRun("r1"), self("alice"), "a", "b", "c")
	for _, c := range []struct{ step, chunk string }{
		{"b", "backing up\n"}, {"a", "line 1\n"}, {"a", "line 2"}, {"b", "done\n"}, {"a", ""},
	} {
		if err := l.AppendLog(c.step, []byte(c.chunk)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct{ step, want string }{
		{"a", "line 1\nline 2"},
		{"b", "backing up\ndone\n"},
		{"c", ""},
	} {
		got, err := b.Logs("r1", tt.step)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want {
			t.Errorf("Logs(%q) = %q, want %q", tt.step, got, tt.want)
		}
	}
	if err := l.AppendLog("", []byte("x")); err == nil {
		t.Error("AppendLog of no step succeeded")
	}
	verifies(t, b, "r1")
}

// testSecrets: the raw scan the engine's secret tests rely on works: a
// string never given to the backend is not found, one given is.
func (s *suite) testSecrets(t *testing.T) {
	if s.h.Raw == nil {
		t.Skip("the harness cannot read the backend's raw bytes (Harness.Raw)")
	}
	b := s.open(t)
	// Built at run time, so that not even this binary holds it whole.
	never := "statetest-canary-never-given-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	given := "statetest-canary-given-" + strconv.FormatInt(time.Now().UnixNano()+1, 36)
	run := newRun("r1")
	run.InputsDigest = "sha256:0b5c"
	run.Inputs = map[string]string{"site": "P01", "sa_password": "(sensitive)"}
	l := create(t, b, run, self("alice"), "a")
	put(t, l, at(1), state.StepRecord{Name: "a", Status: state.StepSucceeded, Output: []byte(`{"rows":3}`)})
	if err := l.Append(state.JournalEntry{At: at(2), Type: "note", Actor: "alice", Data: map[string]string{"note": given}}); err != nil {
		t.Fatal(err)
	}
	raw := s.h.Raw(t, b)
	if bytes.Contains(raw, []byte(never)) {
		t.Error("the raw bytes contain a string never given to the backend: Raw does not read what the backend stored")
	}
	if !bytes.Contains(raw, []byte(given)) {
		t.Error("the raw bytes lack a string given in a journal entry: a secret scan of them proves nothing")
	}
	if !bytes.Contains(raw, []byte("(sensitive)")) {
		t.Error("the raw bytes lack the run's display value of a sensitive input")
	}
	// b still works after Raw.
	if err := l.Append(entry("note", at(3))); err != nil {
		t.Errorf("after Raw: %v", err)
	}
	verifies(t, b, "r1")
}

// testFinishedStaysFinished: a step that reached a final state never goes
// back, whoever writes; the refused write changes nothing.
func (s *suite) testFinishedStaysFinished(t *testing.T) {
	for _, done := range []state.StepStatus{state.StepSucceeded, state.StepFailed, state.StepSkipped, state.StepCancelled} {
		t.Run(string(done), func(t *testing.T) {
			b := s.open(t)
			l := create(t, b, newRun("r1"), self("alice"), "a")
			put(t, l, at(1), state.StepRecord{Name: "a", Status: done})
			before := snapshot(t, b, "r1")
			err := l.PutSteps([]state.StepRecord{{Name: "a", Status: state.StepRunning, Attempt: 2}}, []state.JournalEntry{entry("step.running", at(2))})
			if !errors.Is(err, state.ErrConflict) {
				t.Fatalf("a %s step written back to running: %v, want ErrConflict", done, err)
			}
			unchanged(t, b, before, "a refused transition")
		})
	}
}
