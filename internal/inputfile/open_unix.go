//go:build unix

package inputfile

import (
	"os"
	"syscall"
)

// openNoBlock opens path for reading without blocking: opening a FIFO
// for reading waits for a writer unless O_NONBLOCK is given.
func openNoBlock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
