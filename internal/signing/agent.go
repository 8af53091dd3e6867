package signing

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// ErrNoAgent: no ssh-agent can be reached.
var ErrNoAgent = errors.New("no ssh-agent")

// AgentSigner signs with a key held by the ssh-agent (SSH_AUTH_SOCK). keyHint
// selects the key by its fingerprint ("SHA256:..." or legacy MD5) or its
// comment; "" selects the only key and is an error when the agent holds
// several. Certificates are not offered: sign with the plain key.
//
// On Windows the OpenSSH agent's named pipe is not supported yet: use
// FileSigner there.
func AgentSigner(keyHint string) (Signer, error) {
	dial, err := agentDialer()
	if err != nil {
		return nil, err
	}
	return agentSigner(dial, keyHint)
}

// agentKey signs through the agent, connecting for each signature so that
// no connection outlives its use.
type agentKey struct {
	dial func() (io.ReadWriteCloser, error)
	pub  ssh.PublicKey
}

func (a agentKey) PublicKey() ssh.PublicKey { return a.pub }

func (a agentKey) Sign(s Statement) (Signed, error) {
	if err := s.Validate(); err != nil {
		return Signed{}, fmt.Errorf("sign: %w", err)
	}
	conn, err := a.dial()
	if err != nil {
		return Signed{}, err
	}
	defer conn.Close()
	signers, err := agent.NewClient(conn).Signers()
	if err != nil {
		return Signed{}, fmt.Errorf("ssh-agent: list keys: %w", err)
	}
	fp := ssh.FingerprintSHA256(a.pub)
	for _, k := range signers {
		if ssh.FingerprintSHA256(k.PublicKey()) == fp {
			return sign(k, s)
		}
	}
	return Signed{}, fmt.Errorf("ssh-agent no longer holds key %s: ssh-add it again", fp)
}

// agentSigner selects the key keyHint names among the agent's plain keys.
func agentSigner(dial func() (io.ReadWriteCloser, error), keyHint string) (Signer, error) {
	conn, err := dial()
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	keys, err := agent.NewClient(conn).List()
	if err != nil {
		return nil, fmt.Errorf("ssh-agent: list keys: %w", err)
	}
	var found []*agent.Key
	for _, k := range keys {
		if strings.HasSuffix(k.Type(), "-cert-v01@openssh.com") {
			continue
		}
		if keyHint == "" || keyHint == k.Comment || keyHint == fingerprint(k) || keyHint == ssh.FingerprintLegacyMD5(k) {
			found = append(found, k)
		}
	}
	return pickKey(dial, keyHint, found, keys)
}

// pickKey returns the signer of the one key found, or says why there is none.
func pickKey(dial func() (io.ReadWriteCloser, error), hint string, found, all []*agent.Key) (Signer, error) {
	switch {
	case len(all) == 0:
		return nil, fmt.Errorf("%w key: the ssh-agent holds no key; ssh-add your key", ErrNoAgent)
	case len(found) == 0:
		return nil, fmt.Errorf("ssh-agent holds no key matching %q; it holds: %s", hint, describe(all))
	case len(found) > 1 && hint == "":
		return nil, fmt.Errorf("ssh-agent holds several keys (%s): name one by its fingerprint or comment", describe(found))
	case len(found) > 1:
		return nil, fmt.Errorf("ssh-agent holds several keys matching %q (%s): name one by its fingerprint", hint, describe(found))
	}
	pub, err := ssh.ParsePublicKey(found[0].Blob)
	if err != nil {
		return nil, fmt.Errorf("ssh-agent key %s: %w", found[0].Comment, err)
	}
	return agentKey{dial: dial, pub: pub}, nil
}

func fingerprint(k ssh.PublicKey) string { return ssh.FingerprintSHA256(k) }

// describe lists keys as "SHA256:... (comment)".
func describe(keys []*agent.Key) string {
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s (%s)", fingerprint(k), k.Comment)
	}
	return b.String()
}
