package served

import (
	"fmt"
	"os"
	"os/exec"
)

// Spawn starts exe with args, detached from the caller: in a session (or
// process group) of its own, with stdin, stdout and stderr on the null
// device, so that it outlives the caller and no terminal signal reaches
// it. env nil means the caller's environment. Spawn does not wait for the
// process to end; a goroutine reaps it if it ends while the caller still
// runs. The working directory is the caller's: pass absolute paths.
func Spawn(exe string, args []string, env []string) error {
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("start %s: open %s: %w", exe, os.DevNull, err)
	}
	defer null.Close()
	cmd := exec.Command(exe, args...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, null, null
	cmd.SysProcAttr = detached()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", exe, err)
	}
	go func() { _ = cmd.Wait() }()
	return nil
}
