//go:build !windows

package signing

import (
	"fmt"
	"io"
	"net"
	"os"
)

// agentDialer connects to the agent at $SSH_AUTH_SOCK.
func agentDialer() (func() (io.ReadWriteCloser, error), error) {
	sock := os.Getenv("SSH_AUTH_SOCK")
	if sock == "" {
		return nil, fmt.Errorf("%w: SSH_AUTH_SOCK is not set; start ssh-agent and ssh-add your key, or sign with a key file", ErrNoAgent)
	}
	dial := func() (io.ReadWriteCloser, error) {
		c, err := net.Dial("unix", sock)
		if err != nil {
			return nil, fmt.Errorf("%w at SSH_AUTH_SOCK=%s: %w", ErrNoAgent, sock, err)
		}
		return c, nil
	}
	return dial, nil
}
