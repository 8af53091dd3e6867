package served

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
)

// TestSpawn starts this test binary as a helper and checks that it runs
// detached: its own session, the null device on its standard streams.
func TestSpawn(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	out := t.TempDir() + "/helper.out"
	env := append(os.Environ(), "BATON_SERVED_HELPER="+out)
	if err := Spawn(exe, []string{"-test.run=^TestHelperProcess$"}, env); err != nil {
		t.Fatalf("Spawn: %v", err)
	}
	var report string
	waitFor(t, "the helper's report", func() bool {
		b, err := os.ReadFile(out)
		report = string(b)
		return err == nil
	})
	var pid, sid int
	var stdin string
	if _, err := fmt.Sscan(report, &pid, &sid, &stdin); err != nil {
		t.Fatalf("report %q: %v", report, err)
	}
	if pid == os.Getpid() {
		t.Error("the helper ran in this process")
	}
	if stdin != "null" {
		t.Errorf("the helper's stdin is %s, want the null device", stdin)
	}
	if runtime.GOOS == "linux" && sid != pid {
		t.Errorf("the helper's session is %d, want its own (%d)", sid, pid)
	}
	if err := Spawn(t.TempDir()+"/no-such-program", nil, nil); err == nil {
		t.Error("Spawn of a missing program succeeded")
	}
}

// TestHelperProcess is the process TestSpawn starts: it reports its pid,
// session and stdin, then exits.
func TestHelperProcess(t *testing.T) {
	out := os.Getenv("BATON_SERVED_HELPER")
	if out == "" {
		t.Skip("run by TestSpawn")
	}
	stdin := "other"
	if a, err := os.Stdin.Stat(); err == nil {
		if b, err := os.Stat(os.DevNull); err == nil && os.SameFile(a, b) {
			stdin = "null"
		}
	}
	report := fmt.Sprintf("%d %d %s\n", os.Getpid(), session(), stdin)
	_ = os.WriteFile(out+".tmp", []byte(report), 0o600)
	_ = os.Rename(out+".tmp", out)
}

// session is this process's session id on Linux, else 0.
func session() int {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	var sid int
	if len(fields) > 3 {
		fmt.Sscan(fields[3], &sid)
	}
	return sid
}
