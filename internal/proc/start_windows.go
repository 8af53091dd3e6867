//go:build windows

package proc

import (
	"strconv"

	"golang.org/x/sys/windows"
)

// Start returns the creation time of process pid (GetProcessTimes) in
// 100 ns units since the Unix epoch, as decimal, or "" when it cannot be
// read.
func Start(pid int) string {
	h, err := open(pid, windows.PROCESS_QUERY_LIMITED_INFORMATION)
	if err != nil {
		return ""
	}
	defer windows.CloseHandle(h)
	return startOf(h)
}

// startOf is Start for an open process handle.
func startOf(h windows.Handle) string {
	var created, exited, kernel, user windows.Filetime
	if err := windows.GetProcessTimes(h, &created, &exited, &kernel, &user); err != nil {
		return ""
	}
	return strconv.FormatInt(created.Nanoseconds()/100, 10)
}

// open opens process pid with the given access rights.
func open(pid int, access uint32) (windows.Handle, error) {
	if pid <= 0 || int64(pid) > int64(^uint32(0)) {
		return 0, windows.ERROR_INVALID_PARAMETER
	}
	return windows.OpenProcess(access, false, uint32(pid))
}
