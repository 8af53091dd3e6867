package executor

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/engine/clock"
	"testing/fstest"

	"github.com/batonhq/baton/engine/runbook"

	"github.com/batonhq/baton/internal/signing"
	"github.com/batonhq/baton/state"
)

// sshKey makes an ed25519 key pair with ssh-keygen and returns the private
// key's path and the public key's "type base64" text.
func sshKey(t *testing.T, dir, name string) (string, string) {
	t.Helper()
	path := filepath.Join(dir, name)
	out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path).CombinedOutput()
	if err != nil {
		if os.Getenv("BATON_REQUIRE_SSH") == "1" {
			t.Fatalf("ssh-keygen: %v\n%s", err, out)
		}
		t.Skipf("ssh-keygen is needed (apt-get install openssh-client): %v", err)
	}
	pub, err := os.ReadFile(path + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(pub))
	return path, f[0] + " " + f[1]
}

func allowedSigners(t *testing.T, lines ...string) *signing.AllowedSigners {
	t.Helper()
	as, err := signing.ParseAllowedSigners("allowed_signers", []byte(strings.Join(lines, "\n")+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	return as
}

func fileSigner(t *testing.T, path string) signing.Signer {
	t.Helper()
	sg, err := signing.FileSigner(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return sg
}

// TestSignedApprovals: a run started with an allowed-signers file counts
// only decisions signed by a key allowed for the name they claim, for this
// run, step and plan, and never the requester's key under another name.
func TestSignedApprovals(t *testing.T) {
	dir := t.TempDir()
	bobKey, bobPub := sshKey(t, dir, "bob")
	carolKey, carolPub := sshKey(t, dir, "carol")
	opKey, opPub := sshKey(t, dir, "operator")
	as := allowedSigners(t, "bob "+bobPub, "carol "+carolPub, "operator,bob "+opPub)
	for _, tt := range []struct {
		name    string
		signed  func(f *fixture, id, other string) []byte
		wantErr error
		want    string
	}{
		{"signed by bob", func(f *fixture, id, _ string) []byte { return f.sign(t, bobKey, id, "bob") }, nil, ""},
		{"unsigned", func(*fixture, string, string) []byte { return nil }, ErrUnsigned, "sign it"},
		{"carol's key claiming bob", func(f *fixture, id, _ string) []byte { return f.sign(t, carolKey, id, "bob") }, signing.ErrNotAllowed, "not allowed"},
		{"replayed from another run", func(f *fixture, _, other string) []byte { return f.sign(t, bobKey, other, "bob") }, signing.ErrBadSignature, "signed for run"},
		{"the requester's key as bob", func(f *fixture, id, _ string) []byte { return f.sign(t, opKey, id, "bob") }, nil, "who started run"},
		{"one byte changed", func(f *fixture, id, _ string) []byte {
			b := f.sign(t, bobKey, id, "bob")
			i := strings.Index(string(b), "SIGNATURE-----") + 40
			b[i] ^= 1
			return b
		}, nil, "signature"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			rb := f.load(gatedRunbook)
			o := f.opts()
			o.AllowedSigners = as
			meta := Meta{PlanDigest: "sha256:plan-" + tt.name}
			res, err := Start(t.Context(), rb, f.vars(rb), o, meta)
			if err != nil || res.Status != state.RunPaused {
				t.Fatalf("start: %v %v", res, err)
			}
			other, _ := Start(t.Context(), rb, f.vars(rb, "site=PS2"), o, Meta{PlanDigest: "sha256:other-" + tt.name})
			d := Decision{By: "bob", Decision: "approved", Signed: tt.signed(f, res.RunID, other.RunID), AllowedSigners: as}
			err = AnswerWith(f.store, res.RunID, "cab", d, f.clk.Now())
			if tt.wantErr == nil && tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				got, err := Resume(t.Context(), rb, f.vars(rb), res.RunID, o, ResumeOptions{})
				if err != nil || got.Status != state.RunSucceeded || f.calls.get("change") != 1 {
					t.Fatalf("resume: %v %v, promoted %d times", got, err, f.calls.get("change"))
				}
				return
			}
			if err == nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("answer: %v, want %v containing %q", err, tt.wantErr, tt.want)
			}
		})
	}
}

