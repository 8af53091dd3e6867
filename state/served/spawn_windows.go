//go:build windows

package served

import "syscall"

// detachedProcess is DETACHED_PROCESS: the child gets no console.
const detachedProcess = 0x00000008

// detached starts the child in a new process group without a console, so
// that the caller's Ctrl+C and console close do not reach it.
func detached() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP | detachedProcess,
		HideWindow:    true,
	}
}
