package statetest

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/state"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// testCreate: CreateRun stores what it is given, in one transaction, and
// refuses duplicate ids and step records that are not new.
func (s *suite) testCreate(t *testing.T) {
	t.Run("stores the run, its steps and its first entry", func(t *testing.T) {
		b := s.open(t)
		run := newRun("r1")
		run.Inputs = map[string]string{"site": "P01"}
		steps := pending("b", "a")
		e := state.JournalEntry{At: t0, Type: "run.created", Actor: "alice", Data: map[string]string{"runbook": "site-failover"}}
		l, err := b.CreateRun(run, steps, e, state.CreateOptions{Owner: self("alice")})
		if err != nil {
			t.Fatal(err)
		}
		if l.RunID() != "r1" {
			t.Errorf("lease of run %q", l.RunID())
		}
		got := mustRun(t, b, "r1")
		if diff := cmp.Diff(run, got, cmpopts.IgnoreFields(state.Run{}, "Owner")); diff != "" {
			t.Errorf("Run (-want +got):\n%s", diff)
		}
		gotSteps, err := b.Steps("r1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(pending("a", "b"), gotSteps); diff != "" {
			t.Errorf("Steps, sorted by name (-want +got):\n%s", diff)
		}
		if st, err := b.Step("r1", "b"); err != nil || st.Status != state.StepPending {
			t.Errorf("Step(b) = %+v, %v", st, err)
		}
		j := journal(t, b, "r1")
		if len(j) != 1 || j[0].Type != "run.created" || j[0].Seq != 1 || j[0].Actor != "alice" || j[0].Data["runbook"] != "site-failover" || !j[0].At.Equal(t0) {
			t.Errorf("journal = %+v", j)
		}
		verifies(t, b, "r1")
	})

	t.Run("Runs lists newest first", func(t *testing.T) {
		b := s.open(t)
		for i, m := range []int{5, 1, 9, 3} {
			r := newRun("r" + strconv.Itoa(i))
			r.CreatedAt = at(m)
			create(t, b, r, self("alice"))
		}
		runs, err := b.Runs()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range runs {
			got = append(got, r.ID)
		}
		if diff := cmp.Diff([]string{"r2", "r0", "r3", "r1"}, got); diff != "" {
			t.Errorf("Runs order (-want +got):\n%s", diff)
		}
	})

	t.Run("refuses a duplicate id", func(t *testing.T) {
		b := s.open(t)
		create(t, b, newRun("r1"), self("alice"), "a")
		before := snapshot(t, b, "r1")
		dup := newRun("r1")
		dup.LockKey, dup.PlanDigest, dup.Runbook = "site:P02", "sha256:plan-dup", "other"
		_, err := b.CreateRun(dup, pending("x"), entry("run.created", at(1)), state.CreateOptions{Owner: self("bob")})
		mustErr(t, err, state.ErrExists)
		unchanged(t, b, before, "a refused CreateRun")
		if _, err := b.Lock("site:P02"); !errors.Is(err, state.ErrNotFound) {
			t.Errorf("the refused run took its lock: %v", err)
		}
		if id, err := b.PlanSpender("sha256:plan-dup"); !errors.Is(err, state.ErrNotFound) {
			t.Errorf("the refused run spent its plan: %q, %v", id, err)
		}
	})

	t.Run("refuses", func(t *testing.T) {
		for _, tt := range []struct {
			name  string
			id    string
			steps []state.StepRecord
			entry state.JournalEntry
		}{
			{"a running step", "r1", []state.StepRecord{{Name: "a", Status: state.StepRunning}}, entry("run.created", t0)},
			{"a succeeded step", "r1", []state.StepRecord{{Name: "a", Status: state.StepSucceeded}}, entry("run.created", t0)},
			{"a step without status", "r1", []state.StepRecord{{Name: "a"}}, entry("run.created", t0)},
			{"a step with an attempt", "r1", []state.StepRecord{{Name: "a", Status: state.StepPending, Attempt: 1}}, entry("run.created", t0)},
			{"a step with output", "r1", []state.StepRecord{{Name: "a", Status: state.StepPending, Output: []byte(`{"ok":true}`)}}, entry("run.created", t0)},
			{"a step with an approval", "r1", []state.StepRecord{{Name: "a", Status: state.StepPending, Approvals: []state.Approval{{By: "mallory", Decision: "approved", At: t0}}}}, entry("run.created", t0)},
			{"a step with a resolution", "r1", []state.StepRecord{{Name: "a", Status: state.StepPending, Resolution: &state.Resolution{By: "mallory", Decision: "succeeded", Reason: "x", At: t0}}}, entry("run.created", t0)},
			{"a step with a start time", "r1", []state.StepRecord{{Name: "a", Status: state.StepPending, StartedAt: t0}}, entry("run.created", t0)},
			{"a step listed twice", "r1", pending("a", "a"), entry("run.created", t0)},
			{"a step without a name", "r1", pending(""), entry("run.created", t0)},
			{"a run without an id", "", pending("a"), entry("run.created", t0)},
			{"an entry without a type", "r1", pending("a"), state.JournalEntry{At: t0}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				b := s.open(t)
				run := newRun(tt.id)
				run.LockKey, run.PlanDigest = "site:P01", "sha256:plan-1"
				l, err := b.CreateRun(run, tt.steps, tt.entry, state.CreateOptions{Owner: self("alice")})
				mustErr(t, err, errAny)
				if l != nil {
					t.Errorf("a refused CreateRun granted a lease")
				}
				if tt.id != "" {
					notStored(t, b, tt.id)
				}
				if runs, err := b.Runs(); err != nil || len(runs) != 0 {
					t.Errorf("Runs = %+v, %v; want none", runs, err)
				}
				if _, err := b.Lock("site:P01"); !errors.Is(err, state.ErrNotFound) {
					t.Errorf("the refused run took its lock: %v", err)
				}
				if _, err := b.PlanSpender("sha256:plan-1"); !errors.Is(err, state.ErrNotFound) {
					t.Errorf("the refused run spent its plan: %v", err)
				}
			})
		}
	})

	t.Run("not found", func(t *testing.T) {
		b := s.open(t)
		create(t, b, newRun("r1"), self("alice"), "a")
		for name, err := range map[string]error{
			"Run":           func() error { _, err := b.Run("nope"); return err }(),
			"Run of no id":  func() error { _, err := b.Run(""); return err }(),
			"Steps":         func() error { _, err := b.Steps("nope"); return err }(),
			"Step":          func() error { _, err := b.Step("nope", "a"); return err }(),
			"unknown Step":  func() error { _, err := b.Step("r1", "zz"); return err }(),
			"Journal":       func() error { _, err := b.Journal("nope"); return err }(),
			"JournalSince":  func() error { _, err := b.JournalSince("nope", 0); return err }(),
			"VerifyJournal": func() error { _, err := b.VerifyJournal("nope"); return err }(),
			"Logs":          func() error { _, err := b.Logs("nope", "a"); return err }(),
			"Lock":          func() error { _, err := b.Lock("nope"); return err }(),
			"PlanSpender":   func() error { _, err := b.PlanSpender("sha256:nope"); return err }(),
			"AcquireRun":    func() error { _, err := b.AcquireRun("nope", self("bob"), t0); return err }(),
			"Answer":        func() error { _, err := b.Answer("nope", cancelBy("bob")); return err }(),
			"Supersede":     b.Supersede("nope", supersession("bob"), t0),
		} {
			if !errors.Is(err, state.ErrNotFound) {
				t.Errorf("%s: err = %v, want ErrNotFound", name, err)
			}
		}
	})
}

