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
// the pieces be parsed on every core. The cuts are the starts of top-level
// lines that lang.CheckConfigCuts finds while checking the file's limits.
//
// The cuts are still not trusted: a piece is parsed as a standalone
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
// found it within the limits (else the file is nil). A large file is cut
// where the check proposes, and its parse stops early when done is closed.
func parseConfig(src []byte, filename string, done <-chan struct{}) (*hcl.File, hcl.Diagnostics) {
	size := parseChunkSize
	if len(src) < chunkedParseMin {
		size = 0 // parsed in one go
	}
	cuts, diags := lang.CheckConfigCuts(src, filename, hcl.InitialPos, size)
	if diags.HasErrors() {
		return nil, diags
	}
	if len(cuts) == 0 {
		return hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	}
	if f := parseChunked(src, filename, cuts, done); f != nil {
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

// ContextString implements hcled's context stringer.
func (n *chunkNav) ContextString(offset int) string {
	i, _ := slices.BinarySearch(n.ends, offset+1)
	if i < len(n.navs) {
		if c, ok := n.navs[i].(interface{ ContextString(int) string }); ok {
			return c.ContextString(offset)
		}
	}
	return ""
}
