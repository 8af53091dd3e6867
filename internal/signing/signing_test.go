package signing

import (
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"
)

func TestValidApprovalVerifies(t *testing.T) {
	dir := t.TempDir()
	alice := newKey(t, dir, "alice", "")
	a := allowed(t, `CONTOSO\alice namespaces="git,baton-decision" `+alice.Pub)
	s := fileSigner(t, alice)
	sd := mustSign(t, s, approval(`CONTOSO\alice`))
	if !strings.HasPrefix(string(sd.Signature), "-----BEGIN SSH SIGNATURE-----\n") {
		t.Fatalf("signature is not armored:\n%s", sd.Signature)
	}
	for _, name := range []string{`CONTOSO\alice`, `contoso\ALICE`, "alice"} {
		st := approval(name)
		fp, err := a.Verify(mustSign(t, s, st))
		if err != nil {
			t.Fatalf("signed as %q: %v", name, err)
		}
		if want := ssh.FingerprintSHA256(s.PublicKey()); fp != want || sd.KeyFingerprint != want {
			t.Fatalf("fingerprint %s / %s, want %s", fp, sd.KeyFingerprint, want)
		}
	}
}

func TestForgedApprovalNotAllowed(t *testing.T) {
	dir := t.TempDir()
	alice, bob := newKey(t, dir, "alice", ""), newKey(t, dir, "bob", "")
	mallory := newKey(t, dir, "mallory", "")
	a := allowed(t, `CONTOSO\alice `+alice.Pub, `CONTOSO\bob,bob@contoso.com `+bob.Pub)
	// bob's valid key, claiming to be alice
	fp, err := a.Verify(mustSign(t, fileSigner(t, bob), approval(`CONTOSO\alice`)))
	if !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("bob signing as alice: %v, want ErrNotAllowed", err)
	}
	if fp == "" || !strings.Contains(err.Error(), `only as CONTOSO\bob, bob@contoso.com`) {
		t.Fatalf("fingerprint %q, error does not name bob's principals: %v", fp, err)
	}
	// a key the file does not list
	_, err = a.Verify(mustSign(t, fileSigner(t, mallory), approval(`CONTOSO\alice`)))
	if !errors.Is(err, ErrNotAllowed) || !strings.Contains(err.Error(), "does not list this key") {
		t.Fatalf("unlisted key: %v, want ErrNotAllowed naming the key", err)
	}
	t.Log(err)
	// another domain's alice
	_, err = a.Verify(mustSign(t, fileSigner(t, alice), approval(`FABRIKAM\alice`)))
	if !errors.Is(err, ErrNotAllowed) {
		t.Fatalf(`alice signing as FABRIKAM\alice: %v, want ErrNotAllowed`, err)
	}
}

func TestWildcardAndCAEntriesAuthorizeNothing(t *testing.T) {
	dir := t.TempDir()
	alice := newKey(t, dir, "alice", "")
	a := allowed(t, `*,alice* `+alice.Pub, `alice cert-authority `+alice.Pub)
	for _, name := range []string{"alice", "alice2", "*"} {
		if _, err := a.Verify(mustSign(t, fileSigner(t, alice), approval(name))); !errors.Is(err, ErrNotAllowed) {
			t.Fatalf("signed as %q under pattern/CA lines: %v, want ErrNotAllowed", name, err)
		}
	}
	if p := a.Principals(fileSigner(t, alice).PublicKey()); len(p) != 0 {
		t.Fatalf("Principals = %v, want none", p)
	}
}

func TestReplayedStatementDoesNotVerify(t *testing.T) {
	dir := t.TempDir()
	alice := newKey(t, dir, "alice", "")
	a := allowed(t, "alice "+alice.Pub)
	sd := mustSign(t, fileSigner(t, alice), approval("alice"))
	for name, edit := range map[string]func(*Statement){
		"run id":         func(s *Statement) { s.RunID = "run-20240612-1" },
		"step":           func(s *Statement) { s.Step = "approve_failback" },
		"kind":           func(s *Statement) { s.Kind = KindReject },
		"decision":       func(s *Statement) { s.Decision = "succeeded" },
		"plan digest":    func(s *Statement) { s.PlanDigest = "3f2b" },
		"sources digest": func(s *Statement) { s.SourcesDigest = "9c1f" },
		"journal head":   func(s *Statement) { s.JournalHead = "b7d5" },
		"comment byte":   func(s *Statement) { s.Comment = "CAB-1235 approved" },
		"time":           func(s *Statement) { s.At = s.At.Add(time.Nanosecond) },
		"field boundary": func(s *Statement) { s.PlanDigest, s.SourcesDigest = "3f2a9c1e", "" },
	} {
		r := sd
		edit(&r.Statement)
		if _, err := a.Verify(r); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s changed: %v, want ErrBadSignature", name, err)
		}
	}
	// the same instant in another zone is the same statement
	r := sd
	r.Statement.At = r.Statement.At.In(time.FixedZone("CEST", 2*3600))
	if _, err := a.Verify(r); err != nil {
		t.Errorf("same instant, other zone: %v", err)
	}
}

