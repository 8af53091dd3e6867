package state

import (
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
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
		if got := HolderAlive(Holder{Host: tt.host, PID: tt.pid}); got != tt.want {
			t.Errorf("HolderAlive(%q, %d) = %v, want %v", tt.host, tt.pid, got, tt.want)
		}
	}
}

// seams replaces the host name, liveness and start-time probes for one
// test.
func seams(t *testing.T, host string, hostErr error, alive func(int) bool, start func(int) string) {
	oh, oa, ops := hostname, isAlive, procStart
	t.Cleanup(func() { hostname, isAlive, procStart = oh, oa, ops })
	hostname = func() (string, error) { return host, hostErr }
	isAlive, procStart = alive, start
}

// TestHolderAlive: a holder is provably gone only on this host, when its
// pid names no process or a process started at another time.
func TestHolderAlive(t *testing.T) {
	yes := func(int) bool { return true }
	no := func(int) bool { return false }
	startedAt := func(s string) func(int) string { return func(int) string { return s } }
	for _, tt := range []struct {
		name    string
		h       Holder
		hostErr error
		alive   func(int) bool
		start   func(int) string
		want    bool
	}{
		{"running here", Holder{Host: "ops1", PID: 7}, nil, yes, startedAt("100"), true},
		{"gone here", Holder{Host: "ops1", PID: 7}, nil, no, startedAt(""), false},
		{"gone elsewhere cannot be told", Holder{Host: "ops2", PID: 7}, nil, no, startedAt(""), true},
		{"same start time", Holder{Host: "ops1", PID: 7, ProcStart: "100"}, nil, yes, startedAt("100"), true},
		{"pid reused", Holder{Host: "ops1", PID: 7, ProcStart: "99"}, nil, yes, startedAt("100"), false},
		{"start time unreadable now", Holder{Host: "ops1", PID: 7, ProcStart: "99"}, nil, yes, startedAt(""), true},
		{"no pid", Holder{Host: "ops1"}, nil, no, startedAt(""), true},
		{"no host name", Holder{Host: "ops1", PID: 7}, errors.New("no name"), no, startedAt(""), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			seams(t, "ops1", tt.hostErr, tt.alive, tt.start)
			if got := HolderAlive(tt.h); got != tt.want {
				t.Errorf("HolderAlive(%+v) = %v, want %v", tt.h, got, tt.want)
			}
		})
	}
}

