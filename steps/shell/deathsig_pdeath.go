//go:build linux || freebsd

package shell

import "syscall"

// setDeathSignal makes the kernel kill the program when baton dies.
func setDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
