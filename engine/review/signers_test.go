package review_test

import (
	"crypto/ed25519"
	"crypto/rand"
	stdhtml "html"
	"strings"
	"testing"

	"github.com/batonhq/baton/engine/review"
	"github.com/batonhq/baton/internal/signing"
	"golang.org/x/crypto/ssh"
)

// TestReviewShowsSigners: the board reads who may sign for whom when the
// runbook requires signed decisions, down to each key's fingerprint; a
// runbook without an allowed-signers file says nothing about signing.
func TestReviewShowsSigners(t *testing.T) {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	line := "cab-chair,erin " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
	as, err := signing.ParseAllowedSigners("ops/allowed_signers", []byte(line+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, rb := planFor(t, nil)
	md, html := render(t, p, rb, review.Evidence{})
	if strings.Contains(string(md), "allowed-signers") || strings.Contains(string(html), "allowed-signers") {
		t.Error("a review of a runbook without allowed signers speaks of them")
	}
	rb.AllowedSigners = as
	md, html = render(t, p, rb, review.Evidence{})
	for _, want := range []string{"ops/allowed\\_signers", "cab-chair, erin", ssh.FingerprintSHA256(key), as.Digest()} {
		if !strings.Contains(string(md), want) {
			t.Errorf("the Markdown review does not show %q", want)
		}
	}
	for _, want := range []string{"ops/allowed_signers", "cab-chair, erin", ssh.FingerprintSHA256(key)} {
		if !strings.Contains(stdhtml.UnescapeString(string(html)), want) {
			t.Errorf("the HTML review does not show %q", want)
		}
	}
}
