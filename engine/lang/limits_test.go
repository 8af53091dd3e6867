package lang

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

func rep(s string, n int) string { return strings.Repeat(s, n) }

func TestCheckConfig(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // the summary and position of the one error; "" for none
	}{
		{"runbook", "runbook \"x\" {\n  lock = \"site/${var.s}\"\n}\n", ""},
		{"nested brackets", "a = " + rep("[", 100000) + rep("]", 100000) + "\n", "Nesting too deep at 1:261"},
		{"at the limit", "a = " + rep("[", 256) + rep("]", 256) + "\n", ""},
		{"nested blocks", rep("b {\n", 300), "Nesting too deep at 257:3"},
		{"nested parentheses", "a = " + rep("(", 1000) + "1" + rep(")", 1000), "Nesting too deep at 1:261"},
		{"nested calls", "a = " + rep("f(", 1000), "Nesting too deep at 1:518"},
		{"nested templates", "a = " + rep("\"${", 200), "Nesting too deep at 1:389"},
		{"nested directives", "a = \"" + rep("%{if x}", 300), "Nesting too deep at 1:1784"},
		{"directives in a row", "a = \"" + rep("%{if x}y%{endif}", 2000) + "\"\n", ""},
		{"brackets in strings", "a = \"" + rep("[{(", 10000) + "\"\n", ""},
		{"escaped quote", "a = \"\\\"" + rep("[", 1000) + "\"\n", ""},
		{"escaped template", "a = \"$${" + rep("[", 1000) + "\"\n", ""},
		{"brackets in a heredoc", "a = <<EOT\n" + rep("{", 10000) + "\n  EOT\nb = 1\n", ""},
		{"heredoc closed, brackets after", "a = <<-EOT\n  x\n  EOT\nb = " + rep("[", 300), "Nesting too deep at 4:261"},
		{"heredoc template", "a = <<EOT\n${" + rep("[", 300) + "}\nEOT\n", "Nesting too deep at 2:257"},
		{"marker after a sequence is text", "a = <<EOT\n${1}EOT\n" + rep("[", 300) + "\nEOT\n", ""},
		{"brackets in comments", "# " + rep("[", 1000) + "\n// " + rep("(", 1000) + "\n/* " + rep("{", 1000) + " */\n", ""},
		{"unterminated comment", "a = 1\n/* " + rep("[", 300), "Unterminated comment at 2:1"},
		{"many unterminated comments", rep("a = 1 /* x\n", 20000), "Unterminated comment at 1:7"},
		{"long chain", "a = " + rep("1 + ", 2000) + "1\n", "Expression too long at 1:4007"},
		{"long chain over lines", "a = (" + rep("1 +\n", 2000) + "1)\n", "Expression too long at 1000:3"},
		{"chain of nots", "a = " + rep("!", 5000) + "true\n", "Expression too long at 1:1005"},
		{"chain of indexes", "a = x" + rep("[0]", 5000) + "\n", "Expression too long at 1:3006"},
		{"ternaries", "a = " + rep("x ? 1 : ", 1000) + "2\n", "Expression too long at 1:4007"},
		{"for over lines", "a = {for k, v in x :\n k => " + rep("v +\n", 2000) + "}\n", "Expression too long at 999:3"},
		{"many short lines", rep("a = 1 + 2 + 3\n", 100000), ""},
		{"long list", "a = [" + rep("1 + 2, ", 100000) + "]\n", ""},
		{"invalid UTF-8", "a = 1\nb = \"\xff\"\n", "Invalid character encoding at 2:6"},
		{"non-ASCII heredoc marker", "a = <<ÉOT\nx\nÉOT\n", "Unsupported heredoc marker at 1:5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			diags := CheckConfig([]byte(tt.src), "f.hcl", hcl.InitialPos)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
			if got := describe(diags); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			if tt.want != "" {
				return
			}
			if _, diags := hclsyntax.ParseConfig([]byte(tt.src), "f.hcl", hcl.InitialPos); len(diags) > 0 && !strings.Contains(tt.name, "comment") {
				t.Logf("(parses with: %s)", diags[0].Summary)
			}
		})
	}
}

func describe(diags hcl.Diagnostics) string {
	switch len(diags) {
	case 0:
		return ""
	case 1:
		d := diags[0]
		return fmt.Sprintf("%s at %d:%d", d.Summary, d.Subject.Start.Line, d.Subject.Start.Column)
	}
	return "several diagnostics"
}

