//go:build linux

package shell

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/proc"
)

const helperEnv = "BATON_SHELL_TEST_HELPER"

// TestHelperBaton is not a test: run by TestRunChildDiesWithBaton with
// helperEnv=baton, it plays baton running `sleep 30` and prints the
// child's pid and start time.
func TestHelperBaton(t *testing.T) {
	if os.Getenv(helperEnv) != "baton" {
		t.Skip("helper process for TestRunChildDiesWithBaton")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	Run(ctx, Command{Path: "sleep", Args: []string{"30"}, OnStart: func(pid int, start string) {
		fmt.Printf("child %d %s\n", pid, start)
	}})
	os.Exit(0)
}

// TestRunChildDiesWithBaton: when the process running Run is SIGKILLed,
// the program it started is killed too (Pdeathsig).
func TestRunChildDiesWithBaton(t *testing.T) {
	baton := exec.Command(os.Args[0], "-test.run=^TestHelperBaton$")
	baton.Env = append(os.Environ(), helperEnv+"=baton")
	out, err := baton.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := baton.Start(); err != nil {
		t.Fatal(err)
	}
	defer baton.Process.Kill()
	pid, start := readChild(t, out)
	defer proc.KillTree(pid)
	if !proc.Alive(pid, start) {
		t.Fatalf("child %d not running while baton runs", pid)
	}
	baton.Process.Signal(syscall.SIGKILL)
	baton.Wait()
	for deadline := time.Now().Add(5 * time.Second); proc.Alive(pid, start); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("child %d still running 5s after baton was killed", pid)
		}
	}
}

// readChild reads the helper's "child PID START" line.
func readChild(t *testing.T, out interface{ Read([]byte) (int, error) }) (int, string) {
	t.Helper()
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "child" {
			pid, err := strconv.Atoi(f[1])
			if err == nil {
				return pid, f[2]
			}
		}
	}
	t.Fatalf("the helper printed no child line (%v)", sc.Err())
	return 0, ""
}
