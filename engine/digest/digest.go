// Package digest computes the identities that bind plans, runs and
// approvals to what runs: the digest of a runbook's sources and of its
// inputs. Sensitive inputs enter by name only: no value, no hash.
package digest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"

	"github.com/batonhq/baton/steps"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// Bytes returns the hex SHA-256 of b.
func Bytes(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Sources returns the digest of every source file and one digest over all
// of them (names and contents). Names are used as given (a runbook's are
// relative to its root, see runbook.Runbook.Sources); contents are hashed
// with CRLF line endings read as LF, so that a Windows checkout (git's
// core.autocrlf) has the digests of a Linux one.
func Sources(sources map[string][]byte) (total string, files map[string]string) {
	files = make(map[string]string, len(sources))
	names := make([]string, 0, len(sources))
	for name, b := range sources {
		files[name] = Bytes(normalizeEOL(b))
		names = append(names, name)
	}
	sort.Strings(names)
	var all strings.Builder
	for _, n := range names {
		all.WriteString(n)
		all.WriteByte(0)
		all.WriteString(files[n])
		all.WriteByte('\n')
	}
	return Bytes([]byte(all.String())), files
}

// normalizeEOL returns b with every CRLF made LF; a lone CR stays.
func normalizeEOL(b []byte) []byte {
	if !bytes.Contains(b, crlf) {
		return b
	}
	return bytes.ReplaceAll(b, crlf, []byte("\n"))
}

var crlf = []byte("\r\n")

// Input is the stored form of one input: its JSON value, or nothing of a
// sensitive one.
type Input struct {
	Value     string // JSON of the value; "" when sensitive
	Sensitive bool
	// Hash is the SHA-256 of the name and JSON value; of a sensitive input,
	// of its name only.
	Hash string
}

// Inputs encodes input values for storage and digests them. Values that
// are marked sensitive (anywhere inside) leave no trace, not even a hash:
// a hash of a password in a plan file or a state file could be guessed
// offline. So a secret that changes between plan and apply, or before a
// resume, goes unnoticed; it does not change what the runbook does.
func Inputs(vars map[string]cty.Value) (total string, inputs map[string]Input) {
	inputs = make(map[string]Input, len(vars))
	names := make([]string, 0, len(vars))
	for name, v := range vars {
		names = append(names, name)
		sensitive := containsSensitive(v)
		un, _ := v.UnmarkDeep()
		js := "null"
		if un.IsWhollyKnown() {
			if b, err := ctyjson.Marshal(un, un.Type()); err == nil {
				js = string(b)
			}
		}
		in := Input{Sensitive: sensitive, Hash: Bytes([]byte("baton-input\x00" + name + "\x00" + js))}
		if sensitive {
			in.Hash = Bytes([]byte("baton-input\x00" + name + "\x00(sensitive)"))
		} else {
			in.Value = js
		}
		inputs[name] = in
	}
	sort.Strings(names)
	var all strings.Builder
	for _, n := range names {
		all.WriteString(n)
		all.WriteByte(0)
		all.WriteString(inputs[n].Hash)
		all.WriteByte('\n')
	}
	return Bytes([]byte(all.String())), inputs
}

func containsSensitive(v cty.Value) bool {
	_, pvm := v.UnmarkDeepWithPaths()
	for _, pm := range pvm {
		if _, ok := pm.Marks[steps.Sensitive]; ok {
			return true
		}
	}
	return false
}
