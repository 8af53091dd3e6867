//go:build !unix && !windows

package proc

import (
	"errors"
	"fmt"
	"os"
)

// Alive cannot tell on this platform: no process is provably gone.
func Alive(pid int, start string) bool { return true }

// TreeAlive cannot tell on this platform: no process is provably gone.
func TreeAlive(pid int, start string) bool { return true }

// KillTree kills process pid only: this platform has no process groups.
func KillTree(pid int) error {
	p, err := os.FindProcess(pid)
	if err == nil {
		err = p.Kill()
	}
	if err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("killing process %d: %w; stop it by hand", pid, err)
	}
	return nil
}
