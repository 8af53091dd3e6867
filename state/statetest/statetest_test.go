package statetest

import (
	"os"
	"testing"

	"github.com/batonhq/baton/state"
)

// TestExitedPID checks the helper the takeover tests rely on: the pid it
// returns names no process of this host.
func TestExitedPID(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Skip("no host name:", err)
	}
	pid, err := exitedPID()
	if err != nil {
		t.Fatal(err)
	}
	if pid <= 0 || pid == os.Getpid() {
		t.Fatalf("pid %d", pid)
	}
	if state.HolderAlive(state.Holder{Host: host, PID: pid}) {
		t.Errorf("process %d is still alive after it exited", pid)
	}
	if !state.HolderAlive(self("alice")) {
		t.Error("this process is not alive")
	}
	if h := (&suite{}).gone(t, "alice"); state.HolderAlive(h) {
		t.Errorf("gone holder %+v is alive", h)
	}
}

// TestMatches checks how the suite's tables name expected errors.
func TestMatches(t *testing.T) {
	for _, tt := range []struct {
		err, want error
		ok        bool
	}{
		{nil, nil, true},
		{errAny, nil, false},
		{state.ErrLocked, errAny, true},
		{nil, errAny, false},
		{&state.LockedError{}, state.ErrLocked, true},
		{state.ErrOwned, state.ErrLocked, false},
	} {
		if got := matches(tt.err, tt.want); got != tt.ok {
			t.Errorf("matches(%v, %v) = %v, want %v", tt.err, tt.want, got, tt.ok)
		}
	}
}
