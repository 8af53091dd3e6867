package main

import (
	"fmt"
	"os"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal of 132 columns and returns its terminal
// side, or skips when the system has none.
func openPTY(t *testing.T) *os.File {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err == nil {
		err = unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0)
	}
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 40, Col: 132}); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestProgressDisplayTerminal: a terminal gets the status line and its
// width; colour unless NO_COLOR is set; TERM=dumb gets plain lines.
func TestProgressDisplayTerminal(t *testing.T) {
	tests := []struct {
		name, noColor, term string
		tty, ansi           bool
	}{
		{"terminal", "", "xterm-256color", true, true},
		{"NO_COLOR", "1", "xterm-256color", true, false},
		{"dumb", "", "dumb", false, false},
	}
	pty := openPTY(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("NO_COLOR", tc.noColor)
			t.Setenv("TERM", tc.term)
			d := detectDisplay(pty)
			if d.tty != tc.tty || d.ansi != tc.ansi {
				t.Errorf("tty %v ansi %v, want %v %v", d.tty, d.ansi, tc.tty, tc.ansi)
			}
			if d.tty && d.columns() != 132 {
				t.Errorf("%d columns, want 132", d.columns())
			}
		})
	}
}