func TestCheckExpression(t *testing.T) {
	if got := describe(CheckExpression([]byte(rep("1 +\n", 2000)+"1"), "-var", hcl.InitialPos)); got != "Expression too long at 1001:3" {
		t.Errorf("a bare expression ignores newlines: %q", got)
	}
	if got := describe(CheckExpression([]byte("[\"a\", \"b\"]"), "-var", hcl.InitialPos)); got != "" {
		t.Errorf("%q", got)
	}
	if _, diags := ParseExpression([]byte(rep("[", 1<<20)), "-var", hcl.InitialPos); !diags.HasErrors() {
		t.Error("ParseExpression parsed a million brackets")
	}
}

func TestCheckJSON(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"object", `{"a": [1, 2, {"b": true}], "c": "x"}`, ""},
		{"deep", rep("[", 100000), "Nesting too deep at 1:257"},
		{"in a string", `{"a": "` + rep("[", 1000) + `"}`, ""},
		{"escaped quote", `{"a": "\"` + rep("[", 1000) + `"}`, ""},
		// hcl's scanner keeps a grapheme cluster whole, and U+0600 (a
		// "prepend" character) clusters with the quote after it: the
		// string goes on, and what looks like a string to encoding/json
		// is brackets to hcl.
		{"prepend character", "[\"\u0600\", \"" + rep("[", 300) + "\"]", "Nesting too deep at 1:263"},
		{"stops where hcl stops", "{\"a\": 1} @ " + rep("[", 1000), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := describe(CheckJSON([]byte(tt.src), "v.json")); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseConfigRefuses(t *testing.T) {
	f, diags := ParseConfig([]byte(rep("{", 1<<20)), "f.hcl", hcl.InitialPos)
	if !diags.HasErrors() || f == nil || f.Body == nil {
		t.Fatalf("file %v, diagnostics %v", f, diags)
	}
	if _, ok := f.Body.(*hclsyntax.Body); !ok {
		t.Fatalf("body %T", f.Body)
	}
}

// TestShippedRunbooksWithinLimits: the runbooks shipped with baton are far
// from the limits (the figures in the limits' doc comment).
func TestShippedRunbooksWithinLimits(t *testing.T) {
	files, _ := filepath.Glob("../../runbooks/*.hcl")
	lib, _ := filepath.Glob("../../runbooks/lib/*.hcl")
	files = append(files, lib...)
	if len(files) == 0 {
		t.Skip("no runbooks")
	}
	depth, ops := 0, 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		d, o := measureSource(src)
		depth, ops = max(depth, d), max(ops, o)
	}
	t.Logf("deepest nesting %d, longest chain %d", depth, ops)
	if depth > 16 || ops > 32 {
		t.Errorf("deepest nesting %d, longest chain %d: update the limits' doc comment", depth, ops)
	}
}

// measureSource is the deepest nesting and longest chain of src.
func measureSource(src []byte) (depth, ops int) {
	s := newScanner(src, false, 1<<30, 1<<30)
	for s.i < len(s.src) && s.stop == nil {
		switch f := s.top(); f.kind {
		case '"':
			s.quoted()
		case '<':
			s.heredoc(f)
		default:
			s.code(f)
		}
		depth, ops = max(depth, s.depth), max(ops, s.ops)
	}
	return depth, ops
}

// lexerEvents are the structural tokens hclsyntax's lexer finds in src, as
// scanEvents, and the offset at which it gave up (len(src) if it did not).
func lexerEvents(src []byte) ([]scanEvent, int) {
	kinds := map[hclsyntax.TokenType]byte{
		hclsyntax.TokenOBrace: '{', hclsyntax.TokenCBrace: '}', hclsyntax.TokenOBrack: '[', hclsyntax.TokenCBrack: ']',
		hclsyntax.TokenOParen: '(', hclsyntax.TokenCParen: ')', hclsyntax.TokenOQuote: '"', hclsyntax.TokenCQuote: '"',
		hclsyntax.TokenOHeredoc: '<', hclsyntax.TokenCHeredoc: '>', hclsyntax.TokenTemplateInterp: '$',
		hclsyntax.TokenTemplateControl: '$', hclsyntax.TokenTemplateSeqEnd: 'e',
	}
	toks, _ := hclsyntax.LexConfig(src, "f.hcl", hcl.InitialPos)
	var out []scanEvent
	for _, tok := range toks {
		if k, ok := kinds[tok.Type]; ok {
			out = append(out, scanEvent{tok.Range.Start.Byte, k})
		}
	}
	gaveUp := len(src)
	if n := len(toks); n >= 2 && toks[n-2].Type == hclsyntax.TokenInvalid && toks[n-2].Range.End.Byte == len(src) {
		gaveUp = toks[n-2].Range.Start.Byte
	}
	return out, gaveUp
}

