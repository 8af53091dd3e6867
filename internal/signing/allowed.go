package signing

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/identity"
	"golang.org/x/crypto/ssh"
)

// AllowedSigners is git's allowed_signers file (ssh-keygen(1), ALLOWED
// SIGNERS): one key a line, "principal[,principal...] [options] keytype
// base64key [comment]", with the options cert-authority,
// namespaces="pattern-list", valid-after="time" and valid-before="time".
//
// Principals are names, compared with identity.Same; a principal written as
// a pattern (containing "*" or "?", or negated with "!") matches nobody.
// cert-authority lines are read but authorize nothing: certificates are not
// supported. valid-after and valid-before bound the statement's At (to the
// nanosecond); a time without a "Z" suffix is in the verifying machine's
// local zone, as with ssh-keygen, so write the Z.
type AllowedSigners struct {
	name    string
	digest  string
	entries []entry
}

// entry is one line of the file.
type entry struct {
	line          int
	principals    []string
	key           ssh.PublicKey
	ca            bool
	namespaces    *string   // pattern list; nil: any namespace
	after, before time.Time // zero: unbounded
}

// ParseError is a malformed line of an allowed-signers file.
type ParseError struct {
	File string
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// ParseAllowedSigners reads an allowed-signers file; name is the file's
// name in errors. Any malformed line is an error naming the file and line.
func ParseAllowedSigners(name string, data []byte) (*AllowedSigners, error) {
	sum := sha256.Sum256(data)
	a := &AllowedSigners{name: name, digest: hex.EncodeToString(sum[:])}
	for i, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(bytes.TrimSuffix(line, []byte("\r")))
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		e, msg := parseLine(string(line))
		if msg != "" {
			return nil, &ParseError{File: name, Line: i + 1, Msg: msg}
		}
		e.line = i + 1
		a.entries = append(a.entries, e)
	}
	return a, nil
}

// Name returns the file's name as given to ParseAllowedSigners.
func (a *AllowedSigners) Name() string { return a.name }

// Digest returns the hex SHA-256 of the file's bytes, so a run can pin the
// file it started with.
func (a *AllowedSigners) Digest() string { return a.digest }

// Allowed is one line of an allowed-signers file as a reviewer reads it:
// the names it allows and its key's fingerprint.
type Allowed struct {
	Principals  []string
	Fingerprint string
}

// Lines returns the file's lines in order, for documents that show who
// may sign.
func (a *AllowedSigners) Lines() []Allowed {
	out := make([]Allowed, 0, len(a.entries))
	for _, e := range a.entries {
		out = append(out, Allowed{Principals: e.principals, Fingerprint: fingerprint(e.key)})
	}
	return out
}

// Principals returns the principals a key is allowed as, on any line and
// whatever its options (to detect the requester's key approving under
// another name), in file order.
func (a *AllowedSigners) Principals(key ssh.PublicKey) []string {
	var out []string
	for _, e := range a.entries {
		if e.ca || !sameKey(e.key, key) {
			continue
		}
		for _, p := range e.principals {
			if isName(p) && !containsSame(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// allows reports whether the line names signer among its principals.
func (e entry) allows(signer string) bool {
	for _, p := range e.principals {
		if isName(p) && identity.Same(p, signer) {
			return true
		}
	}
	return false
}

// isName reports whether a principal is a name rather than a pattern.
func isName(p string) bool {
	return !strings.ContainsAny(p, "*?") && !strings.HasPrefix(p, "!")
}

func containsSame(names []string, n string) bool {
	for _, m := range names {
		if identity.Normalize(m) == identity.Normalize(n) {
			return true
		}
	}
	return false
}

func sameKey(a, b ssh.PublicKey) bool {
	return a != nil && b != nil && bytes.Equal(a.Marshal(), b.Marshal())
}
