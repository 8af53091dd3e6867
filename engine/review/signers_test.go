package review_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	stdhtml "html"
	"strings"
	"testing"

	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/engine/review"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/internal/signing"
	"golang.org/x/crypto/ssh"
)

// TestReviewShowsSigners: the board reads who may sign for whom when the
// runbook requires signed decisions, down to each key's fingerprint, in
// every format of the change record; a runbook without an allowed-signers
// file says nothing about signing.
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
	if strings.Contains(string(md), "allowed-signers") || strings.Contains(string(html), "allowed-signers") || strings.Contains(tickets(t, p, rb), "allowed-signers") {
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
		if !strings.Contains(tickets(t, p, rb), want) {
			t.Errorf("the ServiceNow and Jira change records do not show %q", want)
		}
	}
}

// tickets are the ServiceNow and Jira change records of p.
func tickets(t *testing.T, p *plan.Plan, rb *runbook.Runbook) string {
	t.Helper()
	var b bytes.Buffer
	if err := review.ServiceNow(&b, p, rb, review.Evidence{}, review.ServiceNowConfig{}); err != nil {
		t.Fatal(err)
	}
	if err := review.Jira(&b, p, rb, review.Evidence{}, jiraBare); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