func scannerEvents(src []byte) ([]scanEvent, int) {
	var events []scanEvent
	s := newScanner(src, false, 1<<30, 1<<30)
	s.events = &events
	s.run()
	stop := len(src)
	if s.stop != nil {
		stop = s.stop.at
	}
	return events, stop
}

func before(events []scanEvent, at int) []scanEvent {
	i := slices.IndexFunc(events, func(e scanEvent) bool { return e.at >= at })
	if i < 0 {
		return events
	}
	return events[:i]
}

// FuzzScanMatchesLexer: the scanner finds the brackets, quotes, heredocs
// and template sequences hclsyntax's lexer finds, at the same offsets, so
// that no bracket can hide from the limits in what the scanner takes for
// a string or a comment.
func FuzzScanMatchesLexer(f *testing.F) {
	for _, s := range lexerSeeds {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob("../../runbooks/*.hcl")
	more, _ := filepath.Glob("../runbook/testdata/*/*.hcl")
	for _, file := range append(files, more...) {
		if src, err := os.ReadFile(file); err == nil {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if !utf8.Valid(src) {
			return
		}
		got, stop := scannerEvents(src)
		// Where the scanner stops (at an unterminated /*), lex no further:
		// hcl's lexer takes quadratic time over unterminated comments.
		lex, gaveUp := lexerEvents(src[:stop])
		end := min(gaveUp, stop)
		if want, got := before(lex, end), before(got, end); !slices.Equal(want, got) {
			t.Fatalf("scanner and lexer differ on %q:\nlexer   %v\nscanner %v", src, want, got)
		}
	})
}

var lexerSeeds = []string{
	"a = \"${b}\" # c\n",
	"a = <<EOT\n${x}\n  EOT\n",
	"a = <<-EOT\n  %{ if x }${y}%{ endif }\n  EOT\nb = [1]\n",
	"a = \"\\\"${\"}\"}\"\n",
	"a = \"$${x} %%{y}\"\n",
	"a = {for k, v in x : k => v}\n",
	"a = \"${ {a = 1} ~}\"\n",
	"a = <<EOT\nx$\nEOT\n[\n",
	"a = <<EOT\r\nx\r\nEOT\r\n",
	"/* x */ a = 1 // y\n",
	"a = \"${<<EOT\ninner\nEOT\n}\"\n",
	"\ufeffa = [\"x\"]\n",
	"a = \"x\ny\"\n",
	// Found by TestScanMatchesLexerGenerated: a carriage return alone in a
	// heredoc, and one after a % or $.
	"*/${~<<EOT\nEOT\r\r\n for \n\u00a0EOT\n)${ _1-\n${EOT\na~}é\"<<\"",
	"for  <<_1-\nx %${<<-EOT\n)%%{%\r\r\n-a \n=${<<EOT\r\nif for ${${}/*for <<-EOT\n\r\nendif<<E",
}

// TestScanMatchesLexerGenerated: the scanner and the lexer agree on many
// inputs built of the pieces of HCL's lexical structure, which random
// bytes rarely assemble.
func TestScanMatchesLexerGenerated(t *testing.T) {
	pieces := []string{`"`, "${", "%{", "${~", "}", "~}", "{", "[", "(", ")", "]", `\`, `\"`, "\n", "\r\n", "\r",
		"<<EOT\n", "<<-EOT\n", "<<EOT\r\n", "EOT\n", "  EOT\n", "EOT", "$${", "%%{", "#", "//", "/*", "*/", "$", "%",
		"a", " ", "if ", "for ", "endif", "é", "\t", "=", "<<", "-", "x ", "<<E", "\u00a0EOT\n", "<<_1-\n", "_1-\n",
		"\ufeff", "$\"", "%\"", "$\n", "%\r\n", "~", "\\\\", "\"${\"", "\x00", "endfor", "else"}
	r := rand.New(rand.NewSource(1))
	for range 50000 {
		var b strings.Builder
		for range 1 + r.Intn(30) {
			b.WriteString(pieces[r.Intn(len(pieces))])
		}
		src := []byte(b.String())
		got, stop := scannerEvents(src)
		lex, gaveUp := lexerEvents(src[:stop])
		end := min(gaveUp, stop)
		if want, got := before(lex, end), before(got, end); !slices.Equal(want, got) {
			t.Fatalf("scanner and lexer differ on %q:\nlexer   %v\nscanner %v", src, want, got)
		}
	}
}