func TestChangedSignatureByteDoesNotVerify(t *testing.T) {
	dir := t.TempDir()
	alice := newKey(t, dir, "alice", "")
	a := allowed(t, "alice "+alice.Pub)
	sd := mustSign(t, fileSigner(t, alice), approval("alice"))
	sig, err := sshsig.Unarmor(sd.Signature)
	if err != nil {
		t.Fatal(err)
	}
	raw := sig.Marshal()
	for i := range raw {
		b := append([]byte(nil), raw...)
		b[i] ^= 0x01
		r := sd
		r.Signature = armorRaw(b)
		if _, err := a.Verify(r); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("signature byte %d of %d changed: %v, want ErrBadSignature", i, len(raw), err)
		}
	}
	r := sd
	r.KeyFingerprint = "SHA256:AAAA"
	if _, err := a.Verify(r); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("fingerprint edited: %v, want ErrBadSignature", err)
	}
	r.KeyFingerprint, r.Signature = "", []byte("not a signature")
	if _, err := a.Verify(r); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("garbage signature: %v, want ErrBadSignature", err)
	}
}

// armorRaw armors SSH signature wire bytes, as sshsig.Armor does.
func armorRaw(b []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: sshsig.PEMType, Bytes: b})
}

func TestArmorMustBeExact(t *testing.T) {
	dir := t.TempDir()
	alice := newKey(t, dir, "alice", "")
	a := allowed(t, "alice "+alice.Pub)
	sd := mustSign(t, fileSigner(t, alice), approval("alice"))
	sig, _ := sshsig.Unarmor(sd.Signature)
	padded := *sig
	inner := *sig.Signature
	inner.Rest = []byte{0}
	padded.Signature = &inner
	for name, b := range map[string][]byte{
		"text before":   append([]byte("approved by alice\n"), sd.Signature...),
		"text after":    append(append([]byte(nil), sd.Signature...), "approved\n"...),
		"pem header":    []byte(strings.Replace(string(sd.Signature), "-----\n", "-----\nNote: hi\n\n", 1)),
		"trailing rest": sshsig.Armor(&padded),
	} {
		r := sd
		r.Signature = b
		if _, err := a.Verify(r); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: %v, want ErrBadSignature", name, err)
		}
	}
}

func TestKeyOutsideValidity(t *testing.T) {
	dir := t.TempDir()
	alice := newKey(t, dir, "alice", "")
	s := fileSigner(t, alice)
	st := approval("alice") // 2024-06-11T09:30:00Z
	for _, tc := range []struct {
		opts string
		want error
	}{
		{`valid-before="20240611093000Z"`, ErrExpiredKey}, // 123ms later
		{`valid-before="20240101Z"`, ErrExpiredKey},
		{`valid-after="20240612Z"`, ErrExpiredKey},
		{`valid-after="202406110931Z",valid-before="20250101Z"`, ErrExpiredKey},
		{`valid-after="20240101Z",valid-before="20240611093001Z"`, nil},
		{`valid-after="20240611093000Z"`, nil},
		{`valid-after="20240611093000UTC"`, nil},
		{`namespaces="git"`, ErrNotAllowed},
		{`namespaces="*,!baton-*"`, ErrNotAllowed},
		{`namespaces="git,baton-*"`, nil},
	} {
		a := allowed(t, "alice "+tc.opts+" "+alice.Pub)
		_, err := a.Verify(mustSign(t, s, st))
		if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("%s: %v, want %v", tc.opts, err, tc.want)
		}
	}
	// an expired line next to a current one for the same key: allowed
	a := allowed(t, `alice valid-before="20230101Z" `+alice.Pub, `alice valid-after="20230101Z" `+alice.Pub)
	if _, err := a.Verify(mustSign(t, s, st)); err != nil {
		t.Errorf("renewed key: %v", err)
	}
	a = allowed(t, `alice valid-before="20230101Z" `+alice.Pub)
	_, err := a.Verify(mustSign(t, s, st))
	t.Log(err)
}

func TestMalformedAllowedSigners(t *testing.T) {
	dir := t.TempDir()
	alice := newKey(t, dir, "alice", "")
	typ, b64, _ := strings.Cut(alice.Pub, " ")
	b64, _, _ = strings.Cut(b64, " ")
	for _, bad := range []string{
		"alice",
		"alice " + typ,
		"alice " + typ + " AAAA" + b64[4:len(b64)-6] + "!!!!!!",
		"alice ssh-rsa " + b64,
		"alice,,bob " + alice.Pub,
		`"alice ` + alice.Pub,
		`"alice"` + alice.Pub,
		`alice restrict ` + alice.Pub,
		`alice namespaces=git ` + alice.Pub,
		`alice namespaces="git" ,namespaces="x" ` + alice.Pub,
		`alice namespaces="git",namespaces="x" ` + alice.Pub,
		`alice valid-after="2024-01-01" ` + alice.Pub,
		`alice valid-after="20241301Z" ` + alice.Pub,
		`alice valid-before="tomorrow" ` + alice.Pub,
		`alice cert-authority=yes ` + alice.Pub,
	} {
		data := "# who may approve\n\nbob " + alice.Pub + "\n" + bad + "\n"
		_, err := ParseAllowedSigners("ops/allowed_signers", []byte(data))
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Line != 4 || !strings.HasPrefix(err.Error(), "ops/allowed_signers:4: ") {
			t.Errorf("%q: %v, want an error naming ops/allowed_signers:4", bad, err)
		}
	}
	_, err := ParseAllowedSigners("ops/allowed_signers", []byte("alice "+typ+"\n"))
	t.Log(err)
}

