package signing

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

func TestAgentSignerSelectsKey(t *testing.T) {
	dir := t.TempDir()
	alice, bob := newKey(t, dir, "alice", ""), newKey(t, dir, "bob", "")
	sock := startAgent(t)
	if _, err := AgentSigner(""); !errors.Is(err, ErrNoAgent) {
		t.Fatalf("empty agent: %v, want ErrNoAgent", err)
	}
	addKey(t, sock, alice)
	addKey(t, sock, bob)
	if _, err := AgentSigner(""); err == nil || !strings.Contains(err.Error(), "several keys") {
		t.Fatalf("two keys, no hint: %v, want an error", err)
	}
	if _, err := AgentSigner("carol"); err == nil || !strings.Contains(err.Error(), "no key matching") {
		t.Fatalf("unknown hint: %v, want an error", err)
	}
	bobKey := fileSigner(t, bob).PublicKey()
	a := allowed(t, "alice "+alice.Pub, "bob "+bob.Pub)
	for _, hint := range []string{"bob", ssh.FingerprintSHA256(bobKey), ssh.FingerprintLegacyMD5(bobKey)} {
		s, err := AgentSigner(hint)
		if err != nil {
			t.Fatalf("hint %q: %v", hint, err)
		}
		if ssh.FingerprintSHA256(s.PublicKey()) != ssh.FingerprintSHA256(bobKey) {
			t.Fatalf("hint %q selected %s", hint, ssh.FingerprintSHA256(s.PublicKey()))
		}
		if _, err := a.Verify(mustSign(t, s, approval("bob"))); err != nil {
			t.Fatalf("hint %q: %v", hint, err)
		}
	}
	s, _ := AgentSigner("alice")
	run(t, nil, []string{"SSH_AUTH_SOCK=" + sock}, "ssh-add", "-q", "-d", alice.Path+".pub")
	if _, err := s.Sign(approval("alice")); err == nil || !strings.Contains(err.Error(), "no longer holds") {
		t.Fatalf("key removed from the agent: %v, want an error", err)
	}
}

func TestAgentSignerNeedsAgent(t *testing.T) {
	t.Setenv("SSH_AUTH_SOCK", "")
	if _, err := AgentSigner(""); !errors.Is(err, ErrNoAgent) || !strings.Contains(err.Error(), "SSH_AUTH_SOCK") {
		t.Fatalf("no SSH_AUTH_SOCK: %v, want ErrNoAgent", err)
	}
	t.Setenv("SSH_AUTH_SOCK", t.TempDir()+"/none.sock")
	if _, err := AgentSigner(""); !errors.Is(err, ErrNoAgent) {
		t.Fatalf("dead socket: %v, want ErrNoAgent", err)
	}
}

func TestFileSignerPassphrase(t *testing.T) {
	dir := t.TempDir()
	k := newKey(t, dir, "alice", "correct horse")
	if _, err := FileSigner(k.Path, nil); !errors.Is(err, ErrPassphrase) {
		t.Fatalf("no passphrase callback: %v, want ErrPassphrase", err)
	}
	wrong := func() ([]byte, error) { return []byte("battery staple"), nil }
	if _, err := FileSigner(k.Path, wrong); !errors.Is(err, ErrPassphrase) || !strings.Contains(err.Error(), "wrong") {
		t.Fatalf("wrong passphrase: %v, want ErrPassphrase", err)
	}
	failed := func() ([]byte, error) { return nil, errors.New("no terminal") }
	if _, err := FileSigner(k.Path, failed); !errors.Is(err, ErrPassphrase) || !strings.Contains(err.Error(), "no terminal") {
		t.Fatalf("callback failed: %v", err)
	}
	asked := 0
	right := func() ([]byte, error) { asked++; return []byte("correct horse"), nil }
	s, err := FileSigner(k.Path, right)
	if err != nil || asked != 1 {
		t.Fatalf("right passphrase: %v (asked %d times)", err, asked)
	}
	if _, err := allowed(t, "alice "+k.Pub).Verify(mustSign(t, s, approval("alice"))); err != nil {
		t.Fatal(err)
	}
	plain := newKey(t, dir, "bob", "")
	if _, err := FileSigner(plain.Path, func() ([]byte, error) { t.Fatal("asked for a passphrase of a plain key"); return nil, nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := FileSigner(plain.Path+".pub", nil); err == nil {
		t.Fatal("FileSigner accepted a public key")
	}
	if _, err := FileSigner(dir+"/missing", nil); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestSignRefusesIncompleteStatement(t *testing.T) {
	dir := t.TempDir()
	s := fileSigner(t, newKey(t, dir, "alice", ""))
	for name, edit := range map[string]func(*Statement){
		"no run":     func(s *Statement) { s.RunID = "" },
		"no signer":  func(s *Statement) { s.Signer = "" },
		"bad kind":   func(s *Statement) { s.Kind = "approved" },
		"no time":    func(s *Statement) { s.At = time.Time{} },
		"bad utf8":   func(s *Statement) { s.Comment = "ok\xff" },
		"year 10000": func(s *Statement) { s.At = s.At.AddDate(8000, 0, 0) },
	} {
		st := approval("alice")
		edit(&st)
		if _, err := s.Sign(st); !errors.Is(err, ErrInvalidStatement) {
			t.Errorf("%s: %v, want ErrInvalidStatement", name, err)
		}
	}
}
