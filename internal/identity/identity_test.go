package identity

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"alice", "alice"},
		{"  Alice\t\n", "alice"},
		{`CONTOSO\Alice`, `contoso\alice`},
		{` contoso\ALICE `, `contoso\alice`},
		{"ÉLODIE", "élodie"},
		{"\u212Aarl", "karl"}, // KELVIN SIGN folds to k
		{"ſam", "sam"},        // LATIN SMALL LETTER LONG S folds to s
		{"ΣΟΦΙΑ", "σοφια"},
		{"ὈΔΥΣΣΕΎΣ", "ὀδυσσεύσ"},
		{"ὀδυσσεύς", "ὀδυσσεύσ"}, // final sigma folds with sigma
		{"straße", "straße"},     // simple folding: ß stays
		{"İpek", "İpek"},         // U+0130 has no simple fold partner
		{"", ""},
	} {
		if got := Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSame(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"alice", "alice", true},
		{"alice", "ALICE", true},
		{" alice ", "Alice", true},
		{`CONTOSO\alice`, `contoso\ALICE`, true},
		{`CONTOSO\alice`, "alice", true},
		{"alice", `CONTOSO\alice`, true},
		{`CONTOSO\alice`, `FABRIKAM\alice`, false},
		{`CONTOSO\alice`, `CONTOSO\bob`, false},
		{"alice", "bob", false},
		{"alice", "alice2", false},
		{"karl", "\u212Aarl", true},
		{"σοφια", "ΣΟΦΙΑ", true},
		{"ςοφια", "ΣΟΦΙΑ", true}, // final sigma is in the sigma orbit
		{"strasse", "straße", false},
		{"ipek", "İpek", false},
		{"ali ce", "alice", false},
		{"", "", false},
		{" ", "", false},
		{`CONTOSO\`, "", false},
		{`CONTOSO\`, `CONTOSO\`, false},
		{`\alice`, `alice`, true}, // empty domain is still a prefix
		{`A\B\alice`, `alice`, true},
		{`A\B\alice`, `B\alice`, false},
	} {
		if got := Same(tc.a, tc.b); got != tc.want {
			t.Errorf("Same(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		if got := Same(tc.b, tc.a); got != tc.want {
			t.Errorf("Same(%q, %q) = %v, want %v (not symmetric)", tc.b, tc.a, got, tc.want)
		}
	}
}

// TestFoldRuneOrbits checks, for every rune, that Normalize identifies
// exactly the runes strings.EqualFold does.
func TestFoldRuneOrbits(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		c := foldRune(r)
		if c != r && !orbitHas(r, c) {
			t.Fatalf("foldRune(%U) = %U, outside its orbit", r, c)
		}
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if foldRune(f) != c {
				t.Fatalf("foldRune(%U) = %U but foldRune(%U) = %U", r, c, f, foldRune(f))
			}
		}
	}
}

func FuzzSame(f *testing.F) {
	f.Add(`CONTOSO\Alice`, "alice")
	f.Add("\u212A", "k")
	f.Fuzz(func(t *testing.T, a, b string) {
		if Same(a, b) != Same(b, a) {
			t.Fatalf("Same(%q, %q) not symmetric", a, b)
		}
		ta, tb := strings.TrimSpace(a), strings.TrimSpace(b)
		if utf8.ValidString(ta) && utf8.ValidString(tb) && (Normalize(a) == Normalize(b)) != strings.EqualFold(ta, tb) {
			t.Fatalf("Normalize and EqualFold disagree on %q, %q", a, b)
		}
		if Normalize(Normalize(a)) != Normalize(a) {
			t.Fatalf("Normalize(%q) not idempotent", a)
		}
	})
}

func TestString(t *testing.T) {
	for _, tc := range []struct {
		id   Identity
		want string
	}{
		{Identity{Name: `CONTOSO\alice`, ID: "S-1-5-21-1-2-3-1001"}, `CONTOSO\alice (S-1-5-21-1-2-3-1001)`},
		{Identity{Name: "alice", ID: "1000"}, "alice (uid 1000)"},
		{Identity{Name: "alice"}, "alice"},
	} {
		if got := tc.id.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

// TestCurrentIgnoresEnvironment sets every variable a name could be taken
// from and checks Current does not change.
func TestCurrentIgnoresEnvironment(t *testing.T) {
	before, err := Current()
	if err != nil {
		t.Fatal(err)
	}
	if before.Name == "" || before.ID == "" || before.Host == "" {
		t.Fatalf("Current() = %+v: a field is empty", before)
	}
	for _, v := range []string{"USER", "LOGNAME", "USERNAME", "USERDOMAIN", "BATON_USER"} {
		t.Setenv(v, "mallory")
	}
	after, err := Current()
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Fatalf("Current() changed with the environment: %+v, was %+v", after, before)
	}
	if Same(after.Name, "mallory") {
		t.Fatalf("Current() = %+v: taken from the environment", after)
	}
	if runtime.GOOS != "windows" && after.ID != strconv.Itoa(os.Getuid()) {
		t.Fatalf("Current().ID = %q, want uid %d", after.ID, os.Getuid())
	}
	t.Logf("Current() = %v on %s", after, after.Host)
}
