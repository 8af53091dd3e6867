// Package golden compares a test's output with a golden file and, when the
// test binary runs with -update, rewrites the file instead:
//
//	go test ./engine/review -update
//
// The -update flag is registered here, once, for every test binary that
// imports the package; `make golden` runs every such package with it.
// Review the diff of the rewritten files before committing them.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files instead of comparing with them")

// Update reports whether the test binary runs with -update, for tests that
// rewrite their golden files through code of their own.
func Update() bool { return *update }

// Check compares got with the file at path (relative to the package's
// directory, normally under testdata/). With -update it writes got to the
// file, creating its directory; otherwise a missing or different file
// fails the test with the first differing line, some context, and the
// command that rewrites it.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("golden file: %v\n(%s writes it)", err, Command(t))
		return
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the test's output:\n%s(%s rewrites it; review the diff before committing)", path, FirstDiff(want, got), Command(t))
	}
}

// Command is the go test command line that rewrites the golden files of
// t's top-level test: `go test ./PKG -run '^TestX$' -update`.
func Command(t testing.TB) string {
	name, _, _ := strings.Cut(t.Name(), "/")
	return fmt.Sprintf("go test %s -run '^%s$' -update", pkgDir(), name)
}

// pkgDir is the current directory (the package's, under go test) relative
// to the module's root, as ./dir; "." when it is not inside a module.
func pkgDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for root := wd; ; {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			rel, err := filepath.Rel(root, wd)
			if err != nil || rel == "." {
				return "."
			}
			return "./" + filepath.ToSlash(rel)
		}
		up := filepath.Dir(root)
		if up == root {
			return "."
		}
		root = up
	}
}

// context is how many equal lines FirstDiff shows before the first
// differing one.
const context = 3

// FirstDiff describes where want and got first differ: the line number,
// up to three equal lines before it, and the wanted and got lines (quoted
// when they print alike, e.g. differ in trailing blanks or line ends).
func FirstDiff(want, got []byte) string {
	w, g := splitLines(want), splitLines(got)
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	if i == len(w) && i == len(g) {
		return "(no difference)\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "first difference at line %d (golden %d lines, got %d):\n", i+1, len(w), len(g))
	for j := max(0, i-context); j < i; j++ {
		fmt.Fprintf(&b, "  %5d | %s\n", j+1, w[j])
	}
	wl, gl := "(end of file)", "(end of file)"
	if i < len(w) {
		wl = w[i]
	}
	if i < len(g) {
		gl = g[i]
	}
	if strings.TrimRight(wl, " \t\r") == strings.TrimRight(gl, " \t\r") {
		wl, gl = fmt.Sprintf("%q", wl), fmt.Sprintf("%q", gl)
	}
	fmt.Fprintf(&b, "- %5d | %s\n+ %5d | %s\n", i+1, wl, i+1, gl)
	return b.String()
}

// splitLines splits b at "\n", keeping a "\r" on its line; a final
// newline does not start a line.
func splitLines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	s := string(b)
	nl := strings.HasSuffix(s, "\n")
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if !nl {
		// "a\nb" and "a\nb\n" differ only in the final newline: show it.
		lines[len(lines)-1] += " (no newline at end of file)"
	}
	return lines
}
