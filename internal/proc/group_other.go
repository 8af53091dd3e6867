//go:build unix && !linux

package proc

import (
	"errors"
	"syscall"
)

// groupAlive reports whether process group pgid may still have a member.
func groupAlive(pgid int) bool {
	return !errors.Is(syscall.Kill(-pgid, 0), syscall.ESRCH)
}
