package signing

import (
	"bytes"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"
)

// Verification errors; test with errors.Is.
var (
	// ErrBadSignature: the signature does not verify over the statement:
	// one of them was changed after signing, or it was made for something
	// else.
	ErrBadSignature = errors.New("signature does not verify")
	// ErrNotAllowed: the signature is valid, but the allowed-signers file
	// does not allow its key for the name the statement claims.
	ErrNotAllowed = errors.New("key not allowed for this signer")
	// ErrExpiredKey: the key is allowed for the name, but not at the time
	// of the statement (outside valid-after/valid-before).
	ErrExpiredKey = errors.New("key not valid at the time of the decision")
)

// Verify checks the signature over s.Statement.Canonical() in namespace
// "baton-decision" and that the key is allowed for s.Statement.Signer
// (principal match via identity.Same) at s.Statement.At; it returns the key
// fingerprint, also with ErrNotAllowed and ErrExpiredKey (the signature
// itself verified).
//
// At is the signer's claim: callers should also check it against when the
// decision was journaled.
func (a *AllowedSigners) Verify(s Signed) (fingerprint string, err error) {
	key, err := checkSignature(s)
	if err != nil {
		return "", fmt.Errorf("decision by %q: %w", s.Statement.Signer, err)
	}
	fp := ssh.FingerprintSHA256(key)
	if err := a.allowed(key, s.Statement); err != nil {
		return fp, fmt.Errorf("decision by %q, key %s: %w", s.Statement.Signer, fp, err)
	}
	return fp, nil
}

// VerifySignature checks that the signature over s.Statement holds and
// returns the key's fingerprint, without asking whether the key is allowed
// for anyone: for statements that bind a key rather than a name (the
// requester's start of a run).
func VerifySignature(s Signed) (fingerprint string, err error) {
	key, err := checkSignature(s)
	if err != nil {
		return "", err
	}
	return ssh.FingerprintSHA256(key), nil
}

// checkSignature verifies the signature over the statement and returns
// the key it was made with.
func checkSignature(s Signed) (ssh.PublicKey, error) {
	if err := s.Statement.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	sig, err := unarmor(s.Signature)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	fp := ssh.FingerprintSHA256(sig.PublicKey)
	switch {
	case sig.Namespace != Namespace:
		return nil, fmt.Errorf("%w: it was made for namespace %q, not %q: sign the decision with baton", ErrBadSignature, sig.Namespace, Namespace)
	case s.KeyFingerprint != "" && s.KeyFingerprint != fp:
		return nil, fmt.Errorf("%w: it names key %s but was made with key %s: the signed decision was edited", ErrBadSignature, s.KeyFingerprint, fp)
	}
	err = sshsig.Verify(bytes.NewReader(s.Statement.Canonical()), sig, sig.PublicKey, sig.HashAlgorithm, Namespace)
	if err != nil {
		return nil, fmt.Errorf("%w with key %s: the statement or its signature was changed after signing (%w); have the signer sign the decision again", ErrBadSignature, fp, err)
	}
	return sig.PublicKey, nil
}

// unarmor decodes an armored SSH signature that is nothing but that: no
// text around the PEM block, no PEM headers, no bytes the signature
// algorithm would ignore.
func unarmor(b []byte) (*sshsig.Signature, error) {
	p, rest := pem.Decode(b)
	switch {
	case p == nil || !bytes.HasPrefix(bytes.TrimSpace(b), []byte("-----BEGIN "+sshsig.PEMType+"-----")):
		return nil, errors.New("not an armored SSH signature (-----BEGIN SSH SIGNATURE-----)")
	case len(bytes.TrimSpace(rest)) > 0 || len(p.Headers) > 0:
		return nil, errors.New("text around or inside the armored SSH signature")
	}
	sig, err := sshsig.Unarmor(b)
	if err != nil {
		return nil, fmt.Errorf("not an SSH signature: %w", err)
	}
	if len(sig.Signature.Rest) > 0 && !strings.HasPrefix(sig.PublicKey.Type(), "sk-") {
		return nil, errors.New("trailing bytes in the SSH signature")
	}
	return sig, nil
}

// allowed checks that some line allows key for st.Signer at st.At in
// Namespace.
func (a *AllowedSigners) allowed(key ssh.PublicKey, st Statement) error {
	if _, ok := key.(*ssh.Certificate); ok {
		return fmt.Errorf("%w: signing with an SSH certificate is not supported; sign with the plain key listed in %s", ErrNotAllowed, a.name)
	}
	var refused []string
	expired := false
	for _, e := range a.entries {
		if e.ca || !sameKey(e.key, key) || !e.allows(st.Signer) {
			continue
		}
		why, exp := e.refusal(st.At)
		if why == "" {
			return nil
		}
		refused, expired = append(refused, why), expired || exp
	}
	if expired {
		return fmt.Errorf("%w: %s; renew the key's validity in %s in a reviewed commit, or sign again with a current key", ErrExpiredKey, strings.Join(refused, "; "), a.name)
	}
	if len(refused) > 0 {
		return fmt.Errorf("%w: %s; allow namespace %q for the key in %s in a reviewed commit", ErrNotAllowed, strings.Join(refused, "; "), Namespace, a.name)
	}
	return a.notListed(key, st.Signer)
}

// notListed explains a key that no line allows for signer.
func (a *AllowedSigners) notListed(key ssh.PublicKey, signer string) error {
	if as := a.Principals(key); len(as) > 0 {
		return fmt.Errorf("%w: %s allows this key only as %s, not as %q; sign as yourself, or add %q to the key's line in a reviewed commit", ErrNotAllowed, a.name, strings.Join(as, ", "), signer, signer)
	}
	return fmt.Errorf("%w: %s does not list this key; add \"%s %s\" to it in a reviewed commit", ErrNotAllowed, a.name, signer, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key))))
}

// refusal says why the line does not allow its key at t ("" if it does);
// expired tells a time refusal from a namespace one.
func (e entry) refusal(t time.Time) (why string, expired bool) {
	where := fmt.Sprintf("line %d", e.line)
	switch {
	case e.namespaces != nil && matchPatternList(Namespace, *e.namespaces) != 1:
		return fmt.Sprintf("%s allows the key only in namespaces %q", where, *e.namespaces), false
	case !e.after.IsZero() && t.Before(e.after):
		return fmt.Sprintf("%s makes the key valid only after %s, the decision is of %s", where, stamp(e.after), stamp(t)), true
	case !e.before.IsZero() && t.After(e.before):
		return fmt.Sprintf("%s makes the key valid only before %s, the decision is of %s", where, stamp(e.before), stamp(t)), true
	}
	return "", false
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// SignerPrincipals returns every principal the key that made s is allowed
// as, nil when the signature does not verify: how a caller sees that the
// requester's key signed under another of its names.
func (a *AllowedSigners) SignerPrincipals(s Signed) []string {
	key, err := checkSignature(s)
	if err != nil {
		return nil
	}
	return a.Principals(key)
}