// TestUnsignedAnswerNotCounted: an answer journaled past the approve
// command's checks (written straight to the store) is verified again by
// the engine, counts for nothing, and the refusal is journaled.
func TestUnsignedAnswerNotCounted(t *testing.T) {
	dir := t.TempDir()
	_, bobPub := sshKey(t, dir, "bob")
	as := allowedSigners(t, "bob "+bobPub)
	f := newFixture(t)
	rb := f.load(gatedRunbook)
	o := f.opts()
	o.AllowedSigners = as
	res, err := Start(t.Context(), rb, f.vars(rb), o, Meta{})
	if err != nil {
		t.Fatal(err)
	}
	e := answerEntry(f.clk.Now(), "cab", state.Approval{By: "bob", Decision: "approved"}, "")
	if _, err := f.store.Answer(res.RunID, e); err != nil {
		t.Fatal(err)
	}
	got, err := Resume(t.Context(), rb, f.vars(rb), res.RunID, o, ResumeOptions{})
	if err != nil || got.Status != state.RunPaused || f.calls.get("change") != 0 {
		t.Fatalf("resume: %v %v, promoted %d times", got, err, f.calls.get("change"))
	}
	if !contains(f.journalTypes(res.RunID), "answer.not_counted:cab") {
		t.Errorf("the refusal is not journaled: %v", f.journalTypes(res.RunID))
	}
}

// TestAllowedSignersPinned: a resume with an allowed-signers file other
// than the one the run started with is refused.
func TestAllowedSignersPinned(t *testing.T) {
	dir := t.TempDir()
	_, bobPub := sshKey(t, dir, "bob")
	_, carolPub := sshKey(t, dir, "carol")
	f := newFixture(t)
	rb := f.load(gatedRunbook)
	o := f.opts()
	o.AllowedSigners = allowedSigners(t, "bob "+bobPub)
	res, err := Start(t.Context(), rb, f.vars(rb), o, Meta{})
	if err != nil {
		t.Fatal(err)
	}
	o.AllowedSigners = allowedSigners(t, "bob "+bobPub, "carol "+carolPub)
	if _, err := Resume(t.Context(), rb, f.vars(rb), res.RunID, o, ResumeOptions{}); err == nil || !strings.Contains(err.Error(), "changed since run") {
		t.Fatalf("resume with another allowed-signers file: %v", err)
	}
	o.AllowedSigners = nil
	if _, err := Resume(t.Context(), rb, f.vars(rb), res.RunID, o, ResumeOptions{}); err == nil || !strings.Contains(err.Error(), "--allowed-signers") {
		t.Fatalf("resume without the allowed-signers file: %v", err)
	}
}

