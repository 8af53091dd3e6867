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

// HostIDEnv overrides the host identity (see HostID).
const HostIDEnv = "BATON_HOST_ID"

// HostID is this host's identity as recorded in a lease's holder and
// compared with it: $BATON_HOST_ID when set (containers whose host names
// are not stable, tests that play two hosts on one machine), else the
// host name. It is a name, not an authentication: a process that claims
// another host's identity makes baton judge that host's processes by its
// own process table.
func HostID() (string, error) {
	if h := os.Getenv(HostIDEnv); h != "" {
		return h, nil
	}
	return os.Hostname()
}

// Self is the Holder for this process, acting for user since since.
func Self(user string, since time.Time) Holder {
	host, _ := HostID()
	pid := os.Getpid()
	return Holder{Host: host, PID: pid, ProcStart: ProcStart(pid), User: user, Since: since}
}
