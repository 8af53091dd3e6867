// Package identity names the person behind a process: the authenticated
// operating-system account (never an environment variable), and the one
// way names are compared.
package identity

import (
	"strings"
	"unicode"
)

// Identity is the authenticated operating-system identity of the process.
type Identity struct {
	Name string // Windows: DOMAIN\user (from the process token); Unix: the user name
	ID   string // Windows: the SID string; Unix: the uid as decimal
	Host string
}

// String returns the name with its ID: "CONTOSO\alice (S-1-5-21-...)" or
// "alice (uid 1000)".
func (i Identity) String() string {
	switch {
	case i.ID == "":
		return i.Name
	case strings.HasPrefix(i.ID, "S-"):
		return i.Name + " (" + i.ID + ")"
	default:
		return i.Name + " (uid " + i.ID + ")"
	}
}

// Normalize returns the one form names are compared in: trimmed, lower
// case, a "DOMAIN\" prefix kept. Case is folded rune by rune with Unicode
// simple case folding, the equivalence strings.EqualFold uses and close to
// how Windows compares account names: U+212A KELVIN SIGN and "k" are one
// name, "ß" and "ss" are not. Unicode normalization forms are not applied.
func Normalize(name string) string {
	return strings.Map(foldRune, strings.TrimSpace(name))
}

// foldRune maps every rune of a simple case-folding orbit to one member of
// it: the lower case of the upper case of its smallest rune (that smallest
// rune itself when this lies outside the orbit, as for "İ").
func foldRune(r rune) rune {
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	if l := unicode.ToLower(unicode.ToUpper(least)); l == least || orbitHas(least, l) {
		return l
	}
	return least
}

// orbitHas reports whether want is in the simple case-folding orbit of r.
func orbitHas(r, want rune) bool {
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f == want {
			return true
		}
	}
	return false
}

// Same reports whether two names denote the same person: equal after
// Normalize, or, when exactly one has a DOMAIN\ prefix, equal short names.
// An empty name (or an empty short name) is nobody and never the same.
func Same(a, b string) bool {
	a, b = Normalize(a), Normalize(b)
	da, sa := split(a)
	db, sb := split(b)
	if sa == "" || sb == "" {
		return false
	}
	if (da == "") != (db == "") {
		return sa == sb
	}
	return a == b
}

// split returns the domain (with its backslash, "" if none) and short name.
func split(name string) (domain, short string) {
	i := strings.LastIndexByte(name, '\\')
	if i < 0 {
		return "", name
	}
	return name[:i+1], name[i+1:]
}
