//go:build windows

package state

import (
	"errors"
	"syscall"
)

const (
	processQueryLimitedInformation = 0x1000
	stillActive                    = 259 // STILL_ACTIVE
	errorInvalidParameter          = syscall.Errno(87)
)

// processAlive reports whether process pid may still exist on this host.
// Only a definite "no such process" (OpenProcess fails with
// ERROR_INVALID_PARAMETER, or the process has an exit code) counts as dead.
func processAlive(pid int) bool {
	if pid <= 0 || int64(pid) > int64(^uint32(0)) {
		return true
	}
	h, err := syscall.OpenProcess(processQueryLimitedInformation, false, uint32(pid))
	if err != nil {
		return !errors.Is(err, errorInvalidParameter)
	}
	defer syscall.CloseHandle(h)
	var code uint32
	if err := syscall.GetExitCodeProcess(h, &code); err != nil {
		return true
	}
	return code == stillActive
}
