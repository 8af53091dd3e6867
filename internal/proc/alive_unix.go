//go:build unix

package proc

import (
	"errors"
	"syscall"
)

// Alive reports whether process pid, started at start (a Start value, or
// "" when unknown), may still be running. It is false only when that is
// provable: no such process, an exited process awaiting its parent
// (zombie), or a process with another start time (the pid was reused).
// A pid <= 0 names no process that can be proven gone: Alive is true.
func Alive(pid int, start string) bool {
	if pid <= 0 {
		return true
	}
	if errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) || zombie(pid) {
		return false
	}
	return !reused(pid, start)
}

// TreeAlive is Alive for the process and for the process group it led:
// it is also true while another process of that group runs, as the
// children of a shell script do after the shell was killed. shell.Run
// makes every program it starts the leader of its own group.
func TreeAlive(pid int, start string) bool {
	if Alive(pid, start) {
		return true
	}
	// A reused pid number means the group it led is gone: the number of
	// a group's leader is not given out while the group has members.
	return !reused(pid, start) && groupAlive(pid)
}

// reused reports whether pid now belongs to a process that started at
// another time than start.
func reused(pid int, start string) bool {
	now := Start(pid)
	return start != "" && now != "" && now != start
}
