//go:build !windows

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/azuritetest"
	"github.com/batonhq/baton/state"
	"github.com/batonhq/baton/state/azblob"
)

// TestTwoHosts: two "hosts" (processes with different BATON_HOST_ID and
// spools) share a run on Azure Blob Storage (Azurite). Host A executes
// it and is killed -9 while its point of no return runs; host B's resume
// is refused, naming host A, while A's 15 s blob lease and heartbeat are
// live; once they lapse B takes the run over (journaled, with A as the
// old holder) and, as after a local crash, holds the interrupted step in
// doubt instead of running it again. It waits for a real 15 s lease, so
// it is skipped with -short.
func TestTwoHosts(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses sh and SIGKILL")
	}
	if testing.Short() {
		t.Skip("waits for a real 15 s blob lease to lapse")
	}
	az := azuritetest.Start(t, azuritetest.Need(t), 0, "")
	t.Cleanup(az.Stop)
	e := newTeamEnv(t)
	loc := "azblob://devstoreaccount1/twohosts/team"
	t.Setenv("BATON_STATE", loc)
	t.Setenv("AZURE_STORAGE_CONNECTION_STRING", az.ConnString())
	t.Setenv("BATON_AZBLOB_LEASE", "15s")
	host := func(id string) []string {
		return []string{state.HostIDEnv + "=" + id, azblob.SpoolEnv + "=" + filepath.Join(e.dir, id, "spool.db")}
	}
	rb := e.runbook("")
	id := e.pausedAtCab(rb, "-var", "delay=60")

	// Host A resumes; its promote step sleeps 60 s before its effect.
	a := exec.Command(plainBaton(t), "resume", id, "-var", "delay=60")
	a.Env = append(os.Environ(), append(host("host-a"), "BATON_USER=alice", "NO_COLOR=1")...)
	a.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	outA := &watchedOutput{}
	a.Stdout, a.Stderr = outA, outA
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := azblob.Open(ctx, loc, azblob.Options{ConnectionString: az.ConnString(), NoSpool: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	status := func() string {
		rec, err := st.Step(id, "promote")
		if err != nil {
			return ""
		}
		return string(rec.Status)
	}
	waitFor(t, func() bool { return status() == string(state.StepRunning) })
	// kill -9 host A and its step (the whole process group): the host is gone.
	_ = syscall.Kill(-a.Process.Pid, syscall.SIGKILL)
	_ = a.Wait()
	killed := time.Now()

	b := func() (int, string) {
		cmd := exec.Command(plainBaton(t), "resume", id, "-var", "delay=60")
		cmd.Env = append(os.Environ(), append(host("host-b"), "BATON_USER=carol", "NO_COLOR=1")...)
		out, err := cmd.CombinedOutput()
		return exitCode(err), string(out)
	}
	code, out := b()
	if code != exitLocked || !strings.Contains(out, "host-a") {
		t.Fatalf("host B's resume while host A's lease is live: exit %d, want %d naming host-a:\n%s", code, exitLocked, out)
	}
	// Poll until the lease lapses (15 s from A's last renewal, at most
	// about 25 s from the kill).
	for code == exitLocked && time.Since(killed) < 40*time.Second {
		time.Sleep(time.Second)
		code, out = b()
	}
	t.Logf("host B took over %s after the kill: exit %d", time.Since(killed).Round(time.Second), code)
	if code != exitPaused {
		t.Fatalf("host B's resume after the lease lapsed: exit %d, want %d (the interrupted step in doubt):\n%s", code, exitPaused, out)
	}
	if s := status(); s != string(state.StepInDoubt) {
		t.Errorf("promote is %q after the takeover, want in_doubt", s)
	}
	if n := e.promotions(); n != 0 {
		t.Errorf("the promotion happened %d times; host A was killed before its effect and nobody may run it again unasked", n)
	}
	j, err := st.Journal(id)
	if err != nil {
		t.Fatal(err)
	}
	took := false
	for _, en := range j {
		if en.Type == "run.owner_taken_over" && en.Data["host"] == "host-a" {
			took = true
		}
	}
	if !took {
		t.Error("no run.owner_taken_over entry naming host-a as the old holder")
	}
	if code, out, stderr := runCLI(t, "journal", "verify", id, "--state", loc); code != exitOK {
		t.Errorf("journal verify: exit %d\n%s%s", code, out, stderr)
	}
}