func TestAllowedSignersForms(t *testing.T) {
	dir := t.TempDir()
	alice, bob := newKey(t, dir, "alice", ""), newKey(t, dir, "bob", "")
	data := "# comment\r\n" +
		`"CONTOSO\alice,alice@contoso.com" ` + alice.Pub + "\r\n" +
		"  \t\n" +
		`bob NameSpaces="baton-decision",valid-after="20200101" ` + bob.Pub + " bob's laptop\n" +
		`alice namespaces="a\"b" ` + alice.Pub
	a, err := ParseAllowedSigners("f", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.entries) != 3 || *a.entries[2].namespaces != `a"b` || a.entries[1].line != 4 {
		t.Fatalf("entries = %+v", a.entries)
	}
	got := a.Principals(fileSigner(t, alice).PublicKey())
	if strings.Join(got, " ") != `CONTOSO\alice alice@contoso.com alice` {
		t.Fatalf("Principals(alice) = %q", got)
	}
	if a.Digest() != "" && len(a.Digest()) != 64 {
		t.Fatalf("Digest = %q", a.Digest())
	}
	b, _ := ParseAllowedSigners("f", []byte(data+"\n"))
	if a.Digest() == b.Digest() {
		t.Fatal("Digest does not change with the file's bytes")
	}
}

func TestCrossNamespaceSignatureRefused(t *testing.T) {
	dir := t.TempDir()
	alice := newKey(t, dir, "alice", "")
	a := allowed(t, "alice "+alice.Pub)
	st := approval("alice")
	msg := filepath.Join(dir, "canonical")
	if err := os.WriteFile(msg, st.Canonical(), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, nil, nil, "ssh-keygen", "-q", "-Y", "sign", "-n", "git", "-f", alice.Path, msg)
	sig, err := os.ReadFile(msg + ".sig")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Verify(Signed{Statement: st, Signature: sig}); !errors.Is(err, ErrBadSignature) || !strings.Contains(err.Error(), `namespace "git"`) {
		t.Fatalf("git-namespace signature: %v, want ErrBadSignature", err)
	}
}

// TestSignatureIsGitFormat proves the format: ssh-keygen -Y verify accepts
// what Sign makes (from a key file and through the agent), and Verify
// accepts what ssh-keygen -Y sign makes.
func TestSignatureIsGitFormat(t *testing.T) {
	dir := t.TempDir()
	alice := newKey(t, dir, "alice", "")
	name := `CONTOSO\alice`
	allowedPath := filepath.Join(dir, "allowed_signers")
	line := name + ` namespaces="baton-decision" ` + alice.Pub + "\n"
	if err := os.WriteFile(allowedPath, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	sock := startAgent(t)
	addKey(t, sock, alice)
	viaAgent, err := AgentSigner("")
	if err != nil {
		t.Fatal(err)
	}
	st := approval(name)
	for what, s := range map[string]Signer{"key file": fileSigner(t, alice), "agent": viaAgent} {
		sd := mustSign(t, s, st)
		sigPath := filepath.Join(dir, "decision.sig")
		if err := os.WriteFile(sigPath, sd.Signature, 0o600); err != nil {
			t.Fatal(err)
		}
		out := run(t, st.Canonical(), nil, "ssh-keygen", "-Y", "verify", "-f", allowedPath, "-I", name, "-n", Namespace, "-s", sigPath)
		if !strings.Contains(out, "Good") {
			t.Fatalf("%s: ssh-keygen -Y verify: %s", what, out)
		}
		// and ssh-keygen refuses it for another statement
		cmd := exec.Command("ssh-keygen", "-Y", "verify", "-f", allowedPath, "-I", name, "-n", Namespace, "-s", sigPath)
		other := st
		other.RunID = "run-other"
		cmd.Stdin = strings.NewReader(string(other.Canonical()))
		if out, err := cmd.CombinedOutput(); err == nil {
			t.Fatalf("%s: ssh-keygen verified a replayed statement: %s", what, out)
		}
	}
	msg := filepath.Join(dir, "canonical")
	if err := os.WriteFile(msg, st.Canonical(), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, nil, nil, "ssh-keygen", "-q", "-Y", "sign", "-n", Namespace, "-f", alice.Path, msg)
	sig, err := os.ReadFile(msg + ".sig")
	if err != nil {
		t.Fatal(err)
	}
	a := allowed(t, line)
	if _, err := a.Verify(Signed{Statement: st, Signature: sig}); err != nil {
		t.Fatalf("ssh-keygen's signature: %v", err)
	}
}
