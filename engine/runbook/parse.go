package runbook

import (
	"bytes"
	"runtime"
	"slices"

	"github.com/batonhq/baton/engine/lang"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Large files are parsed in pieces, concurrently. hclsyntax lexes a whole
// file into one token slice before parsing it; for a file of megabytes the
// slice's growth (copying and zeroing hundreds of megabytes) and the
// garbage collector chasing it cost more than the parse itself. Splitting the
// file at top-level item boundaries keeps every token slice small and lets
// the pieces be parsed on every core.
//
// The split is a hint, never trusted: a piece is parsed as a standalone
// file, and if any piece has an error the whole file is parsed again in one
// go, so diagnostics are exactly those of an ordinary parse. A wrong split
// point always leaves the piece before it with an unterminated construct
// (block, string, heredoc, comment, bracket or expression), hence an error,
// hence the fallback; so a clean chunked parse equals the ordinary one.
//
// Pieces are small (about 1 KiB) on purpose: the lexer's token slice grows
// by doubling only while small and by a quarter once large, so many small
// slices allocate less in total than a few large ones.
// They are variables so tests can force chunking on small files.
var (
	chunkedParseMin = 128 << 10 // files below this are parsed in one go
	parseChunkSize  = 1 << 10
)

// parseConfig parses an HCL native-syntax file, once lang.CheckConfig has
// found it within the limits (else the file is nil). A large file is not
// parsed in one go, and its parse stops early, when done is closed.
func parseConfig(src []byte, filename string, done <-chan struct{}) (*hcl.File, hcl.Diagnostics) {
	if diags := lang.CheckConfig(src, filename, hcl.InitialPos); diags.HasErrors() {
		return nil, diags
	}
	if len(src) < chunkedParseMin {
		return hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	}
	if f := parseChunked(src, filename, splitTopLevel(src, parseChunkSize), done); f != nil {
		return f, nil
	}
	select {
	case <-done:
		return nil, nil // the caller stops
	default:
	}
	return hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
}

// parseChunked parses src cut at the given offsets (each the start of a
// line at the top level) and merges the pieces into one file. It returns
// nil when a piece has any diagnostic or the pieces conflict, so the caller
// parses the whole file instead, and when done is closed.
func parseChunked(src []byte, filename string, cuts []int, done <-chan struct{}) *hcl.File {
	if len(cuts) == 0 {
		return nil
	}
	bounds := append(append([]int{0}, cuts...), len(src))
	pieces := make([]*hcl.File, len(bounds)-1)
	failed := make([]bool, len(pieces))

	// Pieces start at the beginning of a line; count lines to each.
	starts := make([]hcl.Pos, len(pieces))
	line := 1
	for i := range pieces {
		if i > 0 {
			line += bytes.Count(src[bounds[i-1]:bounds[i]], []byte{'\n'})
		}
		starts[i] = hcl.Pos{Line: line, Column: 1, Byte: bounds[i]}
	}

	inBatches(len(pieces), 1, min(runtime.GOMAXPROCS(0), len(pieces)), func(_, i, _ int) {
		select {
		case <-done:
			failed[i] = true
		default:
			pieces[i], failed[i] = parsePiece(src[bounds[i]:bounds[i+1]], filename, starts[i])
		}
	})

	body := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}}
	nav := &chunkNav{}
	for i, f := range pieces {
		if failed[i] {
			return nil
		}
		b, ok := f.Body.(*hclsyntax.Body)
		if !ok {
			return nil
		}
		for name, a := range b.Attributes {
			if body.Attributes[name] != nil {
				return nil // a redefinition: let the ordinary parse report it
			}
			body.Attributes[name] = a
		}
		body.Blocks = append(body.Blocks, b.Blocks...)
		nav.ends = append(nav.ends, bounds[i+1])
		nav.navs = append(nav.navs, f.Nav)
		if i == 0 {
			body.SrcRange.Start = b.SrcRange.Start
		}
		body.SrcRange.End, body.EndRange = b.SrcRange.End, b.EndRange
	}
	body.SrcRange.Filename = filename
	return &hcl.File{Body: body, Bytes: src, Nav: nav}
}

// parsePiece parses one piece; failed covers diagnostics and a panic in the
// parser (this goroutine is not Load's: the whole-file parse that follows
// reproduces the panic where Load turns it into a diagnostic). A piece cut
// in the wrong place may read text as code, so it is checked again.
func parsePiece(src []byte, filename string, start hcl.Pos) (f *hcl.File, failed bool) {
	defer func() {
		if recover() != nil {
			f, failed = nil, true
		}
	}()
	if lang.CheckConfig(src, filename, start).HasErrors() {
		return nil, true
	}
	f, diags := hclsyntax.ParseConfig(src, filename, start)
	return f, len(diags) > 0 || f == nil
}

