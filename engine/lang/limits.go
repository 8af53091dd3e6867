package lang

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
)

// Limits on the shape of HCL source, checked before it is parsed. hcl's
// parsers and evaluator recurse once per nesting level and once per
// operator of a chain, and Go cannot recover from the stack overflow that
// enough of either causes ("fatal error: stack overflow", after using up to
// 1 GB of stack). Real runbooks stay far below both: the deepest runbook
// shipped with baton nests 12 deep, its longest expression chains 15.
const (
	// MaxNesting bounds how many brackets, braces, parentheses, quoted
	// strings, heredocs, template sequences (${ }, %{ }) and template
	// directives (%{ if }, %{ for }) are open at once.
	MaxNesting = 256
	// MaxOperators bounds the operators (+, &&, ?, ! ...), calls and
	// indexes of an expression that enclose one another: in one item of a
	// list, call or object, plus those of the expressions around it.
	MaxOperators = 1000
)

// CheckConfig reports HCL native-syntax source (a runbook, a var file)
// that must not be parsed: invalid UTF-8, nesting deeper than MaxNesting,
// an expression of more than MaxOperators operators, a heredoc marker that
// is not ASCII. It returns one error diagnostic, at the first place that
// breaks a rule, or nothing. It reads the bytes once, in linear time.
func CheckConfig(src []byte, filename string, start hcl.Pos) hcl.Diagnostics {
	_, diags := check(src, filename, start, false, 0)
	return diags
}

// CheckConfigCuts is CheckConfig that also proposes offsets at which src
// may be cut into pieces of about size bytes, each parsed alone: starts of
// lines at the top level, outside any block, bracket, string, heredoc or
// comment as hcl's lexer reads them. There are none when src breaks a rule.
func CheckConfigCuts(src []byte, filename string, start hcl.Pos, size int) ([]int, hcl.Diagnostics) {
	return check(src, filename, start, false, size)
}

// CheckExpression is CheckConfig for a bare expression (a -var value).
func CheckExpression(src []byte, filename string, start hcl.Pos) hcl.Diagnostics {
	_, diags := check(src, filename, start, true, 0)
	return diags
}

func check(src []byte, filename string, start hcl.Pos, expr bool, cutEvery int) ([]int, hcl.Diagnostics) {
	if !utf8.Valid(src) {
		return nil, limitDiag(src, filename, start, &stopAt{firstInvalid(src), "Invalid character encoding",
			"This file is not valid UTF-8 text from here on; save it as UTF-8."})
	}
	s := newScanner(src, expr, MaxNesting, MaxOperators)
	s.cutEvery = cutEvery
	s.run()
	if s.stop != nil {
		return nil, limitDiag(src, filename, start, s.stop)
	}
	return s.cuts, nil
}

// ParseConfig is hclsyntax.ParseConfig behind CheckConfig. When the check
// fails, the file it returns has an empty body (and the source's bytes).
func ParseConfig(src []byte, filename string, start hcl.Pos) (*hcl.File, hcl.Diagnostics) {
	if diags := CheckConfig(src, filename, start); diags.HasErrors() {
		return emptyFile(src, filename, start), diags
	}
	return hclsyntax.ParseConfig(src, filename, start)
}

// ParseExpression is hclsyntax.ParseExpression behind CheckExpression. When
// the check fails, the expression is nil.
func ParseExpression(src []byte, filename string, start hcl.Pos) (hclsyntax.Expression, hcl.Diagnostics) {
	if diags := CheckExpression(src, filename, start); diags.HasErrors() {
		return nil, diags
	}
	return hclsyntax.ParseExpression(src, filename, start)
}

// ParseJSON is hcl's JSON parser behind CheckJSON. When the check fails,
// the file it returns has an empty body.
func ParseJSON(src []byte, filename string) (*hcl.File, hcl.Diagnostics) {
	if diags := CheckJSON(src, filename); diags.HasErrors() {
		return emptyFile(src, filename, hcl.InitialPos), diags
	}
	return hcljson.Parse(src, filename)
}

func emptyFile(src []byte, filename string, start hcl.Pos) *hcl.File {
	rng := hcl.Range{Filename: filename, Start: start, End: start}
	return &hcl.File{Body: &hclsyntax.Body{SrcRange: rng, EndRange: rng}, Bytes: src}
}

// limitDiag is the error diagnostic of stop, in src.
func limitDiag(src []byte, filename string, start hcl.Pos, stop *stopAt) hcl.Diagnostics {
	pos := PosAt(src, start, stop.at)
	end := pos
	if stop.at < len(src) {
		_, n := utf8.DecodeRune(src[stop.at:])
		end = hcl.Pos{Line: pos.Line, Column: pos.Column + 1, Byte: pos.Byte + n}
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  stop.summary,
		Detail:   stop.detail,
		Subject:  &hcl.Range{Filename: filename, Start: pos, End: end},
	}}
}

// PosAt is the position of byte offset at of src, which starts at start:
// lines counted by "\n", columns by characters (runes).
func PosAt(src []byte, start hcl.Pos, at int) hcl.Pos {
	at = min(max(at, 0), len(src))
	pos := hcl.Pos{Line: start.Line + bytes.Count(src[:at], []byte("\n")), Column: start.Column, Byte: start.Byte + at}
	lineStart := bytes.LastIndexByte(src[:at], '\n') + 1
	if lineStart > 0 {
		pos.Column = 1
	}
	pos.Column += utf8.RuneCount(src[lineStart:at])
	return pos
}

func firstInvalid(src []byte) int {
	for i := 0; i < len(src); {
		r, n := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(src)
}

// stopAt is where and why a scan stopped.
type stopAt struct {
	at              int
	summary, detail string
}

func tooDeep(at, limit int) *stopAt {
	return &stopAt{at, "Nesting too deep", fmt.Sprintf(
		"Brackets, braces, parentheses, strings and templates nest more than %d deep here, more than baton reads. Flatten the structure, for example by moving inner parts into locals.", limit)}
}

func tooLong(at, limit int) *stopAt {
	return &stopAt{at, "Expression too long", fmt.Sprintf(
		"This expression chains more than %d operators, calls and indexes, more than baton reads. Split it into smaller expressions, for example in locals.", limit)}
}
