//go:build !unix && !windows

package shell

import "os/exec"

// none is the containment of platforms without process groups or job
// objects: cancellation kills the program itself (exec's default), not
// the children it started.
type none struct{}

func contain(cmd *exec.Cmd) tree { return none{} }

func (none) attach() error { return nil }
func (none) release(bool)  {}
