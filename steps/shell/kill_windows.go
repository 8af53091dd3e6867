//go:build windows

package shell

import (
	"fmt"
	"os/exec"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// job is the Windows containment: a job object holding the program and
// every process it starts, which the kernel kills when the job's last
// handle closes, i.e. when baton dies, or which Run terminates when it
// stops the program.
type job struct {
	cmd     *exec.Cmd
	mu      sync.Mutex
	handle  windows.Handle // 0 until attach
	stopped bool           // cancel ran
}

// contain starts the program in a new process group, so that the
// console's Ctrl-C reaches baton (which then stops the step) and not the
// program: Windows disables Ctrl-C in the new group. Cancellation
// terminates the job.
func contain(cmd *exec.Cmd) tree {
	j := &job{cmd: cmd}
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: windows.CREATE_NEW_PROCESS_GROUP}
	cmd.Cancel = j.cancel
	return j
}

// attach puts the started program in a new kill-on-close job.
//
// It runs after the program started: os/exec can neither start a process
// suspended nor in a job (PROC_THREAD_ATTRIBUTE_JOB_LIST), so a process
// the program starts in the moment between CreateProcess and
// AssignProcessToJobObject is not in the job and not killed with it.
// powershell.exe and cmd.exe take far longer than that before they run
// anything. Everything started after assignment is in the job: it does
// not allow breakaway.
func (j *job) attach() error {
	h, err := newJob()
	if err != nil {
		return err
	}
	if err := assign(h, j.cmd.Process.Pid); err != nil {
		windows.CloseHandle(h)
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.handle = h
	if j.stopped { // cancel ran before the job existed: finish its work
		windows.TerminateJobObject(h, 1)
	}
	return nil
}

// cancel is the command's Cancel: it terminates the job, or only the
// program before it is in one.
func (j *job) cancel() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.stopped = true
	if j.handle != 0 && windows.TerminateJobObject(j.handle, 1) == nil {
		return nil
	}
	return j.cmd.Process.Kill()
}

// release closes the job after Wait. When Run stopped the program, what
// is left of the tree is killed; after a normal exit, processes the
// program left running keep running, as they do on unix.
func (j *job) release(stopped bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.handle == 0 {
		return
	}
	if stopped {
		windows.TerminateJobObject(j.handle, 1)
	} else {
		setKillOnClose(j.handle, false)
	}
	windows.CloseHandle(j.handle)
	j.handle = 0
}

// newJob creates an unnamed job object that kills its processes when its
// last handle is closed. The handle is not inheritable.
func newJob() (windows.Handle, error) {
	h, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return 0, fmt.Errorf("creating a job object: %w", err)
	}
	if err := setKillOnClose(h, true); err != nil {
		windows.CloseHandle(h)
		return 0, err
	}
	return h, nil
}

// setKillOnClose sets or clears JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, the
// only limit baton's jobs have.
func setKillOnClose(h windows.Handle, on bool) error {
	var info windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION
	if on {
		info.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
	}
	_, err := windows.SetInformationJobObject(h, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info)))
	if err != nil {
		return fmt.Errorf("setting the job object's kill-on-close limit: %w", err)
	}
	return nil
}

// assign puts process pid in job h. The pid is the started, not yet
// waited for, program's: it cannot have been reused.
func assign(h windows.Handle, pid int) error {
	p, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(pid))
	if err != nil {
		return fmt.Errorf("opening the program's process: %w", err)
	}
	defer windows.CloseHandle(p)
	if err := windows.AssignProcessToJobObject(h, p); err != nil {
		return fmt.Errorf("putting the program in a job object: %w; baton needs Windows 8 / Server 2012 or later, and must not run inside a job object that forbids nested jobs", err)
	}
	return nil
}