func (f *fixture) sign(t *testing.T, key, runID, by string) []byte {
	t.Helper()
	b, err := SignDecision(f.store, fileSigner(t, key), runID, "cab", "approve", "", by, "CAB-1", f.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSignedResolution: in a run that counts only signed decisions, an
// in-doubt action is settled only by a signed resolution.
func TestSignedResolution(t *testing.T) {
	dir := t.TempDir()
	bobKey, bobPub := sshKey(t, dir, "bob")
	as := allowedSigners(t, "bob "+bobPub)
	f := newFixture(t)
	rb := f.load(header + `
action "a" {
  uses = "block"
}
`)
	id := f.crashDuringWith(rb, "a", as)
	o := f.opts()
	o.AllowedSigners = as
	if res, err := Resume(t.Context(), rb, f.vars(rb), id, o, ResumeOptions{}); err != nil || res.Status != state.RunPaused {
		t.Fatalf("resume after the crash: %v %v", res, err)
	}
	if err := ResolveWith(f.store, id, "a", Decision{By: "bob", Decision: "succeeded", Comment: "seen in the console", AllowedSigners: as}, f.clk.Now()); !errors.Is(err, ErrUnsigned) {
		t.Fatalf("unsigned resolution: %v", err)
	}
	signed, err := SignDecision(f.store, fileSigner(t, bobKey), id, "a", "resolve", "succeeded", "bob", "seen in the console", f.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	d := Decision{By: "bob", Decision: "succeeded", Comment: "seen in the console", Signed: signed, AllowedSigners: as}
	if err := ResolveWith(f.store, id, "a", d, f.clk.Now()); err != nil {
		t.Fatal(err)
	}
	res, err := Resume(t.Context(), rb, f.vars(rb), id, o, ResumeOptions{})
	if err != nil || res.Status != state.RunSucceeded || f.calls.get("a") != 0 {
		t.Fatalf("resume: %v %v, a ran %d times", res, err, f.calls.get("a"))
	}
}

// TestRunbookAllowedSigners: a runbook that names its allowed_signers file
// counts only signed decisions without any flag, pins the file's digest,
// and cannot be run against another file.
func TestRunbookAllowedSigners(t *testing.T) {
	dir := t.TempDir()
	bobKey, bobPub := sshKey(t, dir, "bob")
	_, carolPub := sshKey(t, dir, "carol")
	src := strings.Replace(gatedRunbook, `lock    = "site/${var.site}"`, `lock    = "site/${var.site}"
  allowed_signers = "ops/allowed_signers"`, 1)
	f := newFixture(t)
	fsys := fstest.MapFS{
		"rb.hcl":              &fstest.MapFile{Data: []byte(src)},
		"ops/allowed_signers": &fstest.MapFile{Data: []byte("bob " + bobPub + "\n")},
	}
	rb, diags := runbook.Load(runbook.FromFS(fsys), "rb.hcl", f.reg)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	o := f.opts()
	o.AllowedSigners = allowedSigners(t, "bob "+bobPub, "carol "+carolPub)
	if _, err := Start(t.Context(), rb, f.vars(rb), o, Meta{}); err == nil || !strings.Contains(err.Error(), "drop the flag") {
		t.Fatalf("start with another allowed-signers file: %v", err)
	}
	o.AllowedSigners = nil
	res, err := Start(t.Context(), rb, f.vars(rb), o, Meta{})
	if err != nil || res.Status != state.RunPaused {
		t.Fatalf("start: %v %v", res, err)
	}
	run, err := f.store.Run(res.RunID)
	if err != nil || run.AllowedSignersDigest != rb.AllowedSigners.Digest() {
		t.Fatalf("run pins %q, want the runbook's file %q (%v)", run.AllowedSignersDigest, rb.AllowedSigners.Digest(), err)
	}
	unsigned := Decision{By: "bob", Decision: "approved", AllowedSigners: rb.AllowedSigners}
	if err := AnswerWith(f.store, res.RunID, "cab", unsigned, f.clk.Now()); !errors.Is(err, ErrUnsigned) {
		t.Fatalf("unsigned approval: %v, want ErrUnsigned", err)
	}
	signed := Decision{By: "bob", Decision: "approved", Signed: f.sign(t, bobKey, res.RunID, "bob"), AllowedSigners: rb.AllowedSigners}
	if err := AnswerWith(f.store, res.RunID, "cab", signed, f.clk.Now()); err != nil {
		t.Fatal(err)
	}
	got, err := Resume(t.Context(), rb, f.vars(rb), res.RunID, o, ResumeOptions{})
	if err != nil || got.Status != state.RunSucceeded || f.calls.get("change") != 1 {
		t.Fatalf("resume: %v %v, promoted %d times", got, err, f.calls.get("change"))
	}
}

// TestSignedResumeDecisions: in a run that counts only signed decisions, a
// window override and an acceptance of changed sources count only when
// signed by a key allowed for the name given, and journal verify checks
// them again.
func TestSignedResumeDecisions(t *testing.T) {
	dir := t.TempDir()
	erinKey, erinPub := sshKey(t, dir, "erin")
	malloryKey, _ := sshKey(t, dir, "mallory")
	as := allowedSigners(t, "erin "+erinPub)
	src := header + `
action "promote" {
  uses               = "change"
  point_of_no_return = true
  expected_duration  = "2h"
  idempotent         = true
}`
	windowed := strings.Replace(src, `lock    = "site/${var.site}"`, `lock    = "site/${var.site}"
  change {
    window {
      start = "2026-03-01T21:00:00Z"
      end   = "2026-03-01T23:00:00Z"
    }
  }`, 1)
	for _, tt := range []struct {
		name   string
		signer func(t *testing.T) signing.Signer
		want   string // in the error; "" for success
	}{
		{"unsigned", func(*testing.T) signing.Signer { return nil }, "resume with --sign"},
		{"mallory's key claiming erin", func(t *testing.T) signing.Signer { return fileSigner(t, malloryKey) }, "not allowed"},
		{"erin's key", func(t *testing.T) signing.Signer { return fileSigner(t, erinKey) }, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			rb := f.load(windowed)
			o := f.opts()
			o.AllowedSigners = as
			res, err := Start(t.Context(), rb, f.vars(rb), o, Meta{})
			if err != nil || res.Status != state.RunPaused {
				t.Fatalf("start: %v %v, want paused by the window", res, err)
			}
			changed := f.load(windowed + "\n# reviewed\n")
			ro := ResumeOptions{AcceptChanges: true, OverrideWindow: true, By: "erin", Reason: "CAB extended the window", Signer: tt.signer(t)}
			got, err := Resume(t.Context(), changed, f.vars(changed), res.RunID, o, ro)
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) || f.calls.get("change") != 0 {
					t.Fatalf("resume: %v %v (promoted %d times), want refused with %q", got, err, f.calls.get("change"), tt.want)
				}
				return
			}
			if err != nil || got.Status != state.RunSucceeded || f.calls.get("change") != 1 {
				t.Fatalf("resume: %v %v, promoted %d times", got, err, f.calls.get("change"))
			}
			verified, unsigned, err := VerifyDecisions(f.store, res.RunID, as)
			if err != nil || verified != 2 || unsigned != 0 {
				t.Errorf("journal verify: %d verified, %d unsigned, %v; want the override and the acceptance verified", verified, unsigned, err)
			}
		})
	}
}

