package statetest

import (
	"errors"
	"testing"
	"time"

	"github.com/batonhq/baton/state"
	"github.com/google/go-cmp/cmp"
)

const key = "site:P01"

// lockedRun is a run holding key.
func lockedRun(id string) state.Run {
	r := newRun(id)
	r.LockKey = key
	return r
}

// testLocks: a site lock belongs to its run from CreateRun until the run
// ends or is superseded, whether or not a process owns it meanwhile.
func (s *suite) testLocks(t *testing.T) {
	t.Run("held from CreateRun", func(t *testing.T) {
		b := s.open(t)
		h := self("alice")
		create(t, b, lockedRun("r1"), h)
		got, err := b.Lock(key)
		if err != nil {
			t.Fatal(err)
		}
		if got.Key != key || got.RunID != "r1" || got.User != "alice" || got.Host != h.Host || got.PID != h.PID {
			t.Errorf("Lock = %+v", got)
		}
		locks, err := b.Locks()
		if err != nil || len(locks) != 1 || locks[0] != got {
			t.Errorf("Locks = %+v, %v; want [%+v]", locks, err, got)
		}
	})

	type outcome int
	const (
		locked     outcome = iota // *LockedError
		owned                     // refused: the holder's owner is live
		superseded                // the holder is superseded for the new run
		free                      // the lock was free
		refused                   // some other error
	)
	pause := func(t *testing.T, _ state.Backend, l state.Lease, run state.Run) {
		end(t, l, run, state.RunPaused, at(1))
	}
	nothing := func(*testing.T, state.Backend, state.Lease, state.Run) {}
	force := state.CreateOptions{ForceLock: true, Supersede: supersession("bob")}
	for _, tt := range []struct {
		name   string
		holder func(t *testing.T) state.Holder                                 // the first run's owner
		first  func(t *testing.T, b state.Backend, l state.Lease, r state.Run) // then
		status state.RunStatus                                                 // the first run's status then
		after  time.Duration                                                   // from t0 to the second CreateRun
		opts   state.CreateOptions
		want   outcome
	}{
		{"running, owner alive", s.alice, nothing, state.RunRunning, time.Second, state.CreateOptions{}, locked},
		{"running, owner alive, force", s.alice, nothing, state.RunRunning, time.Second, force, owned},
		{"running, owner on another host, force", s.remote, nothing, state.RunRunning, time.Second, force, owned},
		{"paused", s.alice, pause, state.RunPaused, time.Second, state.CreateOptions{}, locked},
		{"paused, force", s.alice, pause, state.RunPaused, time.Second, force, superseded},
		{"paused, force without a reason", s.alice, pause, state.RunPaused, time.Second, state.CreateOptions{ForceLock: true, Supersede: state.JournalEntry{Actor: "bob"}}, refused},
		{"paused, force without a name", s.alice, pause, state.RunPaused, time.Second, state.CreateOptions{ForceLock: true, Supersede: state.JournalEntry{Data: map[string]string{"reason": "x"}}}, refused},
		{"released", s.alice, func(t *testing.T, _ state.Backend, l state.Lease, _ state.Run) {
			if err := l.Release(); err != nil {
				t.Fatal(err)
			}
		}, state.RunRunning, time.Second, state.CreateOptions{}, locked},
		{"owner's process exited", s.goneAlice, nothing, state.RunRunning, time.Second, state.CreateOptions{}, locked},
		{"owner's process exited, force", s.goneAlice, nothing, state.RunRunning, time.Second, force, superseded},
		{"owner's heartbeat lapsed, force", s.remote, nothing, state.RunRunning, time.Hour, force, superseded},
		{"paused then resumed by another process, force", s.alice, func(t *testing.T, b state.Backend, l state.Lease, run state.Run) {
			end(t, l, run, state.RunPaused, at(1))
			if _, err := b.AcquireRun("r1", state.Self("carol", t0), t0); err != nil {
				t.Fatal(err)
			}
		}, state.RunPaused, time.Second, force, owned},
		{"succeeded", s.alice, func(t *testing.T, _ state.Backend, l state.Lease, run state.Run) {
			end(t, l, run, state.RunSucceeded, at(1))
		}, state.RunSucceeded, time.Second, state.CreateOptions{}, free},
		{"cancelled", s.alice, func(t *testing.T, _ state.Backend, l state.Lease, run state.Run) {
			end(t, l, run, state.RunCancelled, at(1))
		}, state.RunCancelled, time.Second, state.CreateOptions{}, free},
		{"superseded earlier", s.alice, func(t *testing.T, b state.Backend, l state.Lease, run state.Run) {
			end(t, l, run, state.RunPaused, at(1))
			if err := b.Supersede("r1", supersession("dave"), at(1)); err != nil {
				t.Fatal(err)
			}
		}, state.RunSuperseded, time.Second, state.CreateOptions{}, free},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := s.open(t)
			r1 := lockedRun("r1")
			l1 := create(t, b, r1, tt.holder(t), "a")
			tt.first(t, b, l1, r1)
			before := snapshot(t, b, "r1")
			if before.Run.Status != tt.status {
				t.Fatalf("the first run is %s, want %s", before.Run.Status, tt.status)
			}
			now := t0.Add(tt.after)
			opts := tt.opts
			opts.Owner = state.Self("bob", now)
			r2 := lockedRun("r2")
			r2.Requester, r2.CreatedAt, r2.UpdatedAt = "bob", now, now
			l2, err := b.CreateRun(r2, pending("a"), entry("run.created", now), opts)

			switch tt.want {
			case locked, owned, refused:
				if err == nil {
					t.Fatal("the second run was created")
				}
				if l2 != nil {
					t.Error("a refused CreateRun granted a lease")
				}
				notStored(t, b, "r2")
				unchanged(t, b, before, "a refused CreateRun")
				if h, err := b.Lock(key); err != nil || h.RunID != "r1" {
					t.Errorf("Lock = %+v, %v; want held by r1", h, err)
				}
			}
			switch tt.want {
			case locked:
				mustErr(t, err, state.ErrLocked)
				var le *state.LockedError
				if !errors.As(err, &le) {
					t.Fatalf("err %v is not a *LockedError", err)
				}
				if le.Holder.Key != key || le.Holder.RunID != "r1" {
					t.Errorf("LockedError holder = %+v", le.Holder)
				}
				if diff := cmp.Diff(before.Run, le.Run); diff != "" {
					t.Errorf("LockedError run is not the holding run as stored (-want +got):\n%s", diff)
				}
			case owned:
				if !errors.Is(err, state.ErrOwned) && !errors.Is(err, state.ErrLocked) {
					t.Errorf("err = %v, want ErrOwned or ErrLocked", err)
				}
			case superseded:
				if err != nil {
					t.Fatalf("CreateRun with ForceLock: %v", err)
				}
				got := mustRun(t, b, "r1")
				if got.Status != state.RunSuperseded || got.Owner != nil {
					t.Errorf("the first run is %s, owner %+v; want superseded, no owner", got.Status, got.Owner)
				}
				if sup := got.Superseded; sup == nil || sup.By != "bob" || sup.Reason != opts.Supersede.Data["reason"] || sup.ByRun != "r2" {
					t.Errorf("Superseded = %+v", got.Superseded)
				}
				e := last(t, b, "r1")
				if e.Actor != "bob" || e.Data["reason"] != opts.Supersede.Data["reason"] || e.RunRecord == "" {
					t.Errorf("the first run's last entry = %+v; want bob's supersession with its reason", e)
				}
				verifies(t, b, "r1")
				_, err := b.AcquireRun("r1", state.Self("carol", now), now)
				wantErr(t, err, state.ErrSuperseded)
				wantErr(t, l1.Append(entry("note", now)), state.ErrLeaseLost)
				if err := l2.Append(entry("note", now)); err != nil {
					t.Errorf("the new run cannot write: %v", err)
				}
			case free:
				if err != nil {
					t.Fatalf("CreateRun after the holder ended: %v", err)
				}
				unchanged(t, b, before, "taking the lock of an ended run")
			}
			if tt.want == superseded || tt.want == free {
				h, err := b.Lock(key)
				if err != nil || h.RunID != "r2" || h.User != "bob" {
					t.Errorf("Lock = %+v, %v; want held by r2", h, err)
				}
				if locks, err := b.Locks(); err != nil || len(locks) != 1 || locks[0].RunID != "r2" {
					t.Errorf("Locks = %+v, %v; want r2's only", locks, err)
				}
			}
		})
	}

	t.Run("Locks lists only held locks", func(t *testing.T) {
		b := s.open(t)
		for _, c := range []struct {
			id, key string
			stop    func(t *testing.T, l state.Lease, run state.Run)
		}{
			{"r1", "site:D", func(*testing.T, state.Lease, state.Run) {}},
			{"r2", "site:A", func(t *testing.T, l state.Lease, run state.Run) { end(t, l, run, state.RunPaused, at(1)) }},
			{"r3", "site:C", func(t *testing.T, l state.Lease, run state.Run) { end(t, l, run, state.RunSucceeded, at(1)) }},
			{"r4", "site:B", func(t *testing.T, l state.Lease, run state.Run) {
				end(t, l, run, state.RunPaused, at(1))
				if err := b.Supersede(run.ID, supersession("bob"), at(2)); err != nil {
					t.Fatal(err)
				}
			}},
			{"r5", "site:E", func(t *testing.T, l state.Lease, run state.Run) { end(t, l, run, state.RunBackedOut, at(1)) }},
		} {
			run := newRun(c.id)
			run.LockKey = c.key
			c.stop(t, create(t, b, run, self("alice")), run)
		}
		locks, err := b.Locks()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range locks {
			got = append(got, h.Key+"="+h.RunID)
		}
		if diff := cmp.Diff([]string{"site:A=r2", "site:D=r1"}, got); diff != "" {
			t.Errorf("Locks, sorted by key (-want +got):\n%s", diff)
		}
		for _, k := range []string{"site:B", "site:C", "site:E", "site:nope", ""} {
			if h, err := b.Lock(k); !errors.Is(err, state.ErrNotFound) {
				t.Errorf("Lock(%q) = %+v, %v; want ErrNotFound", k, h, err)
			}
		}
	})
}

