package lang

import "bytes"

// scanner follows HCL native syntax as hclsyntax's lexer does (see its
// scan_tokens.rl), byte by byte and without building tokens, to measure
// nesting and operator chains before the parser sees them. It must agree
// with the lexer on which bytes are code, string or heredoc text and
// comment: FuzzScanMatchesLexer checks that it finds the very brackets,
// quotes, heredocs and template sequences the lexer finds.
//
// It assumes valid UTF-8 (check tests that first): then every byte it acts
// on is ASCII, and non-ASCII bytes are plain text to it.
type scanner struct {
	src     []byte
	i       int
	frames  []frame
	braces  int // the lexer's count of open braces, ${ and %{ (may go negative)
	noClose int // no */ at or after this offset (-1: not known)

	depth, ops       int // nesting and operator chain now (see MaxNesting, MaxOperators)
	maxDepth, maxOps int // limits
	stop             *stopAt

	events *[]scanEvent // when not nil, every structural byte (for tests)

	cutEvery int   // when > 0, propose cuts about this many bytes apart
	cuts     []int // starts of top-level lines proposed as cuts
}

// frame kinds: code frames ('f' file, 'x' bare expression, '{', '[', '(',
// '$' a template sequence), and template text ('"' quoted, '<' heredoc).
type frame struct {
	kind    byte
	ops     int    // code: operators in the current item
	resetNL bool   // code: a newline ends an item (file, bodies, objects)
	level   int    // '$': the lexer's brace count inside it
	dirs    int    // text: open %{ if } and %{ for } directives
	marker  []byte // '<': the closing marker
	sol     bool   // '<': at the start of a line
}

// scanEvent is a structural byte the scanner found, in the lexer's terms:
// one of { } [ ] ( ) " (open and close quote), < (heredoc open), >
// (heredoc close), $ (${ or %{), e (the } ending a template sequence).
type scanEvent struct {
	at   int
	kind byte
}

func newScanner(src []byte, expr bool, maxDepth, maxOps int) *scanner {
	root := frame{kind: 'f', resetNL: true}
	if expr {
		root = frame{kind: 'x'} // bare expressions ignore newlines
	}
	return &scanner{src: src, frames: []frame{root}, maxDepth: maxDepth, maxOps: maxOps, noClose: -1}
}

func (s *scanner) run() {
	for s.i < len(s.src) && s.stop == nil {
		switch f := &s.frames[len(s.frames)-1]; f.kind {
		case '"':
			s.quoted()
		case '<':
			s.heredoc(f)
		default:
			s.code(f)
		}
	}
}

func (s *scanner) event(at int, kind byte) {
	if s.events != nil {
		*s.events = append(*s.events, scanEvent{at, kind})
	}
}

func (s *scanner) top() *frame { return &s.frames[len(s.frames)-1] }

// push opens a frame at offset at.
func (s *scanner) push(at int, f frame) {
	s.frames = append(s.frames, f)
	s.depth++
	if s.depth > s.maxDepth {
		s.stop = tooDeep(at, s.maxDepth)
	}
}

// pop closes the top frame.
func (s *scanner) pop() {
	f := s.top()
	s.ops -= f.ops
	s.depth -= 1 + f.dirs
	s.frames = s.frames[:len(s.frames)-1]
}

// addOp counts an operator (or an opening bracket) of the current item.
func (s *scanner) addOp(at int) {
	s.top().ops++
	s.ops++
	if s.ops > s.maxOps {
		s.stop = tooLong(at, s.maxOps)
	}
}

// endItem starts a new item of the current code frame (after , or a
// newline): the previous item's operators no longer enclose anything.
func (s *scanner) endItem() {
	f := s.top()
	s.ops -= f.ops
	f.ops = 0
}

// code reads one token's worth of code.
func (s *scanner) code(f *frame) {
	c := s.src[s.i]
	switch c {
	case '\n':
		if f.resetNL {
			s.endItem()
		}
		s.i++
		if len(s.frames) == 1 && s.cutEvery > 0 {
			s.cut()
		}
	case ',':
		s.endItem()
		s.i++
	case '"':
		s.event(s.i, '"')
		s.i++
		s.push(s.i-1, frame{kind: '"'})
	case '{', '[', '(':
		s.open(c)
	case '}', ']', ')':
		s.close(c, s.i)
		s.i++
	case '~':
		if s.at(s.i+1) == '}' {
			s.close('~', s.i)
			s.i += 2
			return
		}
		s.i++
	case '#':
		// Skip the comment up to its newline, which then ends the item
		// as a newline does (hcl turns it into one).
		s.i = lineEnd(s.src, s.i)
	case '/':
		s.slash()
	case '<':
		if !s.heredocStart() {
			s.operator()
		}
	case '=':
		if n := s.at(s.i + 1); n == '=' || n == '>' {
			s.operator()
			return
		}
		s.i++ // an assignment, not an operator
	case '+', '-', '*', '%', '!', '?', ':', '>', '&', '|':
		s.operator()
	default:
		s.i++
	}
}

