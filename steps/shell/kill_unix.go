//go:build unix

package shell

import (
	"os/exec"
	"syscall"

	"github.com/batonhq/baton/internal/proc"
)

// group is the unix containment: a process group of the program's own.
type group struct{}

// contain makes the program the leader of a new process group and makes
// cancellation (a timeout, a stopped run) kill the whole group: the
// program and every process it started that stayed in the group.
//
// On Linux and FreeBSD the program also gets SIGKILL when baton dies
// (Pdeathsig). Its own children do not: the setting is not inherited. They
// stay in the group, whose id is the program's pid, so a resume that has
// the recorded pid and start time finds them with proc.TreeAlive and can
// stop them with proc.KillTree. (The kernel sends Pdeathsig when the
// thread that started the program ends; Go ends threads only for
// goroutines that exit locked to one, and Run's goroutine waits for the
// program.)
func contain(cmd *exec.Cmd) tree {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setDeathSignal(cmd.SysProcAttr)
	cmd.Cancel = func() error {
		// Before Wait the pid cannot be reused: the group is still ours.
		return proc.KillTree(cmd.Process.Pid)
	}
	return group{}
}

func (group) attach() error { return nil }
func (group) release(bool)  {}
