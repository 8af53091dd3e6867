package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFirstDiff(t *testing.T) {
	for _, c := range []struct {
		name, want, got string
		has             []string
	}{
		{"equal", "a\nb\n", "a\nb\n", []string{"(no difference)"}},
		{"changed line", "1\n2\n3\n4\n5\n", "1\n2\n3\n4\nfive\n", []string{"line 5", "      2 | 2\n", "      4 | 4\n", "-     5 | 5\n", "+     5 | five\n"}},
		{"context starts at the top", "a\nb\n", "x\nb\n", []string{"line 1", "-     1 | a\n+     1 | x\n"}},
		{"got is longer", "a\n", "a\nb\n", []string{"line 2", "-     2 | (end of file)", "+     2 | b"}},
		{"got is shorter", "a\nb\n", "a\n", []string{"line 2", "-     2 | b", "+     2 | (end of file)"}},
		{"trailing blank", "a\nb\n", "a\nb \n", []string{`-     2 | "b"`, `+     2 | "b "`}},
		{"crlf", "a\nb\n", "a\r\nb\r\n", []string{`-     1 | "a"`, `+     1 | "a\r"`}},
		{"final newline", "a\nb", "a\nb\n", []string{"line 2", "b (no newline at end of file)"}},
		{"empty golden", "", "a\n", []string{"golden 0 lines, got 1", "(end of file)"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := FirstDiff([]byte(c.want), []byte(c.got))
			for _, h := range c.has {
				if !strings.Contains(d, h) {
					t.Errorf("FirstDiff lacks %q:\n%s", h, d)
				}
			}
		})
	}
}

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper()      {}
func (r *recorder) Name() string { return "TestSomething/sub" }
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatal(args ...any) { r.errs = append(r.errs, fmt.Sprint(args...)) }

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pkg := filepath.Join(dir, "pkg", "sub")
	if err := os.MkdirAll(filepath.Join(pkg, "testdata"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(pkg)
	path := filepath.Join("testdata", "x.golden")
	if err := os.WriteFile(path, []byte("one\ntwo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const cmd = "go test ./pkg/sub -run '^TestSomething$' -update"

	r := &recorder{TB: t}
	Check(r, path, []byte("one\ntwo\n"))
	if len(r.errs) != 0 {
		t.Errorf("equal output failed: %v", r.errs)
	}

	r = &recorder{TB: t}
	Check(r, path, []byte("one\nthree\n"))
	if len(r.errs) != 1 || !strings.Contains(r.errs[0], "+     2 | three") || !strings.Contains(r.errs[0], cmd) {
		t.Errorf("different output: %q", r.errs)
	}

	r = &recorder{TB: t}
	Check(r, filepath.Join("testdata", "missing.golden"), []byte("x"))
	if len(r.errs) != 1 || !strings.Contains(r.errs[0], cmd) {
		t.Errorf("missing golden file: %q", r.errs)
	}

	*update = true
	defer func() { *update = false }()
	r = &recorder{TB: t}
	if !Update() {
		t.Error("Update() is false under -update")
	}
	Check(r, filepath.Join("testdata", "new", "y.golden"), []byte("new\n"))
	Check(r, path, []byte("one\nthree\n"))
	if len(r.errs) != 0 {
		t.Errorf("-update failed: %v", r.errs)
	}
	for p, want := range map[string]string{filepath.Join("testdata", "new", "y.golden"): "new\n", path: "one\nthree\n"} {
		if b, err := os.ReadFile(p); err != nil || string(b) != want {
			t.Errorf("%s after -update: %q, %v; want %q", p, b, err, want)
		}
	}
}
