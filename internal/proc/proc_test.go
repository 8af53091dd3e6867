//go:build unix

package proc

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startSleep starts `sleep 30` as the leader of its own process group and
// returns it with its start time; the test kills it at the end.
func startSleep(t *testing.T) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command("sleep", "30")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, Start(cmd.Process.Pid)
}

// eventually polls cond for a few seconds, in 5 ms steps.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not so after 5s", what)
		}
	}
}

func TestStart(t *testing.T) {
	self := Start(os.Getpid())
	if runtime.GOOS == "linux" {
		if _, err := strconv.ParseUint(self, 10, 64); err != nil {
			t.Errorf("Start(self) = %q, want clock ticks", self)
		}
	}
	if again := Start(os.Getpid()); again != self {
		t.Errorf("Start changed: %q then %q", self, again)
	}
	for _, pid := range []int{0, -1, 1 << 30} {
		if got := Start(pid); got != "" {
			t.Errorf("Start(%d) = %q, want \"\"", pid, got)
		}
	}
}

func TestAlive(t *testing.T) {
	cmd, start := startSleep(t)
	pid := cmd.Process.Pid
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		pid   int
		start string
		want  bool
	}{
		{"running, its start", pid, start, true},
		{"running, start unknown", pid, "", true},
		{"running, another start: pid reused", pid, start + "1", runtime.GOOS != "linux"},
		{"exited and reaped", gone.Process.Pid, "", false},
		{"no pid", 0, "", true},
		{"negative pid", -1, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Alive(tt.pid, tt.start); got != tt.want {
				t.Errorf("Alive(%d, %q) = %v, want %v", tt.pid, tt.start, got, tt.want)
			}
			if got := TreeAlive(tt.pid, tt.start); got != tt.want {
				t.Errorf("TreeAlive(%d, %q) = %v, want %v", tt.pid, tt.start, got, tt.want)
			}
		})
	}
	cmd.Process.Kill()
	cmd.Wait()
	if Alive(pid, start) || TreeAlive(pid, start) {
		t.Errorf("killed child still alive")
	}
}

func TestAliveZombie(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("zombies are told apart on Linux only")
	}
	cmd, start := startSleep(t)
	cmd.Process.Signal(syscall.SIGKILL) // not waited for: a zombie
	eventually(t, "killed child seen as gone", func() bool { return !Alive(cmd.Process.Pid, start) })
}

// TestTreeAliveOrphans: the group leader exits, its child lives on in the
// group; KillTree ends it.
func TestTreeAliveOrphans(t *testing.T) {
	sh := exec.Command("sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $!")
	sh.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := sh.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	pid, start := sh.Process.Pid, Start(sh.Process.Pid)
	t.Cleanup(func() { syscall.Kill(-pid, syscall.SIGKILL) })
	buf := make([]byte, 64)
	n, _ := out.Read(buf)
	sh.Wait()
	orphan, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	if err != nil {
		t.Fatalf("sh printed %q", buf[:n])
	}
	if Alive(pid, start) {
		t.Errorf("Alive: the exited leader is alive")
	}
	if !TreeAlive(pid, start) {
		t.Fatalf("TreeAlive: the leader's orphan %d is not seen", orphan)
	}
	if err := KillTree(pid); err != nil {
		t.Fatalf("KillTree: %v", err)
	}
	eventually(t, "the group is gone", func() bool { return !TreeAlive(pid, start) })
	if runtime.GOOS == "linux" && Alive(orphan, "") {
		t.Errorf("orphan %d survived KillTree", orphan)
	}
}

func TestKillTree(t *testing.T) {
	cmd, start := startSleep(t)
	if err := KillTree(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if Alive(cmd.Process.Pid, start) {
		t.Error("still alive after KillTree")
	}
	if err := KillTree(cmd.Process.Pid); err != nil {
		t.Errorf("KillTree of a gone process: %v, want nil", err)
	}
	if err := KillTree(0); err == nil {
		t.Error("KillTree(0) = nil: it must refuse (it would kill baton's own group)")
	}
}