// testOwnership: CreateRun and AcquireRun grant the lease; a holder that
// may be alive keeps it; one provably gone loses it to a takeover, which is
// journaled.
func (s *suite) testOwnership(t *testing.T) {
	t.Run("CreateRun grants the lease", func(t *testing.T) {
		b := s.open(t)
		h := self("alice")
		l := create(t, b, newRun("r1"), h, "a")
		if l.RunID() != "r1" || l.Token() == 0 {
			t.Errorf("lease of run %q, token %d", l.RunID(), l.Token())
		}
		o := mustRun(t, b, "r1").Owner
		if o == nil {
			t.Fatal("the run records no owner")
		}
		if o.Token != l.Token() {
			t.Errorf("owner token %d, lease token %d", o.Token, l.Token())
		}
		if diff := cmp.Diff(h, o.Holder); diff != "" {
			t.Errorf("owner (-want +got):\n%s", diff)
		}
	})

	t.Run("AcquireRun", func(t *testing.T) {
		for _, tt := range []struct {
			name   string
			holder func(t *testing.T) state.Holder // the first owner
			after  time.Duration                   // from its Since to the takeover attempt
			taken  bool
		}{
			{"holder alive on this host", func(*testing.T) state.Holder { return self("alice") }, time.Second, false},
			{"holder on another host, fresh heartbeat", func(*testing.T) state.Holder { return elsewhere("alice") }, time.Second, false},
			{"holder on another host, heartbeat just within the TTL", func(*testing.T) state.Holder { return elsewhere("alice") }, state.DefaultLeaseTTL - time.Second, false},
			{"holder on another host, heartbeat lapsed", func(*testing.T) state.Holder { return elsewhere("alice") }, time.Hour, true},
			{"holder alive on this host, heartbeat lapsed", func(*testing.T) state.Holder { return self("alice") }, time.Hour, true},
			{"holder's process on this host exited", func(t *testing.T) state.Holder { return s.gone(t, "alice") }, time.Second, true},
			{"holder's pid on this host now another process", func(t *testing.T) state.Holder { return reused(t, "alice") }, time.Second, true},
		} {
			t.Run(tt.name, func(t *testing.T) {
				b := s.open(t)
				old := tt.holder(t)
				l1 := create(t, b, newRun("r1"), old, "a")
				put(t, l1, at(1), state.StepRecord{Name: "a", Status: state.StepRunning, Attempt: 1})
				before := snapshot(t, b, "r1")
				now := old.Since.Add(tt.after)
				nh := state.Holder{Host: "ops2", PID: 77, User: "carol", Since: now}
				l2, err := b.AcquireRun("r1", nh, now)
				if !tt.taken {
					mustErr(t, err, state.ErrOwned)
					var oe *state.OwnedError
					if !errors.As(err, &oe) {
						t.Fatalf("err %v is not an *OwnedError", err)
					}
					if oe.RunID != "r1" || oe.Owner.Token != l1.Token() {
						t.Errorf("OwnedError names run %q token %d", oe.RunID, oe.Owner.Token)
					}
					if diff := cmp.Diff(old, oe.Owner.Holder); diff != "" {
						t.Errorf("OwnedError holder (-want +got):\n%s", diff)
					}
					for _, part := range []string{old.Host, strconv.Itoa(old.PID), old.User} {
						if !strings.Contains(err.Error(), part) {
							t.Errorf("message %q does not name the holder (%q)", err, part)
						}
					}
					if l2 != nil {
						t.Error("a refused AcquireRun granted a lease")
					}
					unchanged(t, b, before, "a refused AcquireRun")
					if err := l1.Append(entry("note", at(2))); err != nil {
						t.Errorf("the holder lost its lease to a refused AcquireRun: %v", err)
					}
					return
				}
				if err != nil {
					t.Fatalf("AcquireRun: %v", err)
				}
				if l2.RunID() != "r1" || l2.Token() == l1.Token() {
					t.Errorf("new lease of run %q, token %d (old %d)", l2.RunID(), l2.Token(), l1.Token())
				}
				run := mustRun(t, b, "r1")
				if run.Owner == nil || run.Owner.Token != l2.Token() {
					t.Fatalf("owner = %+v, want token %d", run.Owner, l2.Token())
				}
				if diff := cmp.Diff(nh, run.Owner.Holder); diff != "" {
					t.Errorf("new owner (-want +got):\n%s", diff)
				}
				e := last(t, b, "r1")
				if e.Type != "run.owner_taken_over" {
					t.Fatalf("last entry %q, want run.owner_taken_over", e.Type)
				}
				for k, want := range map[string]string{"host": old.Host, "pid": strconv.Itoa(old.PID), "user": old.User} {
					if e.Data[k] != want {
						t.Errorf("takeover entry Data[%q] = %q, want %q (the old holder); entry %+v", k, e.Data[k], want, e)
					}
				}
				if !e.At.Equal(now) {
					t.Errorf("takeover entry at %v, want %v", e.At, now)
				}
				verifies(t, b, "r1")
				wantErr(t, l1.Append(entry("note", now)), state.ErrLeaseLost)
				if err := l2.Append(entry("note", now)); err != nil {
					t.Errorf("the new owner cannot write: %v", err)
				}
			})
		}
	})

	t.Run("AcquireRun of a run nobody owns", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			stop func(t *testing.T, l state.Lease, run state.Run)
		}{
			{"paused", func(t *testing.T, l state.Lease, run state.Run) { end(t, l, run, state.RunPaused, at(1)) }},
			{"released", func(t *testing.T, l state.Lease, _ state.Run) {
				if err := l.Release(); err != nil {
					t.Fatal(err)
				}
			}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				b := s.open(t)
				run := newRun("r1")
				l1 := create(t, b, run, self("alice"), "a")
				tt.stop(t, l1, run)
				if o := mustRun(t, b, "r1").Owner; o != nil {
					t.Errorf("the run still records owner %+v", o)
				}
				nh := self("bob")
				l2, err := b.AcquireRun("r1", nh, at(2))
				if err != nil {
					t.Fatalf("AcquireRun: %v", err)
				}
				if o := mustRun(t, b, "r1").Owner; o == nil || o.Token != l2.Token() || o.User != "bob" {
					t.Errorf("owner = %+v", o)
				}
				for _, e := range journal(t, b, "r1") {
					if e.Type == "run.owner_taken_over" {
						t.Errorf("acquiring an unowned run journaled a takeover: %+v", e)
					}
				}
				if err := l2.Append(entry("note", at(2))); err != nil {
					t.Errorf("the new owner cannot write: %v", err)
				}
				verifies(t, b, "r1")
			})
		}
	})

	t.Run("AcquireRun of an ended run", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			stop func(t *testing.T, b state.Backend, l state.Lease, run state.Run)
			want error
		}{
			{"succeeded", func(t *testing.T, _ state.Backend, l state.Lease, run state.Run) {
				end(t, l, run, state.RunSucceeded, at(1))
			}, state.ErrConflict},
			{"cancelled", func(t *testing.T, _ state.Backend, l state.Lease, run state.Run) {
				end(t, l, run, state.RunCancelled, at(1))
			}, state.ErrConflict},
			{"superseded", func(t *testing.T, b state.Backend, l state.Lease, run state.Run) {
				end(t, l, run, state.RunPaused, at(1))
				if err := b.Supersede("r1", supersession("bob"), at(2)); err != nil {
					t.Fatal(err)
				}
			}, state.ErrSuperseded},
		} {
			t.Run(tt.name, func(t *testing.T) {
				b := s.open(t)
				run := newRun("r1")
				l := create(t, b, run, self("alice"), "a")
				tt.stop(t, b, l, run)
				before := snapshot(t, b, "r1")
				l2, err := b.AcquireRun("r1", self("carol"), at(3))
				mustErr(t, err, tt.want)
				if l2 != nil {
					t.Error("a refused AcquireRun granted a lease")
				}
				unchanged(t, b, before, "a refused AcquireRun")
			})
		}
	})

	t.Run("Renew keeps the lease alive", func(t *testing.T) {
		b := s.open(t)
		h := elsewhere("alice")
		l := create(t, b, newRun("r1"), h, "a")
		n := len(journal(t, b, "r1"))
		renewed := at(50)
		if err := l.Renew(renewed); err != nil {
			t.Fatal(err)
		}
		if o := mustRun(t, b, "r1").Owner; o == nil || !o.Renewed.Equal(renewed) || o.Token != l.Token() {
			t.Errorf("owner after Renew = %+v", o)
		}
		if got := len(journal(t, b, "r1")); got != n {
			t.Errorf("Renew journaled %d entries; a heartbeat changes no meaning", got-n)
		}
		verifies(t, b, "r1")
		// Long past Since but within the TTL of the heartbeat: alive.
		_, err := b.AcquireRun("r1", self("carol"), renewed.Add(time.Second))
		mustErr(t, err, state.ErrOwned)
		// Past the TTL of the heartbeat: gone.
		l2, err := b.AcquireRun("r1", self("carol"), renewed.Add(time.Hour))
		if err != nil {
			t.Fatalf("AcquireRun after the heartbeat lapsed: %v", err)
		}
		if l2.Token() == l.Token() {
			t.Error("the takeover kept the token")
		}
	})
}

