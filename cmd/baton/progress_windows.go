//go:build windows

package main

import (
	"os"

	"golang.org/x/sys/windows"
)

// terminal reports whether f is a console, and whether it takes escape
// sequences: it is asked to (Windows 10 and later); older consoles get
// the status line without colour.
func terminal(f *os.File) (tty, vt bool) {
	h := windows.Handle(f.Fd())
	var mode uint32
	if windows.GetConsoleMode(h, &mode) != nil {
		return false, false
	}
	if mode&windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0 {
		return true, true
	}
	return true, windows.SetConsoleMode(h, mode|windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING) == nil
}

// columns is the width of the console window f, 0 when unknown.
func columns(f *os.File) int {
	var info windows.ConsoleScreenBufferInfo
	if windows.GetConsoleScreenBufferInfo(windows.Handle(f.Fd()), &info) != nil {
		return 0
	}
	return int(info.Window.Right-info.Window.Left) + 1
}
