package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs baton in-process from the repository root and returns the
// exit code, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, stdio{in: strings.NewReader(""), out: &out, err: &errb})
	return code, out.String(), errb.String()
}

// TestRehearseCLI: exit codes and messages of baton rehearse, with the
// approvals file, timed answers and fixture inputs.
func TestRehearseCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("rehearsals")
	}
	t.Chdir("../..")
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	timed := write("timed.json", `{"cab": [{"by": "cab-chair", "decision": "approved", "after": "40m"}, {"by": "configmgr-service-owner", "decision": "approved", "after": "1h10m"}]}`)
	late := write("late.json", `{"cab": [{"by": "cab-chair", "decision": "approved", "after": "9h"}, {"by": "configmgr-service-owner", "decision": "approved", "after": "9h"}]}`)
	stranger := write("stranger.json", `{"cab": [{"by": "mallory", "decision": "approved"}]}`)
	tests := []struct {
		name     string
		args     []string
		code     int
		contains []string // in stdout+stderr
	}{
		{"healthy", []string{"runbooks/planned_promotion.hcl", "--site", "contoso", "--approve-all"}, exitOK,
			[]string{"WOULD SUCCEED", "19m0s of virtual time"}},
		{"timed answers", []string{"runbooks/planned_promotion.hcl", "--site", "contoso", "--approve-all", "--approval-delay", "5m", "--approvals", timed}, exitOK,
			[]string{"T+5m0s", "T+1h15m0s  cab: approved by cab-chair, configmgr-service-owner"}},
		{"answers after the expiry", []string{"runbooks/planned_promotion.hcl", "--site", "contoso", "--approve-all", "--approvals", late}, exitError,
			[]string{"WOULD FAIL", "approval expired"}},
		{"nobody answers", []string{"runbooks/planned_promotion.hcl", "--site", "contoso"}, exitPaused,
			[]string{"PAUSED", "which nobody answered", "--approvals FILE"}},
		{"not an approver", []string{"runbooks/planned_promotion.hcl", "--site", "contoso", "--approvals", stranger}, exitError,
			[]string{"mallory is not an approver of cab"}},
		{"bad delay", []string{"runbooks/planned_promotion.hcl", "--site", "contoso", "--approve-all", "--approval-delay", "soon"}, exitError,
			[]string{`--approval-delay "soon"`}},
		{"delay without approve-all", []string{"runbooks/planned_promotion.hcl", "--site", "contoso", "--approval-delay", "5m"}, exitError,
			[]string{"--approval-delay applies to the answers of --approve-all"}},
		{"unknown scenario", []string{"runbooks/planned_promotion.hcl", "--site", "contoso", "--scenario", "nope", "--approve-all"}, exitError,
			[]string{`no scenario "nope"`, "known scenarios: healthy"}},
		{"fixture inputs", []string{"runbooks/planned_promotion.hcl", "--site", "fabrikam-cas", "--approve-all"}, exitOK,
			[]string{"WOULD SUCCEED", "cas02.fabrikam.com"}},
		{"every scenario", []string{"runbooks/planned_promotion.hcl", "--site", "contoso", "--approve-all", "--all-scenarios"}, exitOK,
			[]string{"healthy                            WOULD SUCCEED", "promotion-fails-twice              WOULD FAIL AND BACK OUT", "active-offline-for-good            WOULD FAIL", "run unplanned_failover.hcl"}},
		{"monitoring alerts", []string{"runbooks/daily_monitoring.hcl", "--site", "contoso", "--scenario", "scp-on-site-server", "-var", "webhook_url=https://hooks.example.invalid/x"}, exitError,
			[]string{"WOULD FAIL", "Notifications (not sent in a rehearsal)", "DP or SCP on a site server"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"rehearse", "--quiet", "--state", filepath.Join(t.TempDir(), "state.db")}, tc.args...)
			code, out, errs := runCLI(t, args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errs)
			}
			for _, want := range tc.contains {
				if !strings.Contains(out+errs, want) {
					t.Errorf("output lacks %q\nstdout:\n%s\nstderr:\n%s", want, out, errs)
				}
			}
		})
	}
}

// TestPanicBecomesMessage: a bug in a command ends with a message and exit
// 1, never a Go stack trace.
func TestPanicBecomesMessage(t *testing.T) {
	commands["explode"] = &command{name: "explode", run: func(context.Context, *cliEnv, []string) int {
		var m map[string]int
		m["x"]++
		return exitOK
	}}
	defer delete(commands, "explode")
	code, out, errs := runCLI(t, "explode")
	if code != exitError || out != "" {
		t.Errorf("exit %d, stdout %q", code, out)
	}
	if !strings.Contains(errs, "baton failed unexpectedly") || strings.Contains(errs, "goroutine ") || strings.Contains(errs, ".go:") {
		t.Errorf("stderr:\n%s", errs)
	}
}

