//go:build unix

package served

import "syscall"

// detached puts the child in a new session, away from the caller's
// terminal and process group.
func detached() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true}
}
