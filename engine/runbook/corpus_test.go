package runbook

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
)

var markerRE = regexp.MustCompile(`#\s*(ERROR|WARNING):\s*(.+?)\s*$`)

// markers reads the "# ERROR: <summary>" and "# WARNING: <summary>"
// comments of a file as "file:line" -> sorted list of "ERROR: summary".
func markers(name string, src []byte, into map[string][]string) {
	for i, line := range strings.Split(string(src), "\n") {
		if m := markerRE.FindStringSubmatch(line); m != nil {
			key := fmt.Sprintf("%s:%d", name, i+1)
			into[key] = append(into[key], m[1]+": "+m[2])
		}
	}
}

func diagMap(diags hcl.Diagnostics) map[string][]string {
	got := map[string][]string{}
	for _, d := range diags {
		key := "(no subject)"
		if d.Subject != nil {
			key = fmt.Sprintf("%s:%d", d.Subject.Filename, d.Subject.Start.Line)
		}
		sev := "ERROR"
		if d.Severity == hcl.DiagWarning {
			sev = "WARNING"
		}
		got[key] = append(got[key], sev+": "+d.Summary)
	}
	for _, v := range got {
		sort.Strings(v)
	}
	return got
}

// TestInvalid loads every testdata/invalid/*.hcl and compares its
// diagnostics with the markers in the loaded files, line by line.
func TestInvalid(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*.hcl")
	if len(files) < 25 {
		t.Fatalf("only %d invalid fixtures", len(files))
	}
	for _, f := range files {
		name := filepath.ToSlash(f)
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			rb, diags := Load(DirFS(""), name, testRegistry())
			want := map[string][]string{}
			for _, file := range rb.Files {
				src, _ := rb.Source(file)
				markers(file, src, want)
			}
			for _, v := range want {
				sort.Strings(v)
			}
			got := diagMap(diags)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("diagnostics differ (-markers +got):\n%s\n%s", diff, writeDiags(t, rb, diags))
			}
			if len(want) == 0 {
				t.Errorf("fixture has no markers")
			}
		})
	}
}

// TestValid loads every runbook under testdata/valid: no errors, no
// warnings.
func TestValid(t *testing.T) {
	entries, _ := os.ReadDir("testdata/valid")
	for _, e := range entries {
		name := "testdata/valid/" + e.Name()
		t.Run(e.Name(), func(t *testing.T) {
			t.Parallel()
			rb, diags := Load(DirFS(""), name, testRegistry())
			if len(diags) > 0 {
				t.Fatalf("diagnostics:\n%s", writeDiags(t, rb, diags))
			}
			if rb.Graph == nil || rb.Graph.Len() != len(rb.Steps) {
				t.Fatalf("graph missing")
			}
		})
	}
}
