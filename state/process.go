package state

import (
	"os"
	"time"

	"github.com/batonhq/baton/internal/proc"
)

// ProcStart is the start time of process pid as the OS reports it, or ""
// (see internal/proc).
func ProcStart(pid int) string { return proc.Start(pid) }

// processAlive reports whether process pid may still exist on this host;
// only a definite "no such process" counts as dead.
func processAlive(pid int) bool { return proc.Alive(pid, "") }

// HolderAlive reports whether h's process may still be running: false only
// when it ran on this host and is provably gone, or its pid now belongs to
// a process that started at another time (h.ProcStart).
func HolderAlive(h Holder) bool {
	name, err := hostname()
	if err != nil || h.Host != name || h.PID <= 0 {
		return true
	}
	if !isAlive(h.PID) {
		return false
	}
	if h.ProcStart == "" {
		return true
	}
	now := procStart(h.PID)
	return now == "" || now == h.ProcStart
}

// Self is the Holder for this process, acting for user since since.
func Self(user string, since time.Time) Holder {
	host, _ := os.Hostname()
	pid := os.Getpid()
	return Holder{Host: host, PID: pid, ProcStart: ProcStart(pid), User: user, Since: since}
}