// cut proposes the top-level line starting at s.i as a place to cut the
// file, when the piece before it and the rest are big enough.
func (s *scanner) cut() {
	last := 0
	if n := len(s.cuts); n > 0 {
		last = s.cuts[n-1]
	}
	if s.i-last >= s.cutEvery && len(s.src)-s.i >= max(s.cutEvery/2, 1) {
		s.cuts = append(s.cuts, s.i)
	}
}

// at is the byte at offset i, 0 past the end.
func (s *scanner) at(i int) byte {
	if i < len(s.src) {
		return s.src[i]
	}
	return 0
}

// operator reads a one- or two-byte operator.
func (s *scanner) operator() {
	s.addOp(s.i)
	switch string(s.src[s.i:min(s.i+2, len(s.src))]) {
	case "==", "!=", "<=", ">=", "&&", "||", "=>", "::":
		s.i += 2
	default:
		s.i++
	}
}

// open reads { [ or (: an operand of the enclosing item, and a new frame.
func (s *scanner) open(c byte) {
	at := s.i
	s.event(at, c)
	s.addOp(at)
	s.i++
	f := frame{kind: c}
	if c == '{' {
		s.braces++
		f.resetNL = !s.forExpr()
	}
	s.push(at, f)
}

// forExpr reports whether the brace just read opens a for expression
// ({for k, v in x : ...}), which ignores newlines as brackets do.
func (s *scanner) forExpr() bool {
	j := s.skipBlank(s.i)
	if !bytes.HasPrefix(s.src[j:], []byte("for")) {
		return false
	}
	c := s.at(j + 3)
	return !(c == '_' || c == '-' || isAlnum(c)) // a non-ASCII byte may continue the name: then say yes, the safe answer
}

// skipBlank skips spaces, newlines and comments.
func (s *scanner) skipBlank(j int) int {
	for j < len(s.src) {
		switch c := s.src[j]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			j++
		case c == '#' || c == '/' && s.at(j+1) == '/':
			j = lineEnd(s.src, j)
		case c == '/' && s.at(j+1) == '*':
			end := s.commentEnd(j + 2)
			if end < 0 {
				return j
			}
			j = end
		default:
			return j
		}
	}
	return j
}

// close reads } ] ) or ~} (c is '~') at offset at.
// A } or ~} at the brace level of the innermost template sequence ends
// it, whatever is still open inside; a ~} always counts as the end of a
// sequence for the lexer, and any } closes a brace.
func (s *scanner) close(c byte, at int) {
	if c == '}' || c == '~' {
		if seq := s.innermost('$'); seq >= 0 && s.frames[seq].level == s.braces {
			s.braces--
			s.event(s.i, 'e')
			for len(s.frames) > seq {
				s.pop()
			}
			if t := s.top(); t.kind == '<' {
				t.sol = false
			}
			return
		}
		s.braces--
		if c == '~' {
			// The lexer calls it the end of a sequence, the parser then
			// finds no closing brace: the brace stays open (counting more
			// depth is the safe side).
			s.event(at, 'e')
			return
		}
		s.event(at, '}')
	} else {
		s.event(at, c)
	}
	if s.top().kind == opener[c] {
		s.pop()
	}
}

// opener is the opening bracket of each closing one.
var opener = map[byte]byte{'}': '{', ']': '[', ')': '('}

// innermost is the index of the innermost frame of the kind up to the
// nearest template text frame, -1 if none.
func (s *scanner) innermost(kind byte) int {
	for i := len(s.frames) - 1; i >= 0; i-- {
		switch s.frames[i].kind {
		case kind:
			return i
		case '"', '<':
			return -1
		}
	}
	return -1
}

// slash reads a comment or the division operator.
func (s *scanner) slash() {
	switch s.at(s.i + 1) {
	case '/':
		s.i = lineEnd(s.src, s.i) // as a # comment
		return
	case '*':
		if end := s.commentEnd(s.i + 2); end >= 0 {
			s.i = end
			return
		}
		// An unterminated /* is a syntax error, and hcl's lexer searches
		// the rest of the file for its end at every one of them.
		s.stop = &stopAt{s.i, "Unterminated comment", "This /* comment has no closing */."}
		return
	}
	s.operator()
}

// commentEnd is the offset just past the first */ at or after from, -1 if
// there is none. Once a search fails, later ones fail at once, so that
// many unterminated comments cost linear time.
func (s *scanner) commentEnd(from int) int {
	if s.noClose >= 0 && from >= s.noClose {
		return -1
	}
	end := bytes.Index(s.src[from:], []byte("*/"))
	if end < 0 {
		s.noClose = from
		return -1
	}
	return from + end + 2
}

func lineEnd(src []byte, i int) int {
	if j := bytes.IndexByte(src[i:], '\n'); j >= 0 {
		return i + j
	}
	return len(src)
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
