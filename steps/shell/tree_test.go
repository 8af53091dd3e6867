package shell

import (
	"context"
	"errors"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

// fakeTree records what Run does with a program's containment (the Job
// Object on Windows, the process group on unix).
type fakeTree struct {
	attachErr error
	events    []string
}

func (f *fakeTree) attach() error { f.events = append(f.events, "attach"); return f.attachErr }
func (f *fakeTree) release(stopped bool) {
	if stopped {
		f.events = append(f.events, "release(stopped)")
	} else {
		f.events = append(f.events, "release")
	}
}

// TestContainment: the program is tied to baton before anyone hears of it;
// one that cannot be tied is killed at once; a stopped program's tree is
// released as stopped (killed), a finished one's as finished.
func TestContainment(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses sleep")
	}
	for _, tt := range []struct {
		name      string
		attachErr error
		timeout   time.Duration
		want      string
		wantErr   string
	}{
		{"finished", nil, time.Minute, "attach start release", ""},
		{"stopped", nil, 20 * time.Millisecond, "attach start release(stopped)", "stopped"},
		{"cannot be tied", errors.New("no job object"), time.Minute, "attach release(stopped)", "could not be made to die with baton"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeTree{attachErr: tt.attachErr}
			old := containment
			containment = func(*exec.Cmd) tree { return f }
			t.Cleanup(func() { containment = old })
			ctx, cancel := context.WithTimeout(t.Context(), tt.timeout)
			defer cancel()
			cmdArgs := []string{"0.01"}
			if tt.timeout < time.Second {
				cmdArgs = []string{"5"}
			}
			_, err := Run(ctx, Command{Path: "sleep", Args: cmdArgs, OnStart: func(int, string) { f.events = append(f.events, "start") }})
			if got := strings.Join(f.events, " "); got != tt.want {
				t.Errorf("events %q, want %q", got, tt.want)
			}
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("error %v, want %q", err, tt.wantErr)
			}
		})
	}
}
