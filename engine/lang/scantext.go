package lang

import "bytes"

// quoted reads one byte or escape of a quoted string.
func (s *scanner) quoted() {
	switch c := s.src[s.i]; c {
	case '"':
		s.event(s.i, '"')
		s.i++
		s.pop()
	case '\\':
		// An escape takes the next character, unless it is a newline.
		if n := s.at(s.i + 1); n != '\n' && n != '\r' && n != 0 {
			s.i++
		}
		s.i++
	case '$', '%':
		s.template(s.top())
	default:
		s.i++
	}
}

// heredoc reads heredoc text: its closing marker line, a template
// sequence, or one byte.
func (s *scanner) heredoc(f *frame) {
	if f.sol {
		f.sol = false
		if end, ok := s.markerLine(f.marker); ok {
			s.event(s.i, '>')
			s.i = end // the newline is code's again
			s.pop()
			return
		}
	}
	switch s.src[s.i] {
	case '\n':
		f.sol = true
		s.i++
	case '\r':
		if s.at(s.i+1) != '\n' {
			// The lexer gives up at a carriage return alone in a heredoc:
			// the rest of the file is one invalid token, nothing to parse.
			s.i = len(s.src)
			return
		}
		s.i++
	case '$', '%':
		s.template(f)
	default:
		s.i++
	}
}

// markerLine reports whether the line at the scanner's offset closes a
// heredoc of the marker, and the offset of its newline: the line is the
// marker between spaces, and holds no carriage return but one before its
// newline.
func (s *scanner) markerLine(marker []byte) (int, bool) {
	end := bytes.IndexByte(s.src[s.i:], '\n')
	if end < 0 {
		return 0, false
	}
	line := bytes.TrimSuffix(s.src[s.i:s.i+end], []byte("\r"))
	if bytes.IndexByte(line, '\r') >= 0 || !bytes.Equal(bytes.TrimSpace(line), marker) {
		return 0, false
	}
	return s.i + end, true
}

// template reads, at a $ or % of template text f, a template sequence
// (${ or %{, then code up to the matching }), the escapes $${ and %%{, or a
// plain $ or %.
func (s *scanner) template(f *frame) {
	c := s.src[s.i]
	switch {
	case s.at(s.i+1) == '{':
	case s.at(s.i+1) == c && s.at(s.i+2) == '{':
		s.i += 3
		return
	case s.at(s.i+1) == '\r':
		s.i += 2 // the lexer takes a carriage return after a $ or % with it
		return
	default:
		s.i++
		return
	}
	at := s.i
	s.event(at, '$')
	s.i += 2
	if s.at(s.i) == '~' {
		s.i++
	}
	s.braces++
	if c == '%' {
		s.directive(f, at)
	}
	s.push(at, frame{kind: '$', level: s.braces})
}

// directive counts the %{ if } and %{ for } directives open in f: the
// template parser nests one level per directive.
func (s *scanner) directive(f *frame, at int) {
	j := s.skipBlank(s.i)
	k := j
	for k < len(s.src) && isAlnum(s.src[k]) {
		k++
	}
	switch string(s.src[j:k]) {
	case "if", "for":
		f.dirs++
		s.depth++
		if s.depth > s.maxDepth {
			s.stop = tooDeep(at, s.maxDepth)
		}
	case "endif", "endfor":
		if f.dirs > 0 {
			f.dirs--
			s.depth--
		}
	}
}

// heredocStart reads, at a <, the opening of a heredoc (<<ID or <<-ID and
// a newline) and reports whether there was one. A marker with a non-ASCII
// character stops the scan: the lexer's rules for those (Unicode
// identifiers) are not worth following.
func (s *scanner) heredocStart() bool {
	j := s.i + 2
	if s.at(s.i+1) != '<' {
		return false
	}
	if s.at(j) == '-' {
		j++
	}
	id := j
	for j < len(s.src) && (isAlnum(s.src[j]) || s.src[j] == '_' || j > id && s.src[j] == '-') {
		j++
	}
	if j < len(s.src) && s.src[j] >= 0x80 {
		s.stop = &stopAt{s.i, "Unsupported heredoc marker",
			"A heredoc's marker must be ASCII letters, digits, underscores and dashes, like <<EOT."}
		return true
	}
	marker := s.src[id:j]
	if s.at(j) == '\r' {
		j++
	}
	if len(marker) == 0 || '0' <= marker[0] && marker[0] <= '9' || s.at(j) != '\n' {
		return false
	}
	s.event(s.i, '<')
	s.push(s.i, frame{kind: '<', marker: marker, sol: true})
	s.i = j + 1
	return true
}
