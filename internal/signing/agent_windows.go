//go:build windows

package signing

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// agentPipe is the named pipe of the OpenSSH agent built into Windows 10
// and later (the "ssh-agent" service).
const agentPipe = `\\.\pipe\openssh-ssh-agent`

// agentDialer connects to the Windows OpenSSH agent: the pipe named by
// SSH_AUTH_SOCK when it names one, else the service's own pipe. A named
// pipe opens like a file, and the agent protocol is one request and one
// answer at a time, so synchronous reads and writes are all it needs.
func agentDialer() (func() (io.ReadWriteCloser, error), error) {
	pipe := agentPipe
	if s := os.Getenv("SSH_AUTH_SOCK"); strings.HasPrefix(s, `\\.\pipe\`) {
		pipe = s
	}
	dial := func() (io.ReadWriteCloser, error) {
		f, err := os.OpenFile(pipe, os.O_RDWR, 0)
		if err != nil {
			return nil, fmt.Errorf("%w at %s (is the \"OpenSSH Authentication Agent\" service running? Start-Service ssh-agent, then ssh-add your key): %w", ErrNoAgent, pipe, err)
		}
		return f, nil
	}
	return dial, nil
}
