// Package signing makes decisions on runs (approvals, rejections,
// resolutions, ...) evidence an auditor can verify: a Statement signed in
// the SSH signature format git uses (namespace "baton-decision"), checked
// against git's allowed-signers file.
package signing

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// Namespace is the SSH signature namespace of decisions: a signature made
// for git commits or files does not verify as a decision, nor the reverse.
const Namespace = "baton-decision"

// canonicalVersion opens every canonical statement.
const canonicalVersion = "baton-decision-v1\n"

// Decision kinds.
const (
	KindApprove        = "approve"
	KindReject         = "reject"
	KindResolve        = "resolve"
	KindCancel         = "cancel"
	KindOverrideWindow = "override_window"
	KindAcceptChanges  = "accept_changes"
	KindStart          = "start"
)

// Kinds lists the decision kinds a Statement may have.
var Kinds = []string{KindApprove, KindReject, KindResolve, KindCancel, KindOverrideWindow, KindAcceptChanges, KindStart}

// Statement is what a person signs: every field that makes the decision
// mean what it means.
type Statement struct {
	RunID         string    `json:"run_id"`
	Step          string    `json:"step,omitempty"`
	Kind          string    `json:"kind"`               // one of Kinds
	Decision      string    `json:"decision,omitempty"` // e.g. the resolution ("succeeded"); "" when Kind says it all
	PlanDigest    string    `json:"plan_digest,omitempty"`
	SourcesDigest string    `json:"sources_digest,omitempty"`
	JournalHead   string    `json:"journal_head,omitempty"` // the journal head the decision follows (anchors the chain)
	Signer        string    `json:"signer"`                 // the name the signer claims (a principal of the allowed-signers file)
	Comment       string    `json:"comment,omitempty"`
	At            time.Time `json:"at"`
}

// ErrInvalidStatement: a statement lacks a field it needs or holds a value
// that cannot be signed faithfully.
var ErrInvalidStatement = errors.New("invalid decision statement")

// Canonical is the exact byte encoding that is signed: "baton-decision-v1\n",
// then every field in a fixed order as "name:length:value\n" (length in
// bytes, decimal), At as RFC 3339 UTC with nine fractional digits.
func (s Statement) Canonical() []byte {
	b := []byte(canonicalVersion)
	for _, f := range s.fields() {
		b = append(b, f[0]...)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(len(f[1])), 10)
		b = append(b, ':')
		b = append(b, f[1]...)
		b = append(b, '\n')
	}
	return b
}

// fields returns the statement's name/value pairs in canonical order.
func (s Statement) fields() [][2]string {
	return [][2]string{
		{"run_id", s.RunID},
		{"step", s.Step},
		{"kind", s.Kind},
		{"decision", s.Decision},
		{"plan_digest", s.PlanDigest},
		{"sources_digest", s.SourcesDigest},
		{"journal_head", s.JournalHead},
		{"signer", s.Signer},
		{"comment", s.Comment},
		{"at", s.At.UTC().Format("2006-01-02T15:04:05.000000000Z07:00")},
	}
}

// Validate reports whether the statement can be signed: a run, a known
// kind, a signer and a time, and text that survives a file round trip.
func (s Statement) Validate() error {
	switch {
	case s.RunID == "":
		return fmt.Errorf("%w: no run id", ErrInvalidStatement)
	case !slices.Contains(Kinds, s.Kind):
		return fmt.Errorf("%w: kind %q is not one of %v", ErrInvalidStatement, s.Kind, Kinds)
	case s.Signer == "":
		return fmt.Errorf("%w: no signer name", ErrInvalidStatement)
	case s.At.IsZero():
		return fmt.Errorf("%w: no time", ErrInvalidStatement)
	case s.At.UTC().Year() < 1 || s.At.UTC().Year() > 9999:
		return fmt.Errorf("%w: time %v is outside years 1 to 9999", ErrInvalidStatement, s.At)
	}
	for _, f := range s.fields() {
		if !utf8.ValidString(f[1]) {
			return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalidStatement, f[0])
		}
	}
	return nil
}
