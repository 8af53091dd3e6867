//go:build linux

package proc

import (
	"os"
	"strconv"
	"strings"
)

// Start returns the start time of process pid in clock ticks since boot
// (field 22 of /proc/PID/stat), or "" when it cannot be read.
func Start(pid int) string {
	f := statFields(pid)
	if len(f) < 20 {
		return ""
	}
	return f[19]
}

// zombie reports whether pid has exited and only awaits its parent's wait
// (state Z or X in /proc/PID/stat).
func zombie(pid int) bool {
	f := statFields(pid)
	return len(f) > 0 && (f[0] == "Z" || f[0] == "X")
}

// statFields returns the fields of /proc/PID/stat from field 3 (the
// state) on, or nil when they cannot be read. The command name (field 2)
// may hold spaces and parentheses: fields are counted after its last ')'.
func statFields(pid int) []string {
	if pid <= 0 {
		return nil
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}
