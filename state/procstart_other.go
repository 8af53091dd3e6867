//go:build !linux && !windows

package state

// ProcStart cannot tell a process's start time on this platform; a pid is
// then identified by itself.
func ProcStart(pid int) string { return "" }
