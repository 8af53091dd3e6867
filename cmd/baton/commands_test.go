package main

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestNamedCommandsExist: every `baton NAME` that a message, a doc or the
// README tells users to run is a command baton has, and its --help works.
func TestNamedCommandsExist(t *testing.T) {
	// Commands as users are told to type them: in backquotes, or after
	// "with:", "run", "use" or "try" in a message; not prose ("baton does").
	named := regexp.MustCompile("(?:`|[Ww]ith: |[Rr]un |[Uu]se |[Tt]ry )baton ([a-z][a-z-]+)")
	seen := map[string][]string{}
	root := filepath.Join("..", "..")
	walk := func(dir string, exts ...string) {
		_ = filepath.WalkDir(filepath.Join(root, dir), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasSuffix(path, "_test.go") || !hasExt(path, exts) {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range named.FindAllStringSubmatch(string(b), -1) {
				seen[m[1]] = append(seen[m[1]], path)
			}
			return nil
		})
	}
	for _, dir := range []string{"cmd", "engine", "state", "steps", "internal"} {
		walk(dir, ".go")
	}
	walk("docs", ".md")
	walk(".", "README.md")
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) < 10 {
		t.Fatalf("found only %v: the scan is broken", names)
	}
	for _, n := range names {
		if _, ok := commands[n]; !ok {
			t.Errorf("baton %s is named in %v but is no command", n, seen[n][:1])
			continue
		}
		if code, _, errs := runCLI(t, n, "--help"); code != exitOK {
			t.Errorf("baton %s --help: exit %d\n%s", n, code, errs)
		}
	}
}

func hasExt(path string, exts []string) bool {
	for _, e := range exts {
		if strings.HasSuffix(path, e) {
			return true
		}
	}
	return false
}
