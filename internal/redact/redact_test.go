package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"

	"github.com/batonhq/baton/steps"
	"github.com/zclconf/go-cty/cty"
)

const canary = "CANARY-7f3a9/x+y?"

// encodings are the ways a secret can leave baton inside a longer text.
func encodings(s string) map[string]string {
	u16 := utf16le(s)
	return map[string]string{
		"plain":          s,
		"hex":            hex.EncodeToString([]byte(s)),
		"HEX":            strings.ToUpper(hex.EncodeToString([]byte(s))),
		"url query":      url.QueryEscape(s),
		"url path":       url.PathEscape(s),
		"utf16le":        u16,
		"json":           jsonInner(s),
		"base64 0":       base64.StdEncoding.EncodeToString([]byte(s)),
		"base64 1":       base64.StdEncoding.EncodeToString([]byte("x" + s + "yz")),
		"base64 2":       base64.StdEncoding.EncodeToString([]byte("xy" + s + "z")),
		"base64url 1":    base64.URLEncoding.EncodeToString([]byte("x" + s)),
		"base64url 2":    base64.RawURLEncoding.EncodeToString([]byte("xy" + s)),
		"base64 utf16":   base64.StdEncoding.EncodeToString([]byte(u16)),
		"base64 utf16 1": base64.StdEncoding.EncodeToString([]byte("a" + u16)),
	}
}

func TestRedactsEveryEncoding(t *testing.T) {
	r := New(canary)
	for name, enc := range encodings(canary) {
		t.Run(name, func(t *testing.T) {
			text := "before " + enc + " after"
			got := r.String(text)
			if strings.Contains(got, enc) || !strings.Contains(got, Placeholder) {
				t.Fatalf("%q redacted to %q", text, got)
			}
			if !strings.HasPrefix(got, "before ") || !strings.HasSuffix(got, " after") {
				t.Fatalf("text around the secret changed: %q", got)
			}
		})
	}
}

func TestThreshold(t *testing.T) {
	tests := []struct {
		secret, text, want string
	}{
		{"abc", "abc abc", "abc abc"},
		{"abcd", "x abcd y", "x (sensitive) y"},
		{"abcd", "x abc y", "x abc y"},
		{"", "anything", "anything"},
	}
	for _, tc := range tests {
		if got := New(tc.secret).String(tc.text); got != tc.want {
			t.Errorf("secret %q: %q became %q, want %q", tc.secret, tc.text, got, tc.want)
		}
	}
}

func TestLongestFirst(t *testing.T) {
	r := New("pass", "password1")
	if got := r.String("password1 pass"); got != "(sensitive) (sensitive)" {
		t.Fatalf("got %q", got)
	}
}

func TestLearnsDuringUse(t *testing.T) {
	r := New()
	if got := r.String("s3cr3t-value"); got != "s3cr3t-value" {
		t.Fatalf("redacted before learning: %q", got)
	}
	r.Add("s3cr3t-value")
	if got := r.String("s3cr3t-value"); got != Placeholder {
		t.Fatalf("not redacted after learning: %q", got)
	}
}

func TestNilRedactor(t *testing.T) {
	var r *Redactor
	r.Add("abcdef")
	if got := r.String("abcdef"); got != "abcdef" {
		t.Fatalf("got %q", got)
	}
}

func TestSecrets(t *testing.T) {
	v := cty.ObjectVal(map[string]cty.Value{
		"plain": cty.StringVal("shown"),
		"pw":    cty.StringVal("hunter22").Mark(steps.Sensitive),
		"pin":   cty.NumberIntVal(48151623).Mark(steps.Sensitive),
		"list":  cty.ListVal([]cty.Value{cty.StringVal("alpha1"), cty.StringVal("beta22")}).Mark(steps.Sensitive),
		"flag":  cty.True.Mark(steps.Sensitive),
	})
	got := map[string]bool{}
	for _, s := range Secrets(v) {
		got[s] = true
	}
	for _, want := range []string{"hunter22", "48151623", "alpha1", "beta22"} {
		if !got[want] {
			t.Errorf("%q not found in %v", want, got)
		}
	}
	if got["shown"] {
		t.Errorf("an unmarked value counted as a secret")
	}
}

func TestWriter(t *testing.T) {
	var buf bytes.Buffer
	r := New("topsecret")
	w := r.Writer(&buf)
	n, err := w.Write([]byte("line with topsecret\n"))
	if err != nil || n != len("line with topsecret\n") {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if buf.String() != "line with (sensitive)\n" {
		t.Fatalf("got %q", buf.String())
	}
}

func TestConcurrentUse(t *testing.T) {
	r := New()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 100; i++ {
			r.Add(strings.Repeat("k", 4+i))
		}
	}()
	for i := 0; i < 100; i++ {
		_ = r.String("kkkkkkkk")
	}
	<-done
	if got := r.String("kkkk"); got != Placeholder {
		t.Fatalf("got %q", got)
	}
}

func FuzzRedact(f *testing.F) {
	f.Add("hunter22", "the password is hunter22")
	f.Add("ünïcødé-sécret", "x")
	f.Fuzz(func(t *testing.T, secret, text string) {
		r := New(secret)
		got := r.String(text + secret + text)
		if strings.ContainsAny(secret, "()") {
			return // could be re-formed across a placeholder
		}
		if len(secret) >= MinLen && strings.Contains(got, secret) {
			t.Fatalf("secret %q left in %q", secret, got)
		}
	})
}
