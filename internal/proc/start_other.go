//go:build !linux && !windows

package proc

// Start cannot tell a process's start time on this platform: it returns
// "", and a pid is then identified by itself.
func Start(pid int) string { return "" }

// zombie cannot tell an exited, unreaped process on this platform.
func zombie(pid int) bool { return false }
