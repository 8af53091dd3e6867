//go:build !unix

package inputfile

import "os"

// openNoBlock opens path for reading. Outside Unix there is no FIFO in the
// file system to block on (Windows' named pipes live under \\.\pipe\ and
// are refused by the Stat before the open).
func openNoBlock(path string) (*os.File, error) {
	return os.Open(path)
}