// TestSignedStart: a run started with the requester's key knows the
// requester as that key. Where the runbook forbids self-approval, an
// approval signed with it never counts, even when the allowed-signers file
// lists the key only for another name; journal verify checks the start.
func TestSignedStart(t *testing.T) {
	dir := t.TempDir()
	opKey, opPub := sshKey(t, dir, "operator")
	bobKey, bobPub := sshKey(t, dir, "bob")
	// The requester's key is (wrongly, or by a colleague's mistake)
	// allowed for bob only: names cannot tell that bob is the requester.
	as := allowedSigners(t, "bob "+opPub, "bob "+bobPub)
	src := strings.Replace(gatedRunbook, `approvers = ["bob"]`, `approvers = ["bob"]
  allow_requester = false`, 1)
	f := newFixture(t)
	rb := f.load(src)
	o := f.opts()
	o.AllowedSigners = as
	o.StartSigner = fileSigner(t, opKey)
	res, err := Start(t.Context(), rb, f.vars(rb), o, Meta{PlanDigest: "sha256:plan"})
	if err != nil || res.Status != state.RunPaused {
		t.Fatalf("start: %v %v", res, err)
	}
	run, _ := f.store.Run(res.RunID)
	if run.RequesterKey == "" || len(run.StartSigned) == 0 {
		t.Fatal("the signed start is not recorded")
	}
	self := Decision{By: "bob", Decision: "approved", Signed: f.sign(t, opKey, res.RunID, "bob"), AllowedSigners: as}
	if err := AnswerWith(f.store, res.RunID, "cab", self, f.clk.Now()); err == nil || !strings.Contains(err.Error(), "signed the start") {
		t.Fatalf("approval with the requester's key: %v, want refused", err)
	}
	bob := Decision{By: "bob", Decision: "approved", Signed: f.sign(t, bobKey, res.RunID, "bob"), AllowedSigners: as}
	if err := AnswerWith(f.store, res.RunID, "cab", bob, f.clk.Now()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := VerifyDecisions(f.store, res.RunID, as); err != nil {
		t.Errorf("journal verify: %v", err)
	}
	// A record whose requester key was swapped no longer verifies.
	run.RequesterKey = "SHA256:someone-else"
	if err := verifyStart(run); err == nil || !strings.Contains(err.Error(), "edited") {
		t.Errorf("verifyStart of an edited record: %v", err)
	}
}

// TestLateApprovalExpired: an approval that reaches the journal after the
// step's expiry counts for nothing, even when its signer dated it in
// time: the time that counts is when it arrived, which the signer cannot
// choose. The run fails with the expiry instead of acting on a stale "go".
func TestLateApprovalExpired(t *testing.T) {
	dir := t.TempDir()
	bobKey, bobPub := sshKey(t, dir, "bob")
	as := allowedSigners(t, "bob "+bobPub)
	src := strings.Replace(gatedRunbook, `approvers = ["bob"]`, `approvers     = ["bob"]
  expires_after = "1h"`, 1)
	for _, signed := range []bool{false, true} {
		t.Run(fmt.Sprintf("signed=%v", signed), func(t *testing.T) {
			f := newFixture(t)
			rb := f.load(src)
			o := f.opts()
			if signed {
				o.AllowedSigners = as
			}
			res, err := Start(t.Context(), rb, f.vars(rb), o, Meta{PlanDigest: "sha256:plan"})
			if err != nil || res.Status != state.RunPaused {
				t.Fatalf("start: %v %v", res, err)
			}
			d := Decision{By: "bob", Decision: "approved", AllowedSigners: o.AllowedSigners}
			if signed {
				// Signed on bob's laptop within the hour...
				run, _ := f.store.Run(res.RunID)
				b, err := SignOffline(fileSigner(t, bobKey), res.RunID, "cab", "approve", "bob", "go", run.PlanDigest, run.SourceDigest, f.clk.Now().Add(10*time.Minute))
				if err != nil {
					t.Fatal(err)
				}
				d.Signed = b
			}
			// ...and journaled two hours after the request.
			f.clk = clock.NewVirtual(epoch.Add(2 * time.Hour))
			if err := AnswerWith(f.store, res.RunID, "cab", d, f.clk.Now()); err != nil {
				t.Fatal(err)
			}
			got, err := Resume(t.Context(), rb, f.vars(rb), res.RunID, f.opts2(o), ResumeOptions{})
			if err != nil || got.Status != state.RunFailed || !strings.Contains(got.Reason, "expired") {
				t.Fatalf("resume: %v %v, want failed by the expiry", got, err)
			}
			if f.calls.get("change") != 0 {
				t.Fatal("the change ran on an approval that arrived after its expiry")
			}
		})
	}
}

// opts2 is o with the fixture's current clock.
func (f *fixture) opts2(o Options) Options {
	o.Clock = f.clk
	return o
}
