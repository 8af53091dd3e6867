//go:build !(aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris || zos || windows)

package main

import "os"

// terminal: on this system baton cannot tell, so it prints plain lines.
func terminal(*os.File) (tty, vt bool) { return false, false }

func columns(*os.File) int { return 0 }