func (s *suite) alice(*testing.T) state.Holder       { return self("alice") }
func (s *suite) remote(*testing.T) state.Holder      { return elsewhere("alice") }
func (s *suite) goneAlice(t *testing.T) state.Holder { return s.gone(t, "alice") }

// testSupersede: Supersede ends a run whose owner is not live, for good,
// with who, when and why, and frees its lock.
func (s *suite) testSupersede(t *testing.T) {
	for _, tt := range []struct {
		name   string
		holder func(t *testing.T) state.Holder
		first  func(t *testing.T, b state.Backend, l state.Lease, r state.Run)
		now    time.Time
		entry  state.JournalEntry
		want   error // nil: superseded
	}{
		{"paused", s.alice, func(t *testing.T, _ state.Backend, l state.Lease, r state.Run) { end(t, l, r, state.RunPaused, at(1)) }, at(2), supersession("bob"), nil},
		{"released", s.alice, func(t *testing.T, _ state.Backend, l state.Lease, _ state.Run) {
			if err := l.Release(); err != nil {
				t.Fatal(err)
			}
		}, at(2), supersession("bob"), nil},
		{"owner's process exited", s.goneAlice, func(*testing.T, state.Backend, state.Lease, state.Run) {}, t0.Add(time.Second), supersession("bob"), nil},
		{"owner's heartbeat lapsed", s.remote, func(*testing.T, state.Backend, state.Lease, state.Run) {}, at(60), supersession("bob"), nil},
		{"owner alive", s.alice, func(*testing.T, state.Backend, state.Lease, state.Run) {}, t0.Add(time.Second), supersession("bob"), state.ErrOwned},
		{"owner on another host, fresh heartbeat", s.remote, func(*testing.T, state.Backend, state.Lease, state.Run) {}, t0.Add(time.Second), supersession("bob"), state.ErrOwned},
		{"no name", s.alice, func(t *testing.T, _ state.Backend, l state.Lease, r state.Run) { end(t, l, r, state.RunPaused, at(1)) }, at(2), state.JournalEntry{Data: map[string]string{"reason": "x"}}, errAny},
		{"no reason", s.alice, func(t *testing.T, _ state.Backend, l state.Lease, r state.Run) { end(t, l, r, state.RunPaused, at(1)) }, at(2), state.JournalEntry{Actor: "bob"}, errAny},
		{"ended", s.alice, func(t *testing.T, _ state.Backend, l state.Lease, r state.Run) { end(t, l, r, state.RunFailed, at(1)) }, at(2), supersession("bob"), state.ErrConflict},
		{"superseded already", s.alice, func(t *testing.T, b state.Backend, l state.Lease, r state.Run) {
			end(t, l, r, state.RunPaused, at(1))
			if err := b.Supersede("r1", supersession("dave"), at(1)); err != nil {
				t.Fatal(err)
			}
		}, at(2), supersession("bob"), state.ErrSuperseded},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := s.open(t)
			run := lockedRun("r1")
			l := create(t, b, run, tt.holder(t), "a")
			tt.first(t, b, l, run)
			before := snapshot(t, b, "r1")
			err := b.Supersede("r1", tt.entry, tt.now)
			if tt.want != nil {
				mustErr(t, err, tt.want)
				if tt.want == state.ErrOwned {
					var oe *state.OwnedError
					if !errors.As(err, &oe) || oe.Owner.User != "alice" {
						t.Errorf("err %v is not an *OwnedError naming alice", err)
					}
				}
				unchanged(t, b, before, "a refused Supersede")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := mustRun(t, b, "r1")
			if got.Status != state.RunSuperseded || got.Owner != nil || !got.Status.Done() {
				t.Errorf("run is %s, owner %+v", got.Status, got.Owner)
			}
			if sup := got.Superseded; sup == nil || sup.By != "bob" || sup.Reason != tt.entry.Data["reason"] || !sup.At.Equal(tt.now) || sup.ByRun != "" {
				t.Errorf("Superseded = %+v", got.Superseded)
			}
			e := last(t, b, "r1")
			if e.Actor != "bob" || e.Data["reason"] != tt.entry.Data["reason"] || !e.At.Equal(tt.now) {
				t.Errorf("last entry = %+v", e)
			}
			verifies(t, b, "r1")
			if _, err := b.Lock(key); !errors.Is(err, state.ErrNotFound) {
				t.Errorf("the superseded run still holds its lock: %v", err)
			}
			_, err = b.AcquireRun("r1", state.Self("carol", tt.now), tt.now)
			wantErr(t, err, state.ErrSuperseded)
			_, err = b.Answer("r1", cancelBy("carol"))
			wantErr(t, err, state.ErrSuperseded)
			wantErr(t, l.Append(entry("note", tt.now)), state.ErrLeaseLost)
		})
	}
}
