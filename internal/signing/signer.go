package signing

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"
)

// Signed is a statement with its SSH signature.
type Signed struct {
	Statement      Statement
	Signature      []byte // armored: -----BEGIN SSH SIGNATURE-----
	KeyFingerprint string // SHA256:...
}

// Signer signs statements with one SSH key.
type Signer interface {
	Sign(s Statement) (Signed, error)
	PublicKey() ssh.PublicKey
}

// ErrPassphrase: the key file is encrypted and no (or a wrong) passphrase
// was given.
var ErrPassphrase = errors.New("key file needs its passphrase")

// sign signs s with k in Namespace, hashing with SHA-512 as ssh-keygen does.
func sign(k ssh.Signer, s Statement) (Signed, error) {
	if err := s.Validate(); err != nil {
		return Signed{}, fmt.Errorf("sign: %w", err)
	}
	sig, err := sshsig.Sign(bytes.NewReader(s.Canonical()), k, sshsig.HashSHA512, Namespace)
	if err != nil {
		return Signed{}, fmt.Errorf("sign with key %s: %w", ssh.FingerprintSHA256(k.PublicKey()), err)
	}
	return Signed{Statement: s, Signature: sshsig.Armor(sig), KeyFingerprint: ssh.FingerprintSHA256(k.PublicKey())}, nil
}

// keySigner signs with a private key held in memory.
type keySigner struct{ k ssh.Signer }

func (f keySigner) Sign(s Statement) (Signed, error) { return sign(f.k, s) }
func (f keySigner) PublicKey() ssh.PublicKey         { return f.k.PublicKey() }

// FileSigner signs with the OpenSSH (or PEM) private key file at path.
// passphrase is asked only if the key is encrypted; nil means none can be
// given.
func FileSigner(path string, passphrase func() ([]byte, error)) (Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	k, err := ssh.ParsePrivateKey(b)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		k, err = parseEncrypted(path, b, passphrase)
	}
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	return keySigner{k}, nil
}

// parseEncrypted decrypts an encrypted private key with the passphrase
// callback.
func parseEncrypted(path string, b []byte, passphrase func() ([]byte, error)) (ssh.Signer, error) {
	if passphrase == nil {
		return nil, fmt.Errorf("%w: the key is encrypted and no passphrase can be asked for; use ssh-agent (ssh-add %s) instead", ErrPassphrase, path)
	}
	p, err := passphrase()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPassphrase, err)
	}
	defer clear(p)
	k, err := ssh.ParsePrivateKeyWithPassphrase(b, p)
	if errors.Is(err, x509.IncorrectPasswordError) {
		return nil, fmt.Errorf("%w: the passphrase is wrong (%w)", ErrPassphrase, err)
	}
	return k, err
}
