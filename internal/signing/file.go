package signing

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// fileFormat names the format of a signed-decision file.
const fileFormat = "baton-signed-decision-v1"

// signedFile is the JSON form of a Signed.
type signedFile struct {
	Format         string    `json:"format"`
	Statement      Statement `json:"statement"`
	KeyFingerprint string    `json:"key_fingerprint"`
	Signature      string    `json:"signature"`
}

// ErrMalformed: a signed-decision file cannot be read.
var ErrMalformed = errors.New("malformed signed decision")

// Marshal encodes a signed decision as a file (for `approve --sign-only -o
// decision.sig` and `--import`): JSON with the statement, the key
// fingerprint and the armored signature.
func Marshal(s Signed) ([]byte, error) {
	if err := s.Statement.Validate(); err != nil {
		return nil, fmt.Errorf("marshal signed decision: %w", err)
	}
	b, err := json.MarshalIndent(signedFile{fileFormat, s.Statement, s.KeyFingerprint, string(s.Signature)}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("marshal signed decision: %w", err)
	}
	return append(b, '\n'), nil
}

// Unmarshal decodes a file written by Marshal. It checks the form only:
// Verify says whether the signature holds.
func Unmarshal(b []byte) (Signed, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f signedFile
	if err := dec.Decode(&f); err != nil {
		return Signed{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Signed{}, fmt.Errorf("%w: data after the decision", ErrMalformed)
	}
	if f.Format != fileFormat {
		return Signed{}, fmt.Errorf("%w: format %q, want %q (written by another version of baton?)", ErrMalformed, f.Format, fileFormat)
	}
	if err := f.Statement.Validate(); err != nil {
		return Signed{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if _, err := unarmor([]byte(f.Signature)); err != nil {
		return Signed{}, fmt.Errorf("%w: signature: %w", ErrMalformed, err)
	}
	return Signed{Statement: f.Statement, Signature: []byte(f.Signature), KeyFingerprint: f.KeyFingerprint}, nil
}
