package runbooks

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/steps"
	"github.com/batonhq/baton/steps/all"
	"github.com/batonhq/baton/steps/configmgr"
	"github.com/hashicorp/hcl/v2"
)

// registry is every step type baton ships, with the configmgr_* types
// added when steps/all does not register them yet.
func registry() *steps.Registry {
	reg := all.Registry()
	if _, ok := reg.Kind("configmgr_site"); !ok {
		configmgr.Register(reg)
	}
	return reg
}

func load(t testing.TB, name string) (*runbook.Runbook, hcl.Diagnostics) {
	t.Helper()
	rb, diags := runbook.Load(runbook.FromFS(FS), name, registry())
	if rb == nil {
		t.Fatalf("%s: Load returned a nil runbook", name)
	}
	return rb, diags
}

func diagString(d *hcl.Diagnostic) string {
	pos := ""
	if d.Subject != nil {
		pos = fmt.Sprintf("%s:%d:%d: ", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column)
	}
	return fmt.Sprintf("%s%s: %s", pos, d.Summary, d.Detail)
}

func TestNames(t *testing.T) {
	want := []string{"daily_monitoring.hcl", "install_passive.hcl", "planned_promotion.hcl", "remove_passive.hcl", "unplanned_failover.hcl"}
	got := Names()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
}

// TestLoad: every runbook loads with no error and no warning.
func TestLoad(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			rb, diags := load(t, name)
			for _, d := range diags {
				t.Errorf("%s", diagString(d))
			}
			if rb.Name+".hcl" != name {
				t.Errorf("runbook block is named %q; the file is %s", rb.Name, name)
			}
			if rb.Title == "" || rb.Description == "" || rb.Version == "" || rb.Owner == "" {
				t.Errorf("runbook %s lacks title, description, version or owner", rb.Name)
			}
			for _, s := range rb.Steps {
				if s.Class != runbook.ClassApproval && len(s.Refs) == 0 {
					t.Errorf("step %s names no domain reference id", s.Name)
				}
				if s.Description == "" {
					t.Errorf("step %s has no description", s.Name)
				}
				if s.Class == runbook.ClassManual && s.ManualReason == "" {
					t.Errorf("manual step %s does not say why it is not automated (reason)", s.Name)
				}
			}
		})
	}
}

// TestLibrariesIncluded: every library file is included by some runbook.
func TestLibrariesIncluded(t *testing.T) {
	used := map[string]bool{}
	for _, name := range Names() {
		rb, _ := load(t, name)
		for _, f := range rb.Files[1:] {
			used[f] = true
		}
	}
	libs, err := fs.Glob(FS, "lib/*.hcl")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range libs {
		if !used[l] {
			t.Errorf("%s is included by no runbook", l)
		}
	}
}

