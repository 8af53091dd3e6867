//go:build windows

package state

import (
	"strconv"
	"syscall"
)

// ProcStart returns the creation time of process pid (100 ns intervals
// since 1601, from GetProcessTimes), or "" when it cannot be read.
func ProcStart(pid int) string {
	if pid <= 0 || int64(pid) > int64(^uint32(0)) {
		return ""
	}
	h, err := syscall.OpenProcess(processQueryLimitedInformation, false, uint32(pid))
	if err != nil {
		return ""
	}
	defer syscall.CloseHandle(h)
	var created, exited, kernel, user syscall.Filetime
	if err := syscall.GetProcessTimes(h, &created, &exited, &kernel, &user); err != nil {
		return ""
	}
	return strconv.FormatInt(created.Nanoseconds()/100, 10)
}
