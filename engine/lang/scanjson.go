package lang

import (
	"github.com/apparentlymart/go-textseg/v15/textseg"
	"github.com/hashicorp/hcl/v2"
)

// CheckJSON reports JSON source (a .json var file) nested deeper than
// MaxNesting, which hcl's JSON parser must not see, as one error
// diagnostic. It follows hcl's JSON scanner exactly (hcl/v2/json
// scanner.go), down to its use of grapheme clusters inside strings, so that
// both see the same brackets.
func CheckJSON(src []byte, filename string) hcl.Diagnostics {
	if at := jsonTooDeep(src, MaxNesting); at >= 0 {
		return limitDiag(src, filename, hcl.InitialPos, tooDeep(at, MaxNesting))
	}
	return nil
}

// jsonTooDeep is the offset of the first bracket nested deeper than limit,
// -1 if none. A closer closes only its own kind of opener: a stray one
// leaves the depth as it is (the safe side).
func jsonTooDeep(src []byte, limit int) int {
	var open []byte
	for i := 0; i < len(src); {
		switch c := src[i]; {
		case c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == ',' || c == ':' || c == '=':
			i++
		case c == '{' || c == '[':
			open = append(open, c)
			if len(open) > limit {
				return i
			}
			i++
		case c == '}' || c == ']':
			if n := len(open); n > 0 && open[n-1] == opener[c] {
				open = open[:n-1]
			}
			i++
		case c == '"':
			i = jsonStringEnd(src, i)
		case jsonWordByte(c):
			for i < len(src) && jsonWordByte(src[i]) {
				i++
			}
		default:
			return -1 // hcl's scanner stops at anything else
		}
	}
	return -1
}

// jsonWordByte: the bytes of hcl's JSON number and keyword tokens.
func jsonWordByte(c byte) bool {
	return isAlnum(c) || c == '_' || c == '-' || c == '+' || c == '.'
}

// jsonStringEnd is where hcl's JSON scanner ends the string opening at i:
// past an unescaped quote, or at a control character.
func jsonStringEnd(src []byte, i int) int {
	escaping := false
	for i++; i < len(src); {
		switch b := src[i]; {
		case b == '\\':
			escaping = !escaping
			i++
		case b == '"':
			i++
			if !escaping {
				return i
			}
			escaping = false
		case b < 32:
			return i
		default:
			n, _, _ := textseg.ScanGraphemeClusters(src[i:], true)
			i += max(n, 1)
			escaping = false
		}
	}
	return i
}
