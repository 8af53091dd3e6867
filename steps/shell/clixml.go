package shell

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"unicode/utf16"
)

// clixmlMarker starts a CLIXML document: powershell.exe writes its error
// stream that way ("#< CLIXML" then <Objs ...>) when stderr is redirected.
const clixmlMarker = "#< CLIXML"

// DecodeCLIXML turns PowerShell's CLIXML error stream into readable text:
// the strings of its <S S="Error"> records, _xHHHH_ escapes decoded, each
// record on its own line; progress, warning and other records are left
// out. Text outside the documents is kept, line ends become \n and
// trailing blanks are trimmed. A document cut short (output capped) gives
// the lines before the cut and says so. s without the marker is returned
// unchanged.
func DecodeCLIXML(s string) string {
	i := strings.Index(s, clixmlMarker)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:i])
	for _, doc := range strings.Split(s[i+len(clixmlMarker):], clixmlMarker) {
		doc = strings.TrimPrefix(strings.TrimPrefix(doc, "\r"), "\n") // the marker's line end
		b.WriteString(decodeObjs(doc))
	}
	return tidyLines(b.String())
}

// decodeObjs decodes one document (the text after a marker): its error
// strings, then any text after </Objs>. Text that is not XML at all is
// returned as it is.
func decodeObjs(doc string) string {
	d := xml.NewDecoder(strings.NewReader(doc))
	var out, rec strings.Builder
	depth, inErr := 0, 0
	for {
		tok, err := d.Token()
		if err != nil {
			return endOfObjs(doc, out.String(), depth, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if inErr > 0 || isErrorString(t) {
				inErr++
			}
		case xml.CharData:
			if inErr > 0 {
				rec.Write(t)
			} else if depth == 0 { // text outside any document
				out.Write(t)
			}
		case xml.EndElement:
			depth--
			if inErr > 0 {
				if inErr--; inErr == 0 {
					writeRecord(&out, rec.String())
					rec.Reset()
				}
			}
			if depth == 0 && t.Name.Local == "Objs" {
				return out.String() + doc[d.InputOffset():]
			}
		}
	}
}

// endOfObjs is decodeObjs's result when the decoder stopped with err
// before </Objs>, depth elements deep.
func endOfObjs(doc, decoded string, depth int, err error) string {
	switch {
	case errors.Is(err, io.EOF) && depth == 0:
		return decoded
	case depth == 0:
		return doc // not XML
	default:
		return decoded + "(the rest of PowerShell's error output is cut short or unreadable)\n"
	}
}

func isErrorString(t xml.StartElement) bool {
	if t.Name.Local != "S" {
		return false
	}
	for _, a := range t.Attr {
		if a.Name.Local == "S" {
			return strings.EqualFold(a.Value, "Error")
		}
	}
	return false
}

// writeRecord adds one error string, ending it with a newline.
func writeRecord(b *strings.Builder, s string) {
	s = unescapePS(s)
	b.WriteString(s)
	if !strings.HasSuffix(s, "\n") {
		b.WriteByte('\n')
	}
}

// unescapePS decodes PowerShell's _xHHHH_ escapes (UTF-16 code units,
// surrogate pairs included) and _xHHHHHHHH_ (a code point). A lone
// surrogate becomes U+FFFD.
func unescapePS(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	var units []uint16
	flush := func() {
		b.WriteString(string(utf16.Decode(units)))
		units = units[:0]
	}
	for i := 0; i < len(s); {
		n, v := escapeAt(s[i:])
		switch {
		case n == 0:
			flush()
			b.WriteByte(s[i])
			i++
			continue
		case v > 0xFFFF:
			flush()
			b.WriteRune(rune(v))
		default:
			units = append(units, uint16(v))
		}
		i += n
	}
	flush()
	return b.String()
}

// escapeAt returns the length and value of the escape s starts with, or
// 0 when it starts with none.
func escapeAt(s string) (n int, v uint32) {
	if !strings.HasPrefix(s, "_x") {
		return 0, 0
	}
	for _, digits := range []int{4, 8} {
		if len(s) < digits+3 || s[digits+2] != '_' {
			continue
		}
		if v, ok := hexValue(s[2 : digits+2]); ok {
			return digits + 3, v
		}
	}
	return 0, 0
}

func hexValue(h string) (uint32, bool) {
	var v uint32
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		v = v<<4 | uint32(c)
	}
	return v, true
}

// tidyLines makes line ends \n, trims trailing blanks from each line and
// drops leading and trailing empty lines.
func tidyLines(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}
