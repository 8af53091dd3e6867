//go:build windows

package signing

import (
	"fmt"
	"io"
)

// agentPipe is the Windows OpenSSH agent's named pipe.
const agentPipe = `\\.\pipe\openssh-ssh-agent`

// agentDialer is not implemented on Windows yet: it needs a named-pipe
// client (github.com/Microsoft/go-winio), which baton does not depend on.
func agentDialer() (func() (io.ReadWriteCloser, error), error) {
	return nil, fmt.Errorf("%w: signing through the Windows OpenSSH agent (%s) is not supported yet; sign with a key file", ErrNoAgent, agentPipe)
}
