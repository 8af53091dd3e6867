package expect

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Result is one case checked: what happened and how it differs, or why it
// could not run.
type Result struct {
	// Suite names the case's file: its path below the directory tested,
	// slash-separated, without .expect.hcl ("planned_promotion").
	Suite string
	File  *File
	Case  *Case
	Got   Outcome
	// Mismatches are the differences from the case's expectation.
	Mismatches []Mismatch
	// Err is why the case could not run (a runbook that does not load, an
	// unknown scenario); the case fails.
	Err error
	// Time is the real time the case took.
	Time time.Duration
}

// Name is the case's full name, which -run matches: SUITE/CASE.
func (r *Result) Name() string { return r.Suite + "/" + r.Case.Name }

// Passed reports whether the case ran and did what was expected.
func (r *Result) Passed() bool { return r.Err == nil && len(r.Mismatches) == 0 }

// Where is the case's place in its file, file:line:col.
func (r *Result) Where() string {
	s := r.Case.Range.Start
	return fmt.Sprintf("%s:%d:%d", r.Case.Range.Filename, s.Line, s.Column)
}

// Detail is what went wrong, one line each: the error, or the mismatches.
func (r *Result) Detail() []string {
	if r.Err != nil {
		return strings.Split(r.Err.Error(), "\n")
	}
	out := make([]string, len(r.Mismatches))
	for i, m := range r.Mismatches {
		out[i] = m.String()
	}
	return out
}

// WriteText prints the result as one line, "ok   NAME (0.04s)" or
// "FAIL NAME (0.04s)", then for a failure where the case is and each
// difference, expected against got.
func (r *Result) WriteText(w io.Writer) {
	if r.Passed() {
		fmt.Fprintf(w, "ok   %s (%s)\n", r.Name(), seconds(r.Time))
		return
	}
	fmt.Fprintf(w, "FAIL %s (%s)\n     %s\n", r.Name(), seconds(r.Time), r.Where())
	for _, l := range r.Detail() {
		fmt.Fprintf(w, "     %s\n", l)
	}
}

// WriteSummary prints the closing line: how many cases passed and failed.
func WriteSummary(w io.Writer, results []*Result, total time.Duration) {
	failed := 0
	for _, r := range results {
		if !r.Passed() {
			failed++
		}
	}
	cases := "cases"
	if len(results) == 1 {
		cases = "case"
	}
	if failed == 0 {
		fmt.Fprintf(w, "ok: %d %s passed (%s)\n", len(results), cases, seconds(total))
		return
	}
	fmt.Fprintf(w, "FAIL: %d of %d %s failed, %d passed (%s)\n", failed, len(results), cases, len(results)-failed, seconds(total))
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

// JUnit XML, as Azure DevOps' PublishTestResults (testResultsFormat JUnit)
// and GitHub's JUnit reporters read it.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	File     string      `xml:"file,attr,omitempty"`
	Cases    []junitCase `xml:"testcase"`
	total    time.Duration
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",cdata"`
}

// WriteJUnit writes results as JUnit XML: a testsuite per expectation
// file (in the order of results, named by Suite), a testcase per case named as in the
// file and classed by its suite, a failure for a case that did other than
// expected (the differences in its body), an error for one that could not
// run; times in seconds, the sums of the cases'.
func WriteJUnit(w io.Writer, results []*Result) error {
	doc := junitSuites{Name: "baton test", Tests: len(results)}
	var total time.Duration
	idx := map[string]int{}
	for _, r := range results {
		i, ok := idx[r.File.Path]
		if !ok {
			i = len(doc.Suites)
			idx[r.File.Path] = i
			doc.Suites = append(doc.Suites, junitSuite{Name: r.Suite, File: r.File.Path})
		}
		s := &doc.Suites[i]
		tc := junitCase{Name: r.Case.Name, Classname: r.Suite, Time: secs(r.Time), File: r.Case.Range.Filename, Line: r.Case.Range.Start.Line}
		p := &junitProblem{Body: xmlText(r.Where() + "\n" + strings.Join(r.Detail(), "\n") + "\n")}
		switch {
		case r.Err != nil:
			p.Message, p.Type = firstLine(r.Err.Error()), "error"
			tc.Error = p
			s.Errors++
			doc.Errors++
		case len(r.Mismatches) > 0:
			p.Message, p.Type = r.Mismatches[0].String(), "mismatch"
			tc.Failure = p
			s.Failures++
			doc.Failures++
		}
		s.Tests++
		s.Cases = append(s.Cases, tc)
		s.total += r.Time
		total += r.Time
	}
	for i := range doc.Suites {
		doc.Suites[i].Time = secs(doc.Suites[i].total)
	}
	doc.Time = secs(total)
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err == nil {
		_, err = fmt.Fprintf(w, "%s%s\n", xml.Header, out)
	}
	return err
}

// xmlText replaces what XML cannot hold (control characters, invalid
// UTF-8) with U+FFFD, as encoding/xml does in attributes.
func xmlText(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r != utf8.RuneError && r != 0xFFFE && r != 0xFFFF && !(r >= 0xD800 && r <= 0xDFFF) {
			return r
		}
		return '\uFFFD'
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }
