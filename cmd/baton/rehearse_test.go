package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestRehearseProgress: a rehearsal prints its report once; -v adds the
// live stream on stderr, at the waits' cadence; -json stays JSON.
func TestRehearseProgress(t *testing.T) {
	if testing.Short() {
		t.Skip("rehearsals")
	}
	t.Chdir("../..")
	base := []string{"rehearse", "runbooks/planned_promotion.hcl", "--site", "contoso", "--scenario", "healthy", "--approve-all"}
	tests := []struct {
		name     string
		flags    []string
		code     int
		stdout   []string // in stdout
		stderr   []string // in stderr
		waits    int      // "still waiting for switch_complete" lines on stderr
		jsonOut  bool
		noStderr bool
	}{
		{"report only", nil, exitOK, []string{"WOULD SUCCEED", "T+0s       wait switch_complete: started"}, nil, 0, false, true},
		{"quiet", []string{"--quiet"}, exitOK, []string{"WOULD SUCCEED"}, nil, 0, false, true},
		{"live stream", []string{"-v"}, exitOK, []string{"WOULD SUCCEED"},
			[]string{"[T+0s] waiting for switch_complete: 45m0s left; first poll: condition not yet true",
				"[T+13m0s] still waiting for switch_complete: 13m0s elapsed, 32m0s left, last: condition not yet true",
				"[T+19m0s] wait switch_complete: succeeded in 19m0s"}, 18, false, false},
		{"json with the live stream", []string{"-json", "-v"}, exitOK, nil, []string{"wait switch_complete: started"}, 18, true, false},
		{"json", []string{"-json"}, exitOK, nil, nil, 0, true, true},
		{"v and quiet", []string{"-v", "--quiet"}, exitError, nil, []string{"-v streams the live progress and --quiet asks for none"}, 0, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := append(append([]string{base[0]}, tc.flags...), base[1:]...)
			code := run(context.Background(), args, stdio{in: strings.NewReader(""), out: &out, err: &errb})
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out.String(), errb.String())
			}
			for _, w := range tc.stdout {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, out.String())
				}
			}
			for _, w := range tc.stderr {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, errb.String())
				}
			}
			if n := strings.Count(errb.String(), "still waiting for switch_complete"); n != tc.waits {
				t.Errorf("%d still-waiting lines, want %d", n, tc.waits)
			}
			if tc.noStderr && errb.Len() > 0 {
				t.Errorf("stderr:\n%s", errb.String())
			}
			if strings.Count(out.String()+errb.String(), "wait switch_complete: started") > 2 {
				t.Error("the timeline printed more than twice")
			}
			if tc.jsonOut && !json.Valid(out.Bytes()) {
				t.Errorf("stdout is not JSON:\n%s", out.String())
			}
		})
	}
}

// TestRehearsalSameAcrossProcesses: the same runbook, fixture, scenario
// and answers rehearsed by two processes (each with a state file of its
// own, named alike) print the same report byte for byte, journal head
// included: nothing of the process that rehearses enters the run.
func TestRehearsalSameAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("rehearsals")
	}
	rb, err := filepath.Abs("../../runbooks/unplanned_failover.hcl")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"rehearse", rb, "--site", "contoso", "--scenario", "healthy", "--approve-all", "--approval-delay", "7m", "--state", "state.db"}
	var reports []string
	for range 2 {
		code, stdout, stderr := batonProc(t, t.TempDir(), nil, args...)
		if code != exitOK || !strings.Contains(stdout, "journal head ") {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		reports = append(reports, stdout)
	}
	if reports[0] != reports[1] {
		t.Errorf("two processes rehearsed differently:\n%s\n---\n%s", reports[0], reports[1])
	}
}
