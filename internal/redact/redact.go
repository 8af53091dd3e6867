// Package redact is baton's one redactor: every text baton writes (logs,
// errors, plans, reviews, the state and the journal, the CLI's output) goes
// through a Redactor that replaces each secret it knows, and the usual
// encodings of it, with "(sensitive)".
//
// The redactor is the second line of defence: sensitive values are marked
// (steps.Sensitive) and the places that show or store values refuse marked
// ones. It catches what slipped past the marks, such as a secret a program
// printed or an error that quoted its input.
package redact

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf16"

	"github.com/batonhq/baton/steps"
	"github.com/zclconf/go-cty/cty"
)

// MinLen is the shortest secret that is redacted as text, and the
// shortest encoded form searched for. Shorter secrets (a 3-digit PIN)
// would hide every such string in the output; they are still protected by
// their marks, never by the redactor.
const MinLen = 4

// Placeholder replaces every secret.
const Placeholder = "(sensitive)"

// Redactor replaces known secrets in text. The zero value and a nil
// *Redactor are valid and redact nothing until secrets are added; every
// method is safe for concurrent use.
type Redactor struct {
	mu      sync.Mutex
	secrets map[string]bool
	rep     atomic.Pointer[strings.Replacer]
}

// New returns a redactor that knows secrets.
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add teaches the redactor secrets; those shorter than MinLen are ignored.
func (r *Redactor) Add(secrets ...string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.secrets == nil {
		r.secrets = map[string]bool{}
	}
	changed := false
	for _, s := range secrets {
		if len(s) >= MinLen && !r.secrets[s] {
			r.secrets[s] = true
			changed = true
		}
	}
	if changed {
		r.rep.Store(build(r.secrets))
	}
}

// AddValue teaches the redactor every sensitive part of v (see Secrets).
func (r *Redactor) AddValue(v cty.Value) { r.Add(Secrets(v)...) }

// AddValues is AddValue for every value of each map.
func (r *Redactor) AddValues(maps ...map[string]cty.Value) {
	for _, m := range maps {
		for _, v := range m {
			r.AddValue(v)
		}
	}
}

// String returns s with every known secret and its encodings replaced.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	if rep := r.rep.Load(); rep != nil {
		return rep.Replace(s)
	}
	return s
}

// Bytes is String for a byte slice.
func (r *Redactor) Bytes(b []byte) []byte {
	if r == nil || r.rep.Load() == nil {
		return b
	}
	return []byte(r.String(string(b)))
}

// Writer returns a writer that redacts each Write before passing it to w.
// A secret split across two writes is not recognised: give it whole lines
// (as loggers do).
func (r *Redactor) Writer(w io.Writer) io.Writer { return &writer{r: r, w: w} }

type writer struct {
	r *Redactor
	w io.Writer
}

func (w *writer) Write(p []byte) (int, error) {
	if _, err := w.w.Write(w.r.Bytes(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Secrets returns the text of every part of v marked steps.Sensitive:
// strings as they are, numbers in decimal, bools are never secrets worth
// searching for. Parts of a marked collection are all secrets.
func Secrets(v cty.Value) []string {
	var out []string
	un, pvm := v.UnmarkDeepWithPaths()
	for _, pm := range pvm {
		if _, ok := pm.Marks[steps.Sensitive]; !ok {
			continue
		}
		x, err := pm.Path.Apply(un)
		if err != nil {
			continue
		}
		_ = cty.Walk(x, func(_ cty.Path, s cty.Value) (bool, error) {
			if !s.IsKnown() || s.IsNull() {
				return false, nil
			}
			switch s.Type() {
			case cty.String:
				out = append(out, s.AsString())
			case cty.Number:
				out = append(out, s.AsBigFloat().Text('f', -1))
			}
			return true, nil
		})
	}
	return out
}

// build makes the replacer of every secret and its encodings, longest
// first so that a secret containing another is replaced whole.
func build(secrets map[string]bool) *strings.Replacer {
	forms := map[string]bool{}
	for s := range secrets {
		for _, f := range Forms(s) {
			if len(f) >= MinLen {
				forms[f] = true
			}
		}
	}
	list := make([]string, 0, len(forms))
	for f := range forms {
		list = append(list, f)
	}
	sort.Slice(list, func(i, j int) bool {
		if len(list[i]) != len(list[j]) {
			return len(list[i]) > len(list[j])
		}
		return list[i] < list[j]
	})
	pairs := make([]string, 0, 2*len(list))
	for _, f := range list {
		pairs = append(pairs, f, Placeholder)
	}
	return strings.NewReplacer(pairs...)
}

// Forms returns the texts that reveal s: s itself, its JSON and URL
// escapes, hex (lower and upper case), UTF-16LE, and base64 (standard
// and URL alphabets) of s and of its UTF-16LE form, at each of the three
// alignments s can have inside a longer encoded text. Some forms may be
// shorter than MinLen; the redactor ignores those.
func Forms(s string) []string {
	u16 := utf16le(s)
	out := []string{s, jsonInner(s), url.QueryEscape(s), url.PathEscape(s),
		hex.EncodeToString([]byte(s)), strings.ToUpper(hex.EncodeToString([]byte(s))),
		u16, hex.EncodeToString([]byte(u16))}
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		for a := 0; a < 3; a++ {
			out = append(out, base64At(enc, s, a), base64At(enc, u16, a))
		}
	}
	return out
}

// base64At is the part of the base64 of s, preceded by a bytes of
// anything, that depends on s alone: the characters whose six bits all
// come from s.
func base64At(enc *base64.Encoding, s string, a int) string {
	full := enc.EncodeToString(append(make([]byte, a), s...))
	first := (8*a + 5) / 6         // the first character starting inside s
	last := (8 * (a + len(s))) / 6 // characters ending at or before s's end
	if first >= last {
		return ""
	}
	return full[first:last]
}

// jsonInner is s as it appears inside a JSON string.
func jsonInner(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// utf16le is s encoded as UTF-16, little-endian (PowerShell's
// -EncodedCommand, .NET's Unicode), as a string of bytes.
func utf16le(s string) string {
	units := utf16.Encode([]rune(s))
	b := make([]byte, 0, 2*len(units))
	for _, u := range units {
		b = append(b, byte(u), byte(u>>8))
	}
	return string(b)
}

// Underlying returns the writer a redacting writer (Writer) writes to, or
// w itself, so that callers can still tell a terminal from a file.
func Underlying(w io.Writer) io.Writer {
	for {
		rw, ok := w.(*writer)
		if !ok {
			return w
		}
		w = rw.w
	}
}