// testFencedWrites: once a lease ends (taken over, superseded, or the
// owner paused, ended or released the run), every write through it fails
// with ErrLeaseLost and changes nothing.
func (s *suite) testFencedWrites(t *testing.T) {
	ends := []struct {
		name   string
		holder func(t *testing.T) state.Holder
		end    func(t *testing.T, b state.Backend, l state.Lease, run state.Run)
	}{
		{"taken over", func(*testing.T) state.Holder { return elsewhere("alice") }, func(t *testing.T, b state.Backend, _ state.Lease, _ state.Run) {
			if _, err := b.AcquireRun("r1", self("carol"), at(120)); err != nil {
				t.Fatal(err)
			}
		}},
		{"taken over from an exited process", func(t *testing.T) state.Holder { return s.gone(t, "alice") }, func(t *testing.T, b state.Backend, _ state.Lease, _ state.Run) {
			if _, err := b.AcquireRun("r1", self("carol"), t0.Add(time.Second)); err != nil {
				t.Fatal(err)
			}
		}},
		{"superseded", func(*testing.T) state.Holder { return elsewhere("alice") }, func(t *testing.T, b state.Backend, _ state.Lease, _ state.Run) {
			if err := b.Supersede("r1", supersession("bob"), at(120)); err != nil {
				t.Fatal(err)
			}
		}},
		{"superseded by a run taking its lock", func(*testing.T) state.Holder { return elsewhere("alice") }, func(t *testing.T, b state.Backend, _ state.Lease, _ state.Run) {
			r2 := newRun("r2")
			r2.LockKey = "site:P01"
			if _, err := b.CreateRun(r2, nil, entry("run.created", at(120)), state.CreateOptions{Owner: state.Self("bob", at(120)), ForceLock: true, Supersede: supersession("bob")}); err != nil {
				t.Fatal(err)
			}
		}},
		{"paused by its owner", func(*testing.T) state.Holder { return self("alice") }, func(t *testing.T, _ state.Backend, l state.Lease, run state.Run) {
			end(t, l, run, state.RunPaused, at(2))
		}},
		{"ended by its owner", func(*testing.T) state.Holder { return self("alice") }, func(t *testing.T, _ state.Backend, l state.Lease, run state.Run) {
			end(t, l, run, state.RunFailed, at(2))
		}},
		{"released", func(*testing.T) state.Holder { return self("alice") }, func(t *testing.T, _ state.Backend, l state.Lease, _ state.Run) {
			if err := l.Release(); err != nil {
				t.Fatal(err)
			}
		}},
	}
	writes := []struct {
		name string
		do   func(l state.Lease, run state.Run) error
	}{
		{"PutSteps", func(l state.Lease, _ state.Run) error {
			return l.PutSteps([]state.StepRecord{{Name: "a", Status: state.StepSucceeded, Attempt: 1}, {Name: "b", Status: state.StepRunning}},
				[]state.JournalEntry{entry("step.succeeded", at(200)), entry("step.running", at(200))})
		}},
		{"UpdateRun", func(l state.Lease, run state.Run) error {
			run.Status, run.Reason, run.UpdatedAt = state.RunRunning, "stale owner", at(200)
			return l.UpdateRun(run, entry("run.running", at(200)))
		}},
		{"UpdateRun ending the run", func(l state.Lease, run state.Run) error {
			run.Status, run.UpdatedAt = state.RunSucceeded, at(200)
			return l.UpdateRun(run, entry("run.succeeded", at(200)))
		}},
		{"Append", func(l state.Lease, _ state.Run) error { return l.Append(entry("note", at(200))) }},
		{"AppendLog", func(l state.Lease, _ state.Run) error { return l.AppendLog("a", []byte("stale output\n")) }},
		{"Renew", func(l state.Lease, _ state.Run) error { return l.Renew(at(200)) }},
	}
	for _, e := range ends {
		t.Run(e.name, func(t *testing.T) {
			b := s.open(t)
			run := newRun("r1")
			run.LockKey = "site:P01"
			l, err := b.CreateRun(run, pending("a", "b"), entry("run.created", t0), state.CreateOptions{Owner: e.holder(t)})
			if err != nil {
				t.Fatal(err)
			}
			put(t, l, at(1), state.StepRecord{Name: "a", Status: state.StepRunning, Attempt: 1})
			if err := l.AppendLog("a", []byte("output\n")); err != nil {
				t.Fatal(err)
			}
			e.end(t, b, l, run)
			before := snapshot(t, b, "r1")
			for _, w := range writes {
				t.Run(w.name, func(t *testing.T) {
					wantErr(t, w.do(l, run), state.ErrLeaseLost)
					unchanged(t, b, before, "a write through a lost lease")
				})
			}
			t.Run("Release", func(t *testing.T) {
				if err := l.Release(); err != nil && !errors.Is(err, state.ErrLeaseLost) {
					t.Errorf("Release of a lost lease: %v", err)
				}
				unchanged(t, b, before, "Release of a lost lease")
			})
			verifies(t, b, "r1")
		})
	}
}

// cancelBy is a cancel answer.
func cancelBy(by string) state.JournalEntry {
	return state.JournalEntry{At: at(5), Actor: by, Answer: &state.Answer{Kind: state.AnswerCancel, By: by}}
}
