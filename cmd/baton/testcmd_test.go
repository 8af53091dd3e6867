package main

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/batonhq/baton/engine/expect"
	"github.com/batonhq/baton/internal/golden"
	"github.com/batonhq/baton/internal/inputfile"
)

// times are the real durations baton test prints, which vary run to run;
// winPaths the testdata paths as Windows writes them.
var (
	times    = regexp.MustCompile(`\(\d+\.\d\ds\)`)
	winPaths = regexp.MustCompile(`testdata\\test\\(\w+)\\`)
)

// checkGolden compares got, times masked, with testdata/NAME (rewritten
// with -update).
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	got = winPaths.ReplaceAllString(times.ReplaceAllString(got, "(T)"), "testdata/test/$1/")
	golden.Check(t, filepath.Join("testdata", name), []byte(got))
}

// TestBatonTest: baton test passing, failing with a diff per field, and
// refusing a bad expectation file with file:line:col, against goldens.
func TestBatonTest(t *testing.T) {
	if testing.Short() {
		t.Skip("rehearsals")
	}
	tests := []struct {
		name, golden string
		args         []string
		code         int
		stdout       bool // the golden is of stdout, else of stderr
	}{
		{"passing", "test.pass.golden", []string{"test", "-parallel", "8", "testdata/test/pass"}, exitOK, true},
		{"failing, 8 at once", "test.fail.golden", []string{"test", "-parallel", "8", "testdata/test/fail"}, exitError, true},
		{"failing", "test.fail.golden", []string{"test", "testdata/test/fail"}, exitError, true},
		{"one parallel", "test.fail.golden", []string{"test", "-parallel", "1", "testdata/test/fail"}, exitError, true},
		{"bad file", "test.bad.golden", []string{"test", "testdata/test/bad"}, exitError, false},
		{"run selects", "test.run.golden", []string{"test", "-run", "cab|expires$", "testdata/test/pass"}, exitOK, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errs)
			}
			if tc.stdout {
				if errs != "" {
					t.Errorf("stderr: %s", errs)
				}
				checkGolden(t, tc.golden, out)
			} else {
				checkGolden(t, tc.golden, errs)
			}
		})
	}
}

// TestBatonTestUsage: bad flags and paths get a message, not a run.
func TestBatonTestUsage(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"test", "-run", "(", "testdata/test/pass"}, "-run \"(\" is not a regular expression"},
		{[]string{"test", "-run", "nothing-like-it", "testdata/test/pass"}, "no case matches -run"},
		{[]string{"test", "-parallel", "0", "testdata/test/pass"}, "-parallel 0: give 1 or more"},
		{[]string{"test", filepath.Join(dir, "missing")}, "give a directory of expectation files"},
		{[]string{"test", dir}, "no expectation files (*.expect.hcl) under"},
	}
	for _, tc := range tests {
		code, _, errs := runCLI(t, tc.args...)
		if code != exitError || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 1 and %q", tc.args, code, errs, tc.want)
		}
	}
}

// The JUnit XML schema's elements, as Azure DevOps and GitHub reporters
// read them: parsed back independently of what writes them.
type jSuites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Time     float64  `xml:"time,attr"`
	Suites   []jSuite `xml:"testsuite"`
}

type jSuite struct {
	Name     string  `xml:"name,attr"`
	Tests    int     `xml:"tests,attr"`
	Failures int     `xml:"failures,attr"`
	Errors   int     `xml:"errors,attr"`
	Skipped  int     `xml:"skipped,attr"`
	Time     float64 `xml:"time,attr"`
	Cases    []jCase `xml:"testcase"`
}

type jCase struct {
	Name      string    `xml:"name,attr"`
	Classname string    `xml:"classname,attr"`
	Time      float64   `xml:"time,attr"`
	File      string    `xml:"file,attr"`
	Line      int       `xml:"line,attr"`
	Failure   *jProblem `xml:"failure"`
	Error     *jProblem `xml:"error"`
}

type jProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