// chunkNav gives a chunked file the editor navigation (the "in step ..."
// context of diagnostics) of an ordinarily parsed one, by asking the piece
// that holds the offset.
type chunkNav struct {
	ends []int // exclusive end offset of each piece
	navs []any
}

func (n *chunkNav) piece(offset int) any {
	i, _ := slices.BinarySearch(n.ends, offset+1)
	if i < len(n.navs) {
		return n.navs[i]
	}
	return nil
}

// ContextString implements hcled's context stringer.
func (n *chunkNav) ContextString(offset int) string {
	if c, ok := n.piece(offset).(interface{ ContextString(int) string }); ok {
		return c.ContextString(offset)
	}
	return ""
}

// splitTopLevel proposes offsets at which src may be cut into pieces of
// about size bytes: the start of a line reached outside any bracket, string,
// heredoc or comment. It reads HCL's lexical structure only roughly; that is
// enough, because parseChunked verifies every cut (see above). It returns nil
// when it loses track (an unterminated comment, say).
func splitTopLevel(src []byte, size int) []int {
	var cuts []int
	depth := 0     // open ( [ { in code, including template interpolations
	var strs []int // for each open quoted string: depth at which it opened
	last := 0      // previous cut
	for i := 0; i < len(src); i++ {
		c := src[i]
		if len(strs) > 0 && depth == strs[len(strs)-1] {
			// Inside a quoted string's literal part.
			switch {
			case c == '\\':
				i++
			case c == '"':
				strs = strs[:len(strs)-1]
			case c == '\n':
				return nil // quoted strings never span lines
			case (c == '$' || c == '%') && i+1 < len(src) && src[i+1] == '{':
				if i > 0 && src[i-1] == c { // $${ and %%{ are escapes
					continue
				}
				depth++
				i++
			}
			continue
		}
		if !codeSpecial[c] {
			continue
		}
		switch c {
		case '"':
			strs = append(strs, depth)
		case '{', '[', '(':
			depth++
		case '}', ']', ')':
			depth--
			if depth < 0 {
				return nil
			}
		case '#':
			i = lineEnd(src, i) - 1
		case '/':
			if i+1 < len(src) && src[i+1] == '/' {
				i = lineEnd(src, i) - 1
			} else if i+1 < len(src) && src[i+1] == '*' {
				end := indexFrom(src, i+2, "*/")
				if end < 0 {
					return nil
				}
				i = end + 1
			}
		case '<':
			if end, ok := heredocEnd(src, i); ok {
				i = end - 1
			} else if end < 0 {
				return nil
			}
		case '\n':
			if depth == 0 && len(strs) == 0 && i+1-last >= size && len(src)-(i+1) >= max(size/2, 1) {
				last = i + 1
				cuts = append(cuts, last)
			}
		}
	}
	return cuts
}

// codeSpecial marks the bytes splitTopLevel acts on outside strings.
var codeSpecial = func() (t [256]bool) {
	for _, c := range []byte("\"{[()]}#/<\n") {
		t[c] = true
	}
	return t
}()

// heredocEnd recognises a heredoc opening at src[i] ("<<ID" or "<<-ID" then a
// newline) and returns the offset just past its closing line's marker. ok is
// false when src[i] opens no heredoc; end is then 0, or -1 when the heredoc
// never closes.
func heredocEnd(src []byte, i int) (end int, ok bool) {
	if i+1 >= len(src) || src[i+1] != '<' {
		return 0, false
	}
	j := i + 2
	if j < len(src) && src[j] == '-' {
		j++
	}
	idStart := j
	for j < len(src) && (src[j] == '_' || src[j] == '-' || src[j] >= 'a' && src[j] <= 'z' ||
		src[j] >= 'A' && src[j] <= 'Z' || src[j] >= '0' && src[j] <= '9') {
		j++
	}
	if j == idStart {
		return 0, false
	}
	id := string(src[idStart:j])
	if j < len(src) && src[j] == '\r' {
		j++
	}
	if j >= len(src) || src[j] != '\n' {
		return 0, false
	}
	for p := j + 1; p < len(src); {
		e := lineEnd(src, p)
		if trimSpace(src[p:e]) == id {
			return e, true
		}
		p = e + 1
	}
	return -1, false
}

// lineEnd is the offset of the newline that ends the line holding i, or
// len(src).
func lineEnd(src []byte, i int) int {
	if j := bytes.IndexByte(src[i:], '\n'); j >= 0 {
		return i + j
	}
	return len(src)
}

// indexFrom is the offset of the first sep at or after i, or -1.
func indexFrom(src []byte, i int, sep string) int {
	if j := bytes.Index(src[i:], []byte(sep)); j >= 0 {
		return i + j
	}
	return -1
}

func trimSpace(b []byte) string {
	return string(bytes.TrimRight(bytes.TrimLeft(b, " \t"), " \t\r"))
}