// TestOwnerGone covers the lease's own rules: no token, the TTL and its
// default.
func TestOwnerGone(t *testing.T) {
	live := Holder{Host: "ops2", PID: 7}
	here := Holder{Host: "ops1", PID: 7}
	for _, tt := range []struct {
		name string
		o    Owner
		dead bool // the holder's pid names no process
		now  time.Time
		want bool
	}{
		{"no token", Owner{Holder: live, Renewed: t0}, false, t0, true},
		{"fresh", Owner{Holder: live, Token: 1, Renewed: t0, TTL: time.Minute}, false, t0.Add(time.Minute), false},
		{"lapsed", Owner{Holder: live, Token: 1, Renewed: t0, TTL: time.Minute}, false, t0.Add(time.Minute + 1), true},
		{"default TTL, fresh", Owner{Holder: live, Token: 1, Renewed: t0}, false, t0.Add(DefaultLeaseTTL), false},
		{"default TTL, lapsed", Owner{Holder: live, Token: 1, Renewed: t0}, false, t0.Add(DefaultLeaseTTL + 1), true},
		{"never renewed never lapses", Owner{Holder: live, Token: 1}, false, t0.Add(1000 * time.Hour), false},
		{"alive here", Owner{Holder: here, Token: 1, Renewed: t0}, false, t0, false},
		{"process gone here", Owner{Holder: here, Token: 1, Renewed: t0}, true, t0, true},
		{"process gone elsewhere", Owner{Holder: live, Token: 1, Renewed: t0}, true, t0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			seams(t, "ops1", nil, func(int) bool { return !tt.dead }, func(int) string { return "" })
			if got := tt.o.Gone(tt.now); got != tt.want {
				t.Errorf("Gone = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLockedErrorMessage(t *testing.T) {
	s, _ := newStore(t)
	r1 := testRun("r1")
	r1.LockKey = "site:P01"
	l, err := s.CreateRun(r1, nil, entry("run.created"), CreateOptions{Owner: Holder{Host: "ops7", PID: 4321, User: "alice", Since: t0}})
	if err != nil {
		t.Fatal(err)
	}
	r2 := testRun("r2")
	r2.LockKey = "site:P01"
	check := func(wantParts ...string) {
		t.Helper()
		_, err := s.CreateRun(r2, nil, entry("run.created"), CreateOptions{Owner: Self("bob", t0.Add(time.Second))})
		wantErr(t, err, ErrLocked)
		for _, part := range wantParts {
			if !strings.Contains(err.Error(), part) {
				t.Errorf("message %q lacks %q", err, part)
			}
		}
	}
	check(`lock "site:P01" is held by running run r1`, "started by alice on ops7", "since 2026-11-25T21:30:00Z", "pid 4321 on ops7 executes it", "baton unlock KEY --supersede")
	paused := r1
	paused.Status, paused.Reason = RunPaused, "waiting for approval of gate"
	if err := l.UpdateRun(paused, entry("run.paused")); err != nil {
		t.Fatal(err)
	}
	check("held by paused run r1", "; waiting for approval of gate)", "cancel it (baton cancel RUN)")
}

// TestRelock: a resumed run takes back its lock if an older baton
// force-unlocked it, and is refused if another run took it meanwhile.
func TestRelock(t *testing.T) {
	for _, tt := range []struct {
		name   string
		other  bool // another run holds the key when r1 resumes
		wantOK bool
	}{
		{"lock free", false, true},
		{"lock taken by another run", true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, path := newStore(t)
			r1 := testRun("r1")
			r1.LockKey = "site:P01"
			l, err := s.CreateRun(r1, nil, entry("run.created"), CreateOptions{Owner: Self("alice", t0)})
			if err != nil {
				t.Fatal(err)
			}
			paused := r1
			paused.Status = RunPaused
			if err := l.UpdateRun(paused, entry("run.paused")); err != nil {
				t.Fatal(err)
			}
			s.Close()
			rawUpdate(t, path, func(tx *bolt.Tx) error { return tx.Bucket(bucketLocks).Delete([]byte("site:P01")) })
			s = openStore(t, path, Options{})
			if tt.other {
				r2 := testRun("r2")
				r2.LockKey = "site:P01"
				if _, err := s.CreateRun(r2, nil, entry("run.created"), CreateOptions{Owner: Self("bob", t0)}); err != nil {
					t.Fatal(err)
				}
			}
			_, err = s.AcquireRun("r1", Self("carol", at(5)), at(5))
			if !tt.wantOK {
				wantErr(t, err, ErrLocked)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if h, err := s.Lock("site:P01"); err != nil || h.RunID != "r1" {
				t.Errorf("Lock = %+v, %v", h, err)
			}
		})
	}
}

func TestDamagedLockRecord(t *testing.T) {
	s, path := newStore(t)
	createRun(t, s, "r1")
	s.Close()
	rawUpdate(t, path, func(tx *bolt.Tx) error { return tx.Bucket(bucketLocks).Put([]byte("site:X"), []byte("{not json")) })
	s = openStore(t, path, Options{})
	_, err := s.Locks()
	wantErr(t, err, ErrCorrupt)
	_, err = s.Lock("site:X")
	wantErr(t, err, ErrCorrupt)
	r := testRun("r2")
	r.LockKey = "site:X"
	_, err = s.CreateRun(r, nil, entry("run.created"), CreateOptions{Owner: Self("bob", t0)})
	wantErr(t, err, ErrCorrupt)
	if !strings.Contains(err.Error(), strconv.Quote("site:X")) {
		t.Errorf("message %q does not name the lock", err)
	}
}

// TestLockOfEndedRunIsFree: a lock record left behind by a run that ended
// (an older baton, or a crash between writes of one) is not held.
func TestLockOfEndedRunIsFree(t *testing.T) {
	for _, status := range []RunStatus{RunSucceeded, RunCancelled, RunSuperseded} {
		t.Run(string(status), func(t *testing.T) {
			s, path := newStore(t)
			r1 := testRun("r1")
			r1.LockKey = "site:P01"
			if _, err := s.CreateRun(r1, nil, entry("run.created"), CreateOptions{Owner: Self("alice", t0)}); err != nil {
				t.Fatal(err)
			}
			s.Close()
			rawUpdate(t, path, func(tx *bolt.Tx) error {
				rb := tx.Bucket(bucketRuns).Bucket([]byte("r1"))
				r, err := decodeRun(rb.Get(keyRun))
				if err != nil {
					return err
				}
				r.Status, r.Owner = status, nil
				raw, _ := json.Marshal(r)
				return rb.Put(keyRun, raw)
			})
			s = openStore(t, path, Options{})
			if locks, err := s.Locks(); err != nil || len(locks) != 0 {
				t.Errorf("Locks = %+v, %v; want none", locks, err)
			}
			_, err := s.Lock("site:P01")
			wantErr(t, err, ErrNotFound)
			r2 := testRun("r2")
			r2.LockKey = "site:P01"
			if _, err := s.CreateRun(r2, nil, entry("run.created"), CreateOptions{Owner: Self("bob", t0)}); err != nil {
				t.Fatal(err)
			}
			if h, err := s.Lock("site:P01"); err != nil || h.RunID != "r2" {
				t.Errorf("Lock = %+v, %v", h, err)
			}
		})
	}
}
