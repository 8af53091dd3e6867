package runbook

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/batonhq/baton/engine/digest"
	"github.com/batonhq/baton/internal/slashpath"
)

// pathFS is a file system of slash-separated names as the loader asks
// for them, any volume included ("//fs01/runbooks/promo.hcl").
type pathFS map[string]string

func (m pathFS) ReadFile(name string) ([]byte, error) {
	if s, ok := m[name]; ok {
		return []byte(s), nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

func (m pathFS) ReadDir(name string) ([]fs.DirEntry, error) {
	dir := fstest.MapFS{}
	for n, s := range m {
		if rest, ok := strings.CutPrefix(n, strings.TrimSuffix(name, "/")+"/"); ok && !strings.Contains(rest, "/") {
			dir[rest] = &fstest.MapFile{Data: []byte(s)}
		}
	}
	if len(dir) == 0 {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	return fs.ReadDir(dir, ".")
}

const libCheck = "check \"lib\" {\n  uses = \"probe\"\n  host = \"x\"\n}\n"

func includer(inc string) string {
	return "runbook \"t\" {\n  include = [" + inc + "]\n}\n"
}

// TestLoadWindowsPaths: under Windows rules, whatever the GOOS, shares,
// \\?\ paths, drive-relative paths and mixed separators find their files,
// ".." stops at a share's root, and Sources are keyed relative to the
// main file's directory.
func TestLoadWindowsPaths(t *testing.T) {
	tests := []struct {
		name      string
		rules     slashpath.Rules
		main      string // as typed
		include   string // HCL list items
		files     []string
		wantFiles []string // as loaded
		wantKeys  []string // of Sources, sorted
	}{
		{"share", slashpath.Windows, `\\fs01\runbooks\promo.hcl`, `"lib\\pre.hcl"`,
			[]string{"//fs01/runbooks/promo.hcl", "//fs01/runbooks/lib/pre.hcl"},
			[]string{"//fs01/runbooks/promo.hcl", "//fs01/runbooks/lib/pre.hcl"},
			[]string{"lib/pre.hcl", "promo.hcl"}},
		{"share, forward slashes", slashpath.Windows, `//fs01/runbooks/promo.hcl`, `"lib/pre.hcl"`,
			[]string{"//fs01/runbooks/promo.hcl", "//fs01/runbooks/lib/pre.hcl"},
			[]string{"//fs01/runbooks/promo.hcl", "//fs01/runbooks/lib/pre.hcl"},
			[]string{"lib/pre.hcl", "promo.hcl"}},
		{"mixed separators", slashpath.Windows, `\\fs01/runbooks\promo.hcl`, `"lib/./x/..\\pre.hcl"`,
			[]string{"//fs01/runbooks/promo.hcl", "//fs01/runbooks/lib/pre.hcl"},
			[]string{"//fs01/runbooks/promo.hcl", "//fs01/runbooks/lib/pre.hcl"},
			[]string{"lib/pre.hcl", "promo.hcl"}},
		{".. stops at the share root", slashpath.Windows, `\\fs01\runbooks\promo.hcl`, `"..\\..\\lib\\pre.hcl"`,
			[]string{"//fs01/runbooks/promo.hcl", "//fs01/runbooks/lib/pre.hcl"},
			[]string{"//fs01/runbooks/promo.hcl", "//fs01/runbooks/lib/pre.hcl"},
			[]string{"lib/pre.hcl", "promo.hcl"}},
		{"include on another share", slashpath.Windows, `\\fs01\runbooks\promo.hcl`, `"\\\\fs02\\lib\\pre.hcl"`,
			[]string{"//fs01/runbooks/promo.hcl", "//fs02/lib/pre.hcl"},
			[]string{"//fs01/runbooks/promo.hcl", "//fs02/lib/pre.hcl"},
			[]string{"//fs02/lib/pre.hcl", "promo.hcl"}},
		{"rooted include on the share", slashpath.Windows, `\\fs01\runbooks\promo\main.hcl`, `"\\lib\\pre.hcl"`,
			[]string{"//fs01/runbooks/promo/main.hcl", "//fs01/runbooks/lib/pre.hcl"},
			[]string{"//fs01/runbooks/promo/main.hcl", "//fs01/runbooks/lib/pre.hcl"},
			[]string{"../lib/pre.hcl", "main.hcl"}},
		{"long path", slashpath.Windows, `\\?\C:\runbooks\promo\main.hcl`, `"../shared/pre.hcl"`,
			[]string{"//?/C:/runbooks/promo/main.hcl", "//?/C:/runbooks/shared/pre.hcl"},
			[]string{"//?/C:/runbooks/promo/main.hcl", "//?/C:/runbooks/shared/pre.hcl"},
			[]string{"../shared/pre.hcl", "main.hcl"}},
		{"drive-relative", slashpath.Windows, `C:runbooks\promo.hcl`, `"lib/pre.hcl"`,
			[]string{"C:runbooks/promo.hcl", "C:runbooks/lib/pre.hcl"},
			[]string{"C:runbooks/promo.hcl", "C:runbooks/lib/pre.hcl"},
			[]string{"lib/pre.hcl", "promo.hcl"}},
		{"drive", slashpath.Windows, `c:\Runbooks\promo.hcl`, `"C:\\runbooks\\lib\\pre.hcl"`,
			[]string{"c:/Runbooks/promo.hcl", "C:/runbooks/lib/pre.hcl"},
			[]string{"c:/Runbooks/promo.hcl", "C:/runbooks/lib/pre.hcl"},
			[]string{"lib/pre.hcl", "promo.hcl"}},
		{"share directory", slashpath.Windows, `\\fs01\runbooks\promo`, `"lib/pre.hcl"`,
			[]string{"//fs01/runbooks/promo/a.hcl", "//fs01/runbooks/promo/lib/pre.hcl"},
			[]string{"//fs01/runbooks/promo/a.hcl", "//fs01/runbooks/promo/lib/pre.hcl"},
			[]string{"a.hcl", "lib/pre.hcl"}},
		{"unix: // is /", slashpath.Unix, `//fs01/runbooks/promo.hcl`, `"lib/pre.hcl"`,
			[]string{"/fs01/runbooks/promo.hcl", "/fs01/runbooks/lib/pre.hcl"},
			[]string{"/fs01/runbooks/promo.hcl", "/fs01/runbooks/lib/pre.hcl"},
			[]string{"lib/pre.hcl", "promo.hcl"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := pathFS{tt.files[0]: includer(tt.include), tt.files[1]: libCheck}
			rb, diags := load(context.Background(), fsys, tt.main, testRegistry(), tt.rules)
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if !slices.Equal(rb.Files, tt.wantFiles) {
				t.Errorf("Files = %q, want %q", rb.Files, tt.wantFiles)
			}
			if keys := sortedKeys(rb.Sources); !slices.Equal(keys, tt.wantKeys) {
				t.Errorf("Sources keys = %q, want %q", keys, tt.wantKeys)
			}
			for _, f := range rb.Files {
				if src, ok := rb.Source(f); !ok || string(src) != fsys[f] {
					t.Errorf("Source(%q) = %q, %v", f, src, ok)
				}
			}
		})
	}
}

// TestSourceIdentity: a relative and an absolute spelling of the runbook's
// path, and a CRLF checkout of it, give the same source digests.
func TestSourceIdentity(t *testing.T) {
	rel := "testdata/valid/promotion/main.hcl"
	abs, err := filepath.Abs(rel)
	if err != nil {
		t.Fatal(err)
	}
	crlf := crlfCopy(t, "testdata/valid/promotion")
	want := sourceDigest(t, DirFS(""), rel)
	for _, p := range []string{abs, "./testdata/valid/../valid/promotion/main.hcl", crlf} {
		if got := sourceDigest(t, DirFS(""), filepath.ToSlash(p)); got != want {
			t.Errorf("%s: digest %s, want %s (as %s)", p, got, want, rel)
		}
	}
	if got := sourceDigest(t, DirFS("testdata/valid"), "promotion/main.hcl"); got != want {
		t.Errorf("DirFS(testdata/valid): digest %s, want %s", got, want)
	}
}

func sourceDigest(t *testing.T, fsys FS, p string) string {
	t.Helper()
	rb, diags := Load(fsys, p, testRegistry())
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	total, _ := digest.Sources(rb.Sources)
	return total
}

// crlfCopy copies a runbook directory with CRLF line endings and returns
// its main.hcl.
func crlfCopy(t *testing.T, dir string) string {
	t.Helper()
	out := t.TempDir()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		dst := filepath.Join(out, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, []byte(strings.ReplaceAll(string(b), "\n", "\r\n")), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(out, "main.hcl")
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