// TestBatonTestJUnit: -junit writes a document the JUnit schema's readers
// take: counts that add up, the cases by name, the diff in the failure.
func TestBatonTestJUnit(t *testing.T) {
	if testing.Short() {
		t.Skip("rehearsals")
	}
	out := filepath.Join(t.TempDir(), "results.xml")
	code, _, errs := runCLI(t, "test", "-junit", out, "testdata/test/fail", "testdata/test/pass")
	if code != exitError {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var doc jSuites
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("the JUnit XML does not parse: %v\n%s", err, b)
	}
	if doc.Tests != 11 || doc.Failures != 2 || doc.Errors != 3 || len(doc.Suites) != 2 {
		t.Fatalf("tests %d failures %d errors %d suites %d; want 11, 2, 3, 2", doc.Tests, doc.Failures, doc.Errors, len(doc.Suites))
	}
	var sum float64
	byName := map[string]jCase{}
	for _, s := range doc.Suites {
		if !strings.HasSuffix(s.Name, "/planned_promotion") || s.Tests != len(s.Cases) || s.Skipped != 0 {
			t.Errorf("suite %q: tests %d for %d cases", s.Name, s.Tests, len(s.Cases))
		}
		f, e := 0, 0
		for _, c := range s.Cases {
			if c.Classname != s.Name || c.Time < 0 || c.Line < 1 || !strings.HasSuffix(c.File, ".expect.hcl") {
				t.Errorf("case %+v", c)
			}
			if c.Failure != nil {
				f++
			}
			if c.Error != nil {
				e++
			}
			byName[c.Name] = c
		}
		if f != s.Failures || e != s.Errors {
			t.Errorf("suite counts %d/%d, cases %d/%d", s.Failures, s.Errors, f, e)
		}
		sum += s.Time
	}
	if d := doc.Time - sum; d > 0.002 || d < -0.002 {
		t.Errorf("total time %.3f, suites sum to %.3f", doc.Time, sum)
	}
	wrong := byName["wrong everywhere"].Failure
	if wrong == nil || wrong.Type != "mismatch" || !strings.HasPrefix(wrong.Message, `outcome: expected "succeeded", got "failed"`) ||
		!strings.Contains(wrong.Body, `site["site/code"]: expected "PS2", got "PS1"`) ||
		!strings.Contains(wrong.Body, "planned_promotion.expect.hcl:12:1") {
		t.Errorf("failure of wrong everywhere: %+v", wrong)
	}
	if e := byName["no such scenario"].Error; e == nil || !strings.Contains(e.Message, `no scenario "healthy-ish" (did you mean "healthy"?)`) {
		t.Errorf("error of no such scenario: %+v", e)
	}
	if c := byName["cab rejects"]; c.Failure != nil || c.Error != nil {
		t.Errorf("cab rejects passed but has %+v %+v", c.Failure, c.Error)
	}
}

