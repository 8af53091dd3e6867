//go:build aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris || zos

package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// terminal reports whether f is a terminal (its window size can be read:
// ENOTTY otherwise), and whether it takes escape sequences (always).
func terminal(f *os.File) (tty, vt bool) {
	_, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	return err == nil, err == nil
}

// columns is the width of the terminal f, 0 when unknown.
func columns(f *os.File) int {
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0
	}
	return int(ws.Col)
}
