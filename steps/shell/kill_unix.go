//go:build unix

package shell

import (
	"errors"
	"os/exec"
	"syscall"
)

// killGroup makes the program the leader of a new process group and makes
// cancellation kill the whole group, so that children started by a shell
// die with it.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if errors.Is(err, syscall.ESRCH) {
			return cmd.Process.Kill()
		}
		return err
	}
}