// TestBatonTestUpdate: -update fills in what happened, keeps comments and
// CRLF line ends, adds the cases all_scenarios_of lacks, and the file then
// passes as it is.
func TestBatonTestUpdate(t *testing.T) {
	if testing.Short() {
		t.Skip("rehearsals")
	}
	dir := t.TempDir()
	src := "# kept\r\nrunbook = \"daily_monitoring.hcl\"\r\nall_scenarios_of = [\"fabrikam-cas\"]\r\n\r\n" +
		"case \"contoso sql\" {\r\n  fixture  = \"contoso\"\r\n  scenario = \"sql-down\" # kept too\r\n  outcome  = \"succeeded\"\r\n" +
		"  site = { \"database/up\" = true }\r\n}\r\n"
	path := filepath.Join(dir, "daily.expect.hcl")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI(t, "test", path); code != exitError || !strings.Contains(out, "no case rehearses scenario healthy of fixture fabrikam-cas") {
		t.Fatalf("before: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs := runCLI(t, "test", "-update", path)
	if code != exitOK || !regexp.MustCompile(`update: [1-9]\d* new, 1 changed, 0 as expected, 0 could not run`).MatchString(out) {
		t.Fatalf("update: exit %d\n%s%s", code, out, errs)
	}
	b, _ := os.ReadFile(path)
	got := string(b)
	for _, want := range []string{"# kept\r\n", "# kept too\r\n", "outcome  = \"failed\"", "\"database/up\" = false", "case \"fabrikam-cas/healthy\" {", "fixture  = \"fabrikam-cas\""} {
		if !strings.Contains(got, want) {
			t.Errorf("updated file lacks %q:\n%s", want, got)
		}
	}
	if strings.Count(got, "\n") != strings.Count(got, "\r\n") {
		t.Errorf("line ends mixed:\n%q", got)
	}
	if code, out, errs := runCLI(t, "test", path); code != exitOK {
		t.Errorf("after update: exit %d\n%s%s", code, out, errs)
	}
}

// TestShippedExpectations runs baton test over runbooks/expect: the
// shipped runbooks' matrix in the expectation format.
func TestShippedExpectations(t *testing.T) {
	if testing.Short() {
		t.Skip("the matrix rehearses every runbook against every scenario")
	}
	dir := filepath.Join("..", "..", "runbooks", "expect")
	if raceEnabled {
		// runbooks.TestMatrix rehearses every cell under the race
		// detector, and TestShippedExpectationsMatchMatrix ties these
		// files to its golden: here one runbook's file is enough to run
		// baton test's own path under it.
		dir = filepath.Join(dir, "planned_promotion"+expect.Suffix)
	}
	code, out, errs := runCLI(t, "test", dir)
	if code != exitOK {
		t.Fatalf("baton test runbooks/expect: exit %d (regenerate with: go run ./cmd/baton test -update runbooks/expect, then review the diff)\n%s%s", code, out, errs)
	}
}

// TestShippedExpectationsMatchMatrix reads runbooks/expect against
// runbooks/testdata/matrix.golden: the same cells, and in each the same
// outcome, blocked steps, branches and changes.
func TestShippedExpectationsMatchMatrix(t *testing.T) {
	root := filepath.Join("..", "..", "runbooks")
	matrix := matrixCells(t, filepath.Join(root, "testdata", "matrix.golden"))
	files, err := filepath.Glob(filepath.Join(root, "expect", "*"+expect.Suffix))
	if err != nil || len(files) == 0 {
		t.Fatalf("no expectation files: %v", err)
	}
	seen := map[string]bool{}
	covers := map[string][]string{} // runbook -> all_scenarios_of
	for _, p := range files {
		src, err := inputfile.Read(p, expect.FileLimit, "expectation file")
		if err != nil {
			t.Fatal(err)
		}
		f, diags := expect.Parse(src, p)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		rb := strings.TrimSuffix(filepath.Base(f.Runbook), ".hcl")
		covers[rb] = f.AllScenariosOf
		for _, c := range f.Cases {
			name := rb + " × " + c.Fixture + "/" + c.Scenario
			seen[name] = true
			want, ok := matrix[name]
			if !ok {
				t.Errorf("%s: case %q is no cell of the matrix", p, c.Name)
				continue
			}
			if got := cellOf(c.Want); got != want {
				t.Errorf("%s differs from the matrix:\n--- matrix.golden\n%s\n--- %s\n%s", name, want, p, got)
			}
		}
	}
	for _, name := range sortedKeys(matrix) {
		if !seen[name] {
			t.Errorf("matrix cell %s has no case in runbooks/expect: %s", name, howToCover(name, covers))
		}
	}
}

// howToCover says how to add the case of a matrix cell ("RUNBOOK ×
// FIXTURE/SCENARIO") to runbooks/expect.
func howToCover(cell string, covers map[string][]string) string {
	const regen = "go run ./cmd/baton test -update runbooks/expect"
	rb, rest, _ := strings.Cut(cell, " × ")
	fixture, _, _ := strings.Cut(rest, "/")
	all, ok := covers[rb]
	switch {
	case !ok:
		return fmt.Sprintf("write runbooks/expect/%s%s with the lines runbook = \"../%s.hcl\" and all_scenarios_of (the fixtures, as in the other files), then run %s", rb, expect.Suffix, rb, regen)
	case !slices.Contains(all, fixture):
		return fmt.Sprintf("add %q to all_scenarios_of in runbooks/expect/%s%s, then run %s", fixture, rb, expect.Suffix, regen)
	}
	return regen + " adds it"
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// matrixCells reads the golden matrix: per cell, its outcome, blocked
// steps, branches and changes, in cellOf's form.
func matrixCells(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cells := map[string]string{}
	for _, block := range strings.Split(string(b), "\n## ")[1:] {
		name, body, _ := strings.Cut(block, "\n")
		var status string
		var blocked, branches, changes []string
		field := ""
		for _, line := range strings.Split(body, "\n") {
			if len(line) > 10 && line[:10] != strings.Repeat(" ", 10) {
				field = strings.TrimSuffix(strings.Fields(line)[0], ":")
			}
			if len(line) < 10 || strings.TrimSpace(line[10:]) == "-" {
				continue
			}
			v := line[10:]
			switch field {
			case "outcome":
				status = strings.Fields(v)[0]
			case "blocked":
				blocked = append(blocked, strings.TrimSuffix(strings.Fields(v)[1], ":"))
			case "branches":
				branches = append(branches, v)
			case "changes":
				f := strings.Fields(v)
				changes = append(changes, f[1]+"="+f[2])
			}
		}
		cells[name] = cellText(status, blocked, branches, changes)
	}
	return cells
}

func cellOf(o expect.Outcome) string {
	var br, ch []string
	for k, v := range o.Branches {
		br = append(br, k+"="+map[bool]string{true: "true", false: "false"}[v])
	}
	for k, v := range o.Changes {
		ch = append(ch, k+"="+v)
	}
	return cellText(o.Status, o.Blocked, br, ch)
}

func cellText(status string, blocked, branches, changes []string) string {
	for _, l := range [][]string{blocked, branches, changes} {
		sort.Strings(l)
	}
	return "outcome " + status + "\nblocked " + strings.Join(blocked, " ") + "\nbranches " + strings.Join(branches, " ") + "\nchanges " + strings.Join(changes, " ")
}