// TestRunLifecycleCLI drives a live run through the state commands, in
// process: apply pauses at an approval (exit 4), status/runs/logs/journal
// show it, the requester may not approve, an approver does, resume ends
// it; then a second run is cancelled, a stranded lock is released.
func TestRunLifecycleCLI(t *testing.T) {
	dir := t.TempDir()
	ledger := filepath.Join(dir, "ledger")
	rb := filepath.Join(dir, "change.hcl")
	src := `runbook "change" {
  title = "A change"
  lock  = "site/PS1"
}

check "ready" {
  uses      = "assert"
  condition = true
  message   = "never"
}

approval "cab" {
  approvers     = ["alice", "bob"]
  min_approvals = 1
  depends_on    = [step.ready]
}

action "apply_it" {
  uses       = "noop_action"
  ledger     = "` + filepath.ToSlash(ledger) + `"
  idempotent = true
  depends_on = [step.cab]
}
`
	if err := os.WriteFile(rb, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "state.db")
	t.Setenv("BATON_STATE", st)
	t.Setenv("BATON_USER", "alice") // the requester, and an approver

	code, out, errs := runCLI(t, "apply", rb)
	if code != exitPaused || !strings.Contains(out+errs, "baton approve") {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = runCLI(t, "runs", "-json")
	var runs []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if code != exitOK || json.Unmarshal([]byte(out), &runs) != nil || len(runs) != 1 || runs[0].Status != "paused" {
		t.Fatalf("runs: exit %d %s", code, out)
	}
	id := runs[0].ID

	steps := []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"status", id}, exitOK, "cab"},
		{[]string{"approve", id, "cab", "--by", "alice"}, exitError, "started run"},
		{[]string{"approve", id, "cab", "--by", "mallory"}, exitError, "mallory"},
		{[]string{"approve", id, "nope", "--by", "bob"}, exitError, "nope"},
		{[]string{"approve", id, "cab"}, exitError, "Usage"},
		{[]string{"approve", id, "cab", "--by", "bob", "--comment", "CAB-7"}, exitOK, "Approved cab"},
		{[]string{"resume", id}, exitOK, ""},
		{[]string{"status", id, "-json"}, exitOK, `"succeeded"`},
		{[]string{"logs", id}, exitOK, ""},
		{[]string{"journal", "verify", id}, exitOK, "verifies"},
		{[]string{"journal", "verify", id, "--head", strings.Repeat("ab", 32)}, exitError, "rewritten"},
		{[]string{"journal", id}, exitOK, "answer.approve"},
		{[]string{"status", "no-such-run"}, exitError, "no-such-run"},
		{[]string{"resolve", id, "apply_it", "--by", "bob"}, exitError, "Usage"},
	}
	for _, s := range steps {
		code, out, errs := runCLI(t, s.args...)
		if code != s.code || !strings.Contains(out+errs, s.contains) {
			t.Errorf("baton %s: exit %d (want %d), want %q in\n%s\n%s", strings.Join(s.args, " "), code, s.code, s.contains, out, errs)
		}
	}
	// A head recorded earlier (here: the first entry's) still anchors the
	// journal, which was only appended to since.
	_, jl, _ := runCLI(t, "journal", id, "-json")
	var first struct{ Hash string }
	_ = json.Unmarshal([]byte(strings.SplitN(jl, "\n", 2)[0]), &first)
	if code, out, errs := runCLI(t, "journal", "verify", id, "--head", first.Hash); code != exitOK {
		t.Errorf("verify --head of an earlier entry: exit %d\n%s%s", code, out, errs)
	}
	if b, err := os.ReadFile(ledger); err != nil || strings.Count(string(b), "\n") != 1 {
		t.Errorf("the action took effect %q times (%v), want once", b, err)
	}

	// A second run waits at the approval; cancel ends it and frees the lock.
	if code, out, errs := runCLI(t, "apply", rb); code != exitPaused {
		t.Fatalf("second apply: exit %d\n%s\n%s", code, out, errs)
	}
	_, out, _ = runCLI(t, "runs", "-json")
	runs = nil
	_ = json.Unmarshal([]byte(out), &runs)
	var second string
	for _, r := range runs {
		if r.ID != id {
			second = r.ID
		}
	}
	if code, out, errs := runCLI(t, "cancel", second, "--by", "alice"); code != exitOK {
		t.Fatalf("cancel: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := runCLI(t, "unlock", "site/PS1"); code != exitError || !strings.Contains(out+errs, "Usage") {
		t.Errorf("unlock without --by: exit %d\n%s%s", code, out, errs)
	}
	// The lock went with the cancelled run: a third run may start.
	if code, out, errs := runCLI(t, "apply", rb); code != exitPaused {
		t.Errorf("third apply: exit %d (want %d: paused, not locked)\n%s\n%s", code, exitPaused, out, errs)
	}
}

// TestUnknownStateScheme: a state location of a scheme baton does not
// know is refused, and no local file is created for it.
func TestUnknownStateScheme(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, args := range [][]string{{"runs", "--state", "s3://bucket/x"}, {"state", "check", "--state", "s3://bucket/x"}} {
		code, out, errs := runCLI(t, args...)
		if code != exitError || !strings.Contains(out+errs, `does not know the scheme "s3"`) {
			t.Errorf("baton %v: exit %d\n%s%s", args, code, out, errs)
		}
	}
	if entries, _ := os.ReadDir("."); len(entries) != 0 {
		t.Errorf("files were created: %v", entries)
	}
}
