package state

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestProcessAlive(t *testing.T) {
	for _, tt := range []struct {
		name string
		pid  int
		want bool
	}{
		{"this process", os.Getpid(), true},
		{"a reaped process", deadPID(t), false},
		{"pid 0 is never provably dead", 0, true},
		{"negative pid", -1, true},
	} {
		if got := processAlive(tt.pid); got != tt.want {
			t.Errorf("%s: processAlive(%d) = %v, want %v", tt.name, tt.pid, got, tt.want)
		}
	}
}

func TestProcessAliveOnHost(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Skip("no hostname:", err)
	}
	dead := deadPID(t)
	for _, tt := range []struct {
		host string
		pid  int
		want bool
	}{
		{host, os.Getpid(), true},
		{host, dead, false},
		{"another-host", dead, true}, // cannot tell: assumed alive
		{host, 0, true},
	} {
		if got := ProcessAlive(tt.host, tt.pid); got != tt.want {
			t.Errorf("ProcessAlive(%q, %d) = %v, want %v", tt.host, tt.pid, got, tt.want)
		}
	}
}

func TestAcquireLock(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Skip("no hostname:", err)
	}
	live, dead := os.Getpid(), deadPID(t)
	holder := func(run string, host string, pid int) LockHolder {
		return LockHolder{Key: "site:P01", RunID: run, Host: host, PID: pid, User: "alice", Since: at(1)}
	}
	tests := []struct {
		name      string
		held      *LockHolder // stored before the call
		h         LockHolder
		force     bool
		wantErr   bool
		wantStale bool
		taken     bool // "lock.taken_over" journaled
	}{
		{name: "free", h: holder("r2", host, live)},
		{name: "same run, same process", held: ptr(holder("r2", host, live)), h: holder("r2", host, live)},
		{name: "same run after a crash", held: ptr(holder("r2", host, dead)), h: holder("r2", host, live)},
		{name: "same run, another live process", held: ptr(holder("r2", host, live)), h: holder("r2", host, live+1), wantErr: true},
		{name: "same run from another host", held: ptr(holder("r2", "elsewhere", live)), h: holder("r2", host, live)},
		{name: "other run, live", held: ptr(holder("r1", host, live)), h: holder("r2", host, live), wantErr: true},
		{name: "other run, live, force", held: ptr(holder("r1", host, live)), h: holder("r2", host, live), force: true, wantErr: true},
		{name: "other run, dead", held: ptr(holder("r1", host, dead)), h: holder("r2", host, live), wantErr: true, wantStale: true},
		{name: "other run, dead, force", held: ptr(holder("r1", host, dead)), h: holder("r2", host, live), force: true, taken: true},
		{name: "other run, other host, force", held: ptr(holder("r1", "elsewhere", dead)), h: holder("r2", host, live), force: true, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newStore(t)
			createRun(t, s, "r1")
			createRun(t, s, "r2")
			if tt.held != nil {
				if err := s.AcquireLock(*tt.held, JournalEntry{}, false); err != nil {
					t.Fatal(err)
				}
			}
			err := s.AcquireLock(tt.h, JournalEntry{At: at(2), Type: "lock.acquired", Actor: "alice"}, tt.force)
			got, _ := s.Lock("site:P01")
			j, _ := s.Journal("r2")
			if tt.wantErr {
				wantErr(t, err, ErrLocked)
				var le *LockedError
				if !errors.As(err, &le) || le.Stale != tt.wantStale || le.Holder != *tt.held {
					t.Fatalf("err = %#v", err)
				}
				msg := err.Error()
				for _, part := range []string{tt.held.Host, strconv.Itoa(tt.held.PID), "alice", tt.held.RunID, "2026-11-25T21:31:00Z"} {
					if !strings.Contains(msg, part) {
						t.Errorf("message %q lacks %q", msg, part)
					}
				}
				if tt.wantStale != strings.Contains(msg, "the holder process is gone; use --force to take it over") {
					t.Errorf("message %q for stale=%v", msg, tt.wantStale)
				}
				if got != *tt.held || len(j) != 1 {
					t.Errorf("a refused acquire changed the lock to %+v or the journal to %+v", got, j)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.h {
				t.Errorf("holder = %+v, want %+v", got, tt.h)
			}
			types := []string{"run.created", "lock.acquired"}
			if tt.taken {
				types = []string{"run.created", "lock.taken_over", "lock.acquired"}
			}
			if len(j) != len(types) {
				t.Fatalf("journal = %+v, want %v", j, types)
			}
			for i, e := range j {
				if e.Type != types[i] {
					t.Errorf("entry %d is %s, want %s", i, e.Type, types[i])
				}
			}
			if tt.taken && (j[1].Data["run_id"] != "r1" || j[1].Data["pid"] != strconv.Itoa(dead)) {
				t.Errorf("take-over entry = %+v", j[1])
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestAcquireLockNeedsRunOnlyToJournal(t *testing.T) {
	s, _ := newStore(t)
	h := LockHolder{Key: "k", RunID: "not-yet", Host: "h", PID: 1, User: "u", Since: t0}
	err := s.AcquireLock(h, entry("lock.acquired"), false)
	wantErr(t, err, ErrNotFound)
	if _, err := s.Lock("k"); !errors.Is(err, ErrNotFound) {
		t.Error("the lock was taken although the call failed")
	}
	if err := s.AcquireLock(h, JournalEntry{}, false); err != nil {
		t.Fatal(err)
	}
	if err := s.AcquireLock(LockHolder{RunID: "r"}, JournalEntry{}, false); err == nil {
		t.Error("a lock without a key was taken")
	}
}

func TestReleaseAndForceUnlock(t *testing.T) {
	s, _ := newStore(t)
	createRun(t, s, "r1")
	createRun(t, s, "r2")
	a := LockHolder{Key: "a", RunID: "r1", Host: "h", PID: 1, User: "alice", Since: t0}
	b := LockHolder{Key: "b", RunID: "r1", Host: "h", PID: 1, User: "alice", Since: t0}
	for _, h := range []LockHolder{b, a} {
		if err := s.AcquireLock(h, JournalEntry{}, false); err != nil {
			t.Fatal(err)
		}
	}
	locks, err := s.Locks()
	if err != nil || len(locks) != 2 || locks[0] != a || locks[1] != b {
		t.Fatalf("Locks = %+v, %v", locks, err)
	}
	// Another run's release is a no-op; so is releasing a free key.
	if err := s.ReleaseLock("a", "r2"); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseLock("zz", "r1"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Lock("a"); err != nil || got != a {
		t.Fatalf("Lock(a) = %+v, %v", got, err)
	}
	if err := s.ReleaseLock("a", "r1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lock("a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("after release: %v", err)
	}

	old, err := s.ForceUnlock("b", "bob", at(9))
	if err != nil || old != b {
		t.Fatalf("ForceUnlock = %+v, %v", old, err)
	}
	j, _ := s.Journal("r1")
	last := j[len(j)-1]
	if last.Type != "lock.force_unlocked" || last.Actor != "bob" || !last.At.Equal(at(9)) || last.Data["key"] != "b" {
		t.Errorf("journal entry = %+v", last)
	}
	_, err = s.ForceUnlock("b", "bob", at(9))
	wantErr(t, err, ErrNotFound)
	if _, err := s.ForceUnlock("b", "", at(9)); err == nil {
		t.Error("ForceUnlock without a name succeeded")
	}
}

// TestLockContentionBetweenStores uses two Stores on one file, as two
// baton processes would.
func TestLockContentionBetweenStores(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	a := openStore(t, path, Options{})
	b := openStore(t, path, Options{})
	createRun(t, a, "r1")
	createRun(t, b, "r2")
	host, _ := os.Hostname()
	h1 := LockHolder{Key: "site:P01", RunID: "r1", Host: host, PID: os.Getpid(), User: "alice", Since: t0}
	h2 := LockHolder{Key: "site:P01", RunID: "r2", Host: host, PID: os.Getpid(), User: "bob", Since: at(1)}
	if err := a.AcquireLock(h1, entry("lock.acquired"), false); err != nil {
		t.Fatal(err)
	}
	err := b.AcquireLock(h2, entry("lock.acquired"), true)
	wantErr(t, err, ErrLocked)
	if err := a.ReleaseLock("site:P01", "r1"); err != nil {
		t.Fatal(err)
	}
	if err := b.AcquireLock(h2, entry("lock.acquired"), false); err != nil {
		t.Fatal(err)
	}
	if got, err := a.Lock("site:P01"); err != nil || got != h2 {
		t.Errorf("Lock = %+v, %v", got, err)
	}
}
