//go:build !unix && !windows

package served

import "syscall"

// detached has nothing to set where there are no sessions.
func detached() *syscall.SysProcAttr { return nil }