// TestFormat: every file is in canonical form (baton fmt). Run with
// BATON_FMT_WRITE=1 to rewrite the files.
func TestFormat(t *testing.T) {
	files, err := fs.Glob(FS, "*.hcl")
	if err != nil {
		t.Fatal(err)
	}
	libs, _ := fs.Glob(FS, "lib/*.hcl")
	for _, f := range append(files, libs...) {
		src, err := fs.ReadFile(FS, f)
		if err != nil {
			t.Fatal(err)
		}
		out, diags := runbook.Format(src, f)
		if diags.HasErrors() {
			t.Errorf("%s: %s", f, diags.Error())
			continue
		}
		if bytes.Equal(out, src) {
			continue
		}
		if os.Getenv("BATON_FMT_WRITE") == "1" {
			if err := os.WriteFile(f, out, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: rewritten", f)
			continue
		}
		t.Errorf("%s is not formatted (baton fmt); first difference at line %d", f, firstDiffLine(src, out))
	}
}

func firstDiffLine(a, b []byte) int {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range la {
		if i >= len(lb) || la[i] != lb[i] {
			return i + 1
		}
	}
	return len(la) + 1
}

// domainIDs are the ids of the domain reference (shared/domain/configmgr-ha.md)
// that the runbooks must cover: the three flowcharts, the preconditions,
// the promotion readiness items, the preflight checks of §4.9, the
// post-promotion tasks and the field failure modes of §8 (F1-F14).
func domainIDs() []string {
	ids := []string{
		"PSV-00", "PSV-D1", "PSV-01", "PSV-D2", "PSV-02", "PSV-D3", "PSV-03a", "PSV-03b", "PSV-04", "PSV-05",
		"PRP-00", "PRP-01", "PRP-02", "PRP-03", "PRP-04", "PRP-05", "PRP-06", "PRP-07", "PRP-END",
		"PRU-00", "PRU-01", "PRU-D1", "PRU-02", "PRU-03", "PRU-04", "PRU-05", "PRU-06",
		"PRU-M1-1", "PRU-M1-2", "PRU-M1-3", "PRU-M1-4",
		"RMV",
	}
	for i := 1; i <= 23; i++ {
		ids = append(ids, fmt.Sprintf("P%02d", i))
	}
	for i := 1; i <= 8; i++ {
		ids = append(ids, fmt.Sprintf("R%02d", i))
	}
	for i := 1; i <= 10; i++ {
		ids = append(ids, fmt.Sprintf("PF-%02d", i))
	}
	for i := 1; i <= 8; i++ {
		ids = append(ids, fmt.Sprintf("PP-%02d", i))
	}
	// The failure modes seen in the field (§8).
	for i := 1; i <= 14; i++ {
		ids = append(ids, fmt.Sprintf("F%d", i))
	}
	return ids
}

// TestCoverage: every domain id is referenced by a step of some runbook.
// It logs how many are encoded (a step baton runs or evaluates covers
// them) and how many are left to people (only manual steps cover them).
func TestCoverage(t *testing.T) {
	automated := map[string][]string{} // id -> "runbook.step" of non-manual steps
	manual := map[string][]string{}    // id -> "runbook.step" of manual steps
	for _, name := range Names() {
		rb, _ := load(t, name)
		for _, s := range rb.Steps {
			for _, id := range s.Refs {
				where := rb.Name + "." + s.Name
				if s.Class == runbook.ClassManual {
					manual[id] = append(manual[id], where)
				} else {
					automated[id] = append(automated[id], where)
				}
			}
		}
	}
	var missing, encoded, manualOnly []string
	for _, id := range domainIDs() {
		switch {
		case len(automated[id]) > 0:
			encoded = append(encoded, id)
		case len(manual[id]) > 0:
			manualOnly = append(manualOnly, id)
		default:
			missing = append(missing, id)
		}
	}
	t.Logf("domain ids: %d; encoded: %d; manual only: %d; missing: %d", len(domainIDs()), len(encoded), len(manualOnly), len(missing))
	for _, id := range manualOnly {
		t.Logf("manual only: %s (%s)", id, strings.Join(manual[id], ", "))
	}
	if len(missing) > 0 {
		t.Errorf("domain ids referenced by no step: %s", strings.Join(missing, ", "))
	}

	// Ids that look like domain ids but are not: a typo in refs.
	known := map[string]bool{}
	for _, id := range domainIDs() {
		known[id] = true
	}
	idLike := regexp.MustCompile(`^(PSV|PRP|PRU|P|R|PF|PP|F)-?[0-9D]`)
	var unknown []string
	for id := range automated {
		if idLike.MatchString(id) && !known[id] {
			unknown = append(unknown, id)
		}
	}
	for id := range manual {
		if idLike.MatchString(id) && !known[id] {
			unknown = append(unknown, id)
		}
	}
	sort.Strings(unknown)
	if len(unknown) > 0 {
		t.Errorf("refs that are not domain ids (typo?): %s", strings.Join(unknown, ", "))
	}
}

// TestPointsOfNoReturn: the promotions are marked, and every mutating
// action can be verified after a crash.
func TestPointsOfNoReturn(t *testing.T) {
	for _, name := range []string{"planned_promotion.hcl", "unplanned_failover.hcl"} {
		rb, _ := load(t, name)
		p := rb.Step("promote")
		if p == nil || !p.PointOfNoReturn {
			t.Errorf("%s: step promote is missing or not a point of no return", name)
		}
	}
	for _, name := range Names() {
		rb, _ := load(t, name)
		for _, s := range rb.Steps {
			if s.Mutating() && !s.Idempotent && s.Verify == nil {
				t.Errorf("%s: mutating step %s is neither idempotent nor verifiable", name, s.Name)
			}
		}
	}
}
