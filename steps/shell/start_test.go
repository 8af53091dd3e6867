package shell

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/batonhq/baton/internal/proc"
)

// seen is what an OnStart hook saw.
type seen struct {
	calls     int
	pid       int
	start     string
	aliveThen bool
}

func TestRunOnStart(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses sh")
	}
	tests := []struct {
		name   string
		cmd    Command
		cancel bool // the hook cancels the run
		want   error
	}{
		{"reports the program's own pid", Command{Path: "sh", Args: []string{"-c", "echo $$"}}, false, nil},
		{"program runs while the hook runs", Command{Path: "sleep", Args: []string{"30"}}, true, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var got seen
			tt.cmd.OnStart = func(pid int, start string) {
				got = seen{calls: got.calls + 1, pid: pid, start: start, aliveThen: proc.Alive(pid, start)}
				if tt.cancel {
					cancel()
				}
			}
			res, err := Run(ctx, tt.cmd)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Run: %v, want %v", err, tt.want)
			}
			checkStarted(t, got, res)
			if tt.cancel && proc.Alive(got.pid, got.start) {
				t.Errorf("pid %d still alive after Run returned", got.pid)
			}
		})
	}
}

func checkStarted(t *testing.T, got seen, res Result) {
	t.Helper()
	if got.calls != 1 || got.pid <= 0 {
		t.Fatalf("OnStart called %d times, pid %d", got.calls, got.pid)
	}
	if runtime.GOOS == "linux" {
		if _, err := strconv.ParseUint(got.start, 10, 64); err != nil {
			t.Errorf("start %q, want clock ticks since boot", got.start)
		}
	}
	if out := strings.TrimSpace(res.Stdout); out != "" && out != strconv.Itoa(got.pid) {
		t.Errorf("OnStart pid %d, the program says it is %s", got.pid, out)
	}
	if out := strings.TrimSpace(res.Stdout); out == "" && !got.aliveThen {
		t.Errorf("the running program was not alive for proc.Alive in OnStart")
	}
}

func TestRunOnStartNotCalledWhenNotStarted(t *testing.T) {
	called := false
	_, err := Run(t.Context(), Command{Path: "/nonexistent/prog", OnStart: func(int, string) { called = true }})
	if err == nil || called {
		t.Errorf("err = %v, OnStart called = %v", err, called)
	}
}

func TestOnStartContext(t *testing.T) {
	if OnStartFrom(t.Context()) != nil {
		t.Error("a plain context carries a hook")
	}
	if ctx := WithOnStart(t.Context(), nil); OnStartFrom(ctx) != nil {
		t.Error("WithOnStart(nil) carries a hook")
	}
	n := 0
	OnStartFrom(WithOnStart(t.Context(), func(int, string) { n++ }))(1, "")
	if n != 1 {
		t.Error("the carried hook was not the one given")
	}
}
