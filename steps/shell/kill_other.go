//go:build !unix

package shell

import "os/exec"

// killGroup keeps exec's default cancellation (kill the process itself).
// On Windows, children the program started are not killed with it.
func killGroup(cmd *exec.Cmd) {}
