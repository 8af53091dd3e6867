package signing

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// needTools skips the test when an OpenSSH tool is missing, or fails it
// when BATON_REQUIRE_SSH=1 (as CI sets).
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			msg := tool + " not found: install OpenSSH (Debian/Ubuntu: apt-get install -y openssh-client)"
			if os.Getenv("BATON_REQUIRE_SSH") == "1" {
				t.Fatal(msg + " (BATON_REQUIRE_SSH=1)")
			}
			t.Skip(msg)
		}
	}
}

// run runs a command, failing the test with its output if it fails.
func run(t *testing.T, stdin []byte, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// testKey is an ed25519 key pair made by ssh-keygen.
type testKey struct {
	Path string // the private key; Path+".pub" the public
	Pub  string // "ssh-ed25519 AAAA... comment"
}

// newKey makes a key with ssh-keygen in dir; a non-empty passphrase
// encrypts it.
func newKey(t *testing.T, dir, comment, passphrase string) testKey {
	t.Helper()
	needTools(t, "ssh-keygen")
	path := filepath.Join(dir, comment)
	run(t, nil, nil, "ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", comment, "-f", path)
	pub, err := os.ReadFile(path + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return testKey{Path: path, Pub: strings.TrimSpace(string(pub))}
}

// startAgent starts a real ssh-agent on a fresh socket, points
// SSH_AUTH_SOCK at it for the test and kills it at cleanup.
func startAgent(t *testing.T) string {
	t.Helper()
	needTools(t, "ssh-agent", "ssh-add")
	dir, err := os.MkdirTemp("", "baton-agent") // short: socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "agent.sock")
	cmd := exec.Command("ssh-agent", "-D", "-a", sock)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = os.RemoveAll(dir)
	})
	for i := 0; ; i++ {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		if i == 100 {
			t.Fatal("ssh-agent did not create its socket in 5s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Setenv("SSH_AUTH_SOCK", sock)
	return sock
}

// addKey loads a key into the agent at sock.
func addKey(t *testing.T, sock string, k testKey) {
	t.Helper()
	run(t, nil, []string{"SSH_AUTH_SOCK=" + sock}, "ssh-add", "-q", k.Path)
}

// allowed parses an allowed-signers file made of lines.
func allowed(t *testing.T, lines ...string) *AllowedSigners {
	t.Helper()
	a, err := ParseAllowedSigners("allowed_signers", []byte(strings.Join(lines, "\n")+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// approval is a typical statement.
func approval(signer string) Statement {
	return Statement{
		RunID: "run-20240611-1", Step: "approve_failover", Kind: KindApprove,
		PlanDigest: "3f2a", SourcesDigest: "9c1e", JournalHead: "b7d4",
		Signer: signer, Comment: "CAB-1234 approved", At: time.Date(2024, 6, 11, 9, 30, 0, 123456789, time.UTC),
	}
}

// fileSigner loads k with FileSigner.
func fileSigner(t *testing.T, k testKey) Signer {
	t.Helper()
	s, err := FileSigner(k.Path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustSign(t *testing.T, s Signer, st Statement) Signed {
	t.Helper()
	sd, err := s.Sign(st)
	if err != nil {
		t.Fatal(err)
	}
	return sd
}
