package signing

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

func TestCanonical(t *testing.T) {
	st := approval(`CONTOSO\alice`)
	st.Comment = "two\nlines"
	st.At = time.Date(2024, 6, 11, 11, 30, 0, 5, time.FixedZone("CEST", 2*3600))
	want := "baton-decision-v1\n" +
		"run_id:14:run-20240611-1\n" +
		"step:16:approve_failover\n" +
		"kind:7:approve\n" +
		"decision:0:\n" +
		"plan_digest:4:3f2a\n" +
		"sources_digest:4:9c1e\n" +
		"journal_head:4:b7d4\n" +
		"signer:13:CONTOSO\\alice\n" +
		"comment:9:two\nlines\n" +
		"at:30:2024-06-11T09:30:00.000000005Z\n"
	if got := string(st.Canonical()); got != want {
		t.Fatalf("Canonical() =\n%s\nwant\n%s", got, want)
	}
	// a newline and a fake field inside a value cannot forge another field
	forged := approval("alice")
	forged.Comment = "x\nsigner:3:bob"
	if bytes.Equal(forged.Canonical(), approval("alice").Canonical()) {
		t.Fatal("different statements, same encoding")
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	dir := t.TempDir()
	alice := newKey(t, dir, "alice", "")
	a := allowed(t, "alice "+alice.Pub)
	sd := mustSign(t, fileSigner(t, alice), approval("alice"))
	sd.Statement.Comment = "café <ok> & \"quoted\"\n"
	sd = mustSign(t, fileSigner(t, alice), sd.Statement)
	b, err := Marshal(sd)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Statement.At.Equal(sd.Statement.At) {
		t.Fatalf("At %v, want %v", got.Statement.At, sd.Statement.At)
	}
	got.Statement.At = sd.Statement.At
	if !reflect.DeepEqual(got, sd) {
		t.Fatalf("round trip:\n%+v\nwant\n%+v", got, sd)
	}
	if _, err := a.Verify(got); err != nil {
		t.Fatalf("verify after round trip: %v", err)
	}
	edited := bytes.Replace(b, []byte("run-20240611-1"), []byte("run-20240611-2"), 1)
	e, err := Unmarshal(edited)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Verify(e); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("edited file: %v, want ErrBadSignature", err)
	}
}

func TestUnmarshalRejects(t *testing.T) {
	dir := t.TempDir()
	sd := mustSign(t, fileSigner(t, newKey(t, dir, "alice", "")), approval("alice"))
	good, _ := Marshal(sd)
	for name, b := range map[string]string{
		"empty":          "",
		"not json":       "-----BEGIN SSH SIGNATURE-----",
		"trailing":       string(good) + "{}",
		"unknown field":  strings.Replace(string(good), `"format"`, `"extra": 1, "format"`, 1),
		"other format":   strings.Replace(string(good), fileFormat, "baton-signed-decision-v9", 1),
		"no signature":   strings.Replace(string(good), "-----BEGIN SSH SIGNATURE-----", "", 1),
		"invalid kind":   strings.Replace(string(good), `"approve"`, `"approved"`, 1),
		"no signer":      strings.Replace(string(good), `"signer": "alice"`, `"signer": ""`, 1),
		"text in armour": strings.Replace(string(good), `-----\n`, `-----\nhi\n`, 1),
	} {
		if _, err := Unmarshal([]byte(b)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

// seedSigner is a fixed ed25519 key for fuzz seeds (no tools needed).
func seedSigner(f *testing.F) Signer {
	k, err := ssh.NewSignerFromKey(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)))
	if err != nil {
		f.Fatal(err)
	}
	return keySigner{k}
}

func FuzzParseAllowedSigners(f *testing.F) {
	key := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(seedSigner(f).PublicKey()))) + " alice"
	for _, s := range []string{
		"alice " + key,
		`"CONTOSO\alice,bob" namespaces="git,baton-*",valid-after="20240101Z" ` + key,
		`alice cert-authority,valid-before="202401011200" ` + key,
		"# comment\n\nalice\n",
		`alice namespaces="a\"b ` + key,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseAllowedSigners("fuzz", data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 || !strings.HasPrefix(err.Error(), "fuzz:") {
				t.Fatalf("error does not name file and line: %v", err)
			}
			return
		}
		for _, e := range a.entries {
			a.Principals(e.key)
			if _, err := a.Verify(Signed{Statement: approval("alice"), Signature: data}); err == nil {
				t.Fatal("verified garbage")
			}
		}
	})
}

func FuzzUnmarshal(f *testing.F) {
	sd, err := seedSigner(f).Sign(approval("alice"))
	if err != nil {
		f.Fatal(err)
	}
	b, err := Marshal(sd)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"format":"baton-signed-decision-v1","statement":{"run_id":"r","kind":"approve","signer":"a","at":"2024-06-11T09:30:00Z"},"key_fingerprint":"","signature":"-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Unmarshal(data)
		if err != nil {
			return
		}
		b, err := Marshal(s)
		if err != nil {
			t.Fatalf("Unmarshal accepted what Marshal refuses: %v", err)
		}
		again, err := Unmarshal(b)
		if err != nil {
			t.Fatalf("Marshal output does not Unmarshal: %v", err)
		}
		if !bytes.Equal(again.Statement.Canonical(), s.Statement.Canonical()) || !bytes.Equal(again.Signature, s.Signature) {
			t.Fatal("round trip changed the signed decision")
		}
	})
}
