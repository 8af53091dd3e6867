//go:build unix && !linux && !freebsd

package shell

import "syscall"

// setDeathSignal does nothing: this platform has no parent-death signal;
// a resume relies on the recorded pid (proc.TreeAlive).
func setDeathSignal(a *syscall.SysProcAttr) {}
