package expect

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/golden"
	"github.com/hashicorp/hcl/v2"
	"path/filepath"
)

func results() []*Result {
	fa := &File{Path: "team/a.expect.hcl"}
	fb := &File{Path: "team/b.expect.hcl"}
	at := func(f *File, line int) hcl.Range {
		return hcl.Range{Filename: f.Path, Start: hcl.Pos{Line: line, Column: 1}}
	}
	return []*Result{
		{Suite: "a", File: fa, Case: &Case{Name: "healthy", Range: at(fa, 3)}, Time: 1500 * time.Millisecond},
		{Suite: "a", File: fa, Case: &Case{Name: "degraded <&>", Range: at(fa, 9)}, Time: 250 * time.Millisecond,
			Mismatches: []Mismatch{{Field: "outcome", Want: `"succeeded"`, Got: `"failed"`, Note: "step x failed: \x01odd"}, {Field: "site", Key: "site/code", Want: `"PS2"`, Got: `"PS1"`}}},
		{Suite: "b", File: fb, Case: &Case{Name: "broken", Range: at(fb, 2)}, Time: 10 * time.Millisecond,
			Err: errors.New("runbook b.hcl does not load:\nError: x ]]> y")},
	}
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	rs := results()
	for _, r := range rs {
		r.WriteText(&b)
	}
	WriteSummary(&b, rs, 2*time.Second)
	WriteSummary(&b, rs[:1], time.Second)
	golden.Check(t, filepath.Join("testdata", "text.golden"), b.Bytes())
}

// The JUnit schema's elements, parsed back apart from what writes them.
type jSuites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Time     float64  `xml:"time,attr"`
	Suites   []struct {
		Name     string  `xml:"name,attr"`
		Tests    int     `xml:"tests,attr"`
		Failures int     `xml:"failures,attr"`
		Errors   int     `xml:"errors,attr"`
		Time     float64 `xml:"time,attr"`
		Cases    []struct {
			Name      string  `xml:"name,attr"`
			Classname string  `xml:"classname,attr"`
			Time      float64 `xml:"time,attr"`
			Line      int     `xml:"line,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Body    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
				Body    string `xml:",chardata"`
			} `xml:"error"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestWriteJUnit(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJUnit(&b, results()); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "junit.golden.xml"), b.Bytes())
	var doc jSuites
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tests != 3 || doc.Failures != 1 || doc.Errors != 1 || doc.Time != 1.76 || len(doc.Suites) != 2 {
		t.Fatalf("%+v", doc)
	}
	a, bs := doc.Suites[0], doc.Suites[1]
	if a.Name != "a" || a.Tests != 2 || a.Failures != 1 || a.Errors != 0 || a.Time != 1.75 || bs.Name != "b" || bs.Errors != 1 {
		t.Fatalf("suites %+v", doc.Suites)
	}
	deg := a.Cases[1]
	if deg.Name != "degraded <&>" || deg.Classname != "a" || deg.Time != 0.25 || deg.Line != 9 || deg.Failure == nil ||
		deg.Failure.Message != `outcome: expected "succeeded", got "failed" (step x failed: `+"\uFFFD"+`odd)` ||
		!strings.Contains(deg.Failure.Body, "team/a.expect.hcl:9:1\n") || !strings.Contains(deg.Failure.Body, `site["site/code"]: expected "PS2", got "PS1"`) {
		t.Errorf("failure %+v %+v", deg, deg.Failure)
	}
	if !strings.Contains(deg.Failure.Body, "failed: \uFFFDodd") {
		t.Errorf("a control character is in the body: %q", deg.Failure.Body)
	}
	if e := bs.Cases[0].Error; e == nil || e.Message != "runbook b.hcl does not load:" || !strings.Contains(e.Body, "Error: x ]]> y") {
		t.Errorf("error %+v", e)
	}
	if a.Cases[0].Failure != nil || a.Cases[0].Error != nil {
		t.Error("a passing case has a failure")
	}
}
