//go:build windows

package proc

import (
	"errors"
	"fmt"
	"strconv"
	"unsafe"

	"golang.org/x/sys/windows"
)

const killAccess = windows.PROCESS_TERMINATE | windows.PROCESS_QUERY_LIMITED_INFORMATION

// KillTree terminates process pid and then its descendants, found by
// parent pid in a process snapshot (a child created before its supposed
// parent is not one: its parent pid was reused). A process that is
// already gone is not an error. shell.Run's own programs are killed as a
// whole through their job object; KillTree is for a pid recorded by an
// earlier baton. A pid may have been reused: check Alive first.
func KillTree(pid int) error {
	root, err := open(pid, killAccess)
	if errors.Is(err, windows.ERROR_INVALID_PARAMETER) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("opening process %d to kill it: %w; stop it as its owner (taskkill /T /F /PID %d)", pid, err, pid)
	}
	defer windows.CloseHandle(root)
	kids := descendants(pid, startOf(root))
	defer closeAll(kids)
	if err := terminate(root); err != nil {
		return fmt.Errorf("killing process %d: %w; stop it as its owner (taskkill /T /F /PID %d)", pid, err, pid)
	}
	for _, h := range kids {
		terminate(h) // best effort: the root, the one that matters, is gone
	}
	return nil
}

// terminate kills the process h unless it has already exited.
func terminate(h windows.Handle) error {
	err := windows.TerminateProcess(h, 1)
	var code uint32
	if err != nil && windows.GetExitCodeProcess(h, &code) == nil && code != stillActive {
		return nil
	}
	return err
}

// descendants opens the descendants of process pid (started at start),
// parents before children.
func descendants(pid int, start string) []windows.Handle {
	children := childMap()
	var out []windows.Handle
	type node struct {
		pid   uint32
		start int64
	}
	s, _ := strconv.ParseInt(start, 10, 64)
	queue := []node{{uint32(pid), s}}
	seen := map[uint32]bool{uint32(pid): true}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, c := range children[n.pid] {
			if seen[c] {
				continue
			}
			seen[c] = true
			h, err := open(int(c), killAccess)
			if err != nil {
				continue
			}
			cs, _ := strconv.ParseInt(startOf(h), 10, 64)
			if cs < n.start {
				windows.CloseHandle(h)
				continue
			}
			out = append(out, h)
			queue = append(queue, node{c, cs})
		}
	}
	return out
}

// childMap maps each parent pid to its children's pids, from a snapshot
// of all processes; it is empty when no snapshot can be taken.
func childMap() map[uint32][]uint32 {
	m := map[uint32][]uint32{}
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return m
	}
	defer windows.CloseHandle(snap)
	e := windows.ProcessEntry32{Size: uint32(unsafe.Sizeof(windows.ProcessEntry32{}))}
	for err = windows.Process32First(snap, &e); err == nil; err = windows.Process32Next(snap, &e) {
		m[e.ParentProcessID] = append(m[e.ParentProcessID], e.ProcessID)
	}
	return m
}

func closeAll(hs []windows.Handle) {
	for _, h := range hs {
		windows.CloseHandle(h)
	}
}
