//go:build unix

package proc

import (
	"errors"
	"fmt"
	"syscall"
)

// KillTree sends SIGKILL to the process group pid leads (a program
// shell.Run started and everything it started, even after the program
// itself died), or to pid alone when it leads no group. A process that is
// already gone is not an error. A pid may have been reused: check
// TreeAlive with the recorded start time first.
func KillTree(pid int) error {
	if pid <= 0 {
		return fmt.Errorf("no process %d to kill: give the pid of a process baton started", pid)
	}
	err := syscall.Kill(-pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		err = syscall.Kill(pid, syscall.SIGKILL)
	}
	if err == nil || errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return fmt.Errorf("killing process group %d: %w; kill it as its owner (kill -KILL -- -%d)", pid, err, pid)
}
