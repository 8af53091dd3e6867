package review

import (
	"strings"
	"testing"
)

// TestMarkdownText: text put in Markdown reads back as itself (CommonMark
// backslash escapes and entities undone), and none of its pipes splits a
// table cell, whatever backslashes precede them.
func TestMarkdownText(t *testing.T) {
	for _, in := range []string{"a|b", `a\|b`, `a\\|b`, `C:\dir\*.exe`, `DOMAIN\<passive>$`, "x_y [z] `q` & *", `\`} {
		out := mdText(in)
		if got := readMarkdown(out); got != in {
			t.Errorf("%q: written %q, reads back as %q", in, out, got)
		}
		for i, c := range out {
			if c != '|' {
				continue
			}
			slashes := len(out[:i]) - len(strings.TrimRight(out[:i], `\`))
			if slashes%2 == 0 {
				t.Errorf("%q: written %q, whose pipe at %d splits the cell", in, out, i)
			}
		}
	}
}

// readMarkdown undoes what CommonMark undoes in inline text: a backslash
// before ASCII punctuation, and the entities mdText writes.
func readMarkdown(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", s[i+1]) >= 0 {
			i++
		}
		b.WriteByte(s[i])
	}
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(b.String())
}
