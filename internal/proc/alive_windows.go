//go:build windows

package proc

import (
	"errors"

	"golang.org/x/sys/windows"
)

// stillActive is the exit code GetExitCodeProcess reports for a running
// process (STILL_ACTIVE).
const stillActive = 259

// Alive reports whether process pid, started at start (a Start value, or
// "" when unknown), may still be running. It is false only when that is
// provable: no such process (OpenProcess fails with
// ERROR_INVALID_PARAMETER), a process that has an exit code, or one with
// another start time (the pid was reused). A pid that cannot be a process
// id is never provably gone: Alive is true.
func Alive(pid int, start string) bool {
	if pid <= 0 || int64(pid) > int64(^uint32(0)) {
		return true
	}
	h, err := open(pid, windows.PROCESS_QUERY_LIMITED_INFORMATION)
	if err != nil {
		return !errors.Is(err, windows.ERROR_INVALID_PARAMETER)
	}
	defer windows.CloseHandle(h)
	var code uint32
	if err := windows.GetExitCodeProcess(h, &code); err == nil && code != stillActive {
		return false
	}
	now := startOf(h)
	return start == "" || now == "" || now == start
}

// TreeAlive is Alive: shell.Run puts each program in a job object that
// kills the whole tree when baton dies or stops it, so no descendant
// outlives its root unseen (except one started with breakaway from the
// job, which shell.Run does not allow).
func TreeAlive(pid int, start string) bool { return Alive(pid, start) }
