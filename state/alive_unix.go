//go:build unix

package state

import (
	"errors"
	"syscall"
)

// processAlive reports whether process pid may still exist on this host.
// Only a definite "no such process" counts as dead; a pid <= 0 is never
// provably dead.
func processAlive(pid int) bool {
	if pid <= 0 {
		return true
	}
	err := syscall.Kill(pid, 0)
	return !errors.Is(err, syscall.ESRCH)
}
