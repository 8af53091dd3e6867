package runbooks

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/engine/rehearse"
	"github.com/batonhq/baton/engine/rehearse/simsite"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/fixtures"
	"github.com/batonhq/baton/internal/golden"
	"github.com/batonhq/baton/state"
	"github.com/batonhq/baton/steps/configmgr/sim"
	"github.com/zclconf/go-cty/cty"
)

// cell is one runbook rehearsed against one scenario.
type cell struct {
	runbook, fixture, scenario string
}

func (c cell) name() string {
	return strings.TrimSuffix(c.runbook, ".hcl") + " × " + c.fixture + "/" + c.scenario
}

// TestMatrix rehearses every shipped runbook against every scenario of every
// fixture, with every approval answered, and compares what each cell did
// with testdata/matrix.golden: the outcome and why, the checks that blocked,
// the branches taken, the changes made, and the final state of the site.
// That file is the written-down expectation of every cell; regenerate it
// with -update only after reading the diff.
func TestMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("the matrix rehearses every runbook against every scenario")
	}
	var cells []cell
	fxs := map[string]*sim.Fixture{}
	for _, fname := range fixtures.Names() {
		fx, err := sim.Load(fixtures.FS, fname)
		if err != nil {
			t.Fatal(err)
		}
		fxs[fname] = fx
		for _, rb := range Names() {
			for _, sc := range fx.Scenarios() {
				cells = append(cells, cell{rb, fname, sc})
			}
		}
	}
	if len(cells) < len(Names())*23 {
		t.Fatalf("only %d cells", len(cells))
	}
	got := make([]string, len(cells))
	var mu sync.Mutex
	t.Run("cells", func(t *testing.T) {
		for i, c := range cells {
			t.Run(c.name(), func(t *testing.T) {
				t.Parallel()
				rep, vars := rehearseCell(t, c, fxs[c.fixture])
				s := summarize(c, vars, rep)
				mu.Lock()
				got[i] = s
				mu.Unlock()
			})
		}
	})
	if t.Failed() {
		return
	}
	out := matrixHeader + strings.Join(got, "\n")
	path := filepath.Join("testdata", "matrix.golden")
	if want, err := os.ReadFile(path); err == nil && !golden.Update() && string(want) != out {
		// Name the cells that differ, beyond golden.Check's first line.
		wantCells := strings.Split(strings.TrimPrefix(string(want), matrixHeader), "\n\n")
		gotCells := strings.Split(strings.TrimPrefix(out, matrixHeader), "\n\n")
		for i := range max(len(wantCells), len(gotCells)) {
			var w, g string
			if i < len(wantCells) {
				w = wantCells[i]
			}
			if i < len(gotCells) {
				g = gotCells[i]
			}
			if w != g {
				t.Errorf("cell differs from testdata/matrix.golden:\n--- want\n%s\n--- got\n%s", w, g)
			}
		}
	}
	golden.Check(t, path, []byte(out))
}

const matrixHeader = `# Every shipped runbook rehearsed against every scenario of every fixture,
# with the fixture's inputs and approvals answered at once. One block per
# cell: the inputs that differ from the runbook's defaults, the outcome and
# why, the checks and steps that failed, the branches taken, the changes
# made (actions and post-tasks that ran) and the site afterwards.
# Written by TestMatrix -update; review every change.

`

// rehearseCell rehearses one cell with the fixture's inputs for the
// scenario, as baton rehearse does; it returns the report and the inputs
// that differ from the runbook's defaults.
func rehearseCell(t testing.TB, c cell, fx *sim.Fixture) (*rehearse.Report, []string) {
	t.Helper()
	rb, diags := load(t, c.runbook)
	if diags.HasErrors() {
		t.Fatalf("%s: %s", c.runbook, diags.Error())
	}
	inputs := fx.Inputs(c.scenario)
	vars, diags := runbook.ResolveInputs(rb, runbook.Inputs{Defaults: inputs, DefaultsSource: "fixture " + c.fixture})
	if diags.HasErrors() {
		t.Fatalf("inputs: %s", diags.Error())
	}
	var given []string
	for _, v := range rb.Variables {
		raw, ok := inputs[v.Name]
		if !ok || v.Default.Type() == cty.String && !v.Default.IsNull() && v.Default.AsString() == raw {
			continue
		}
		if v.Sensitive {
			raw = "(sensitive)"
		}
		given = append(given, v.Name+"="+raw)
	}
	sort.Strings(given)
	rep := rehearseWith(t, rb, vars, fx, c.scenario, rehearse.Answers{All: true}, c.runbook)
	return rep, given
}

// summarize renders one cell for the golden file: stable (no run ids, no
// wall time, sorted where the engine's order may vary) and free of secrets.
func summarize(c cell, v []string, rep *rehearse.Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## %s\n", c.name())
	if len(v) > 0 {
		fmt.Fprintf(&b, "inputs:   %s\n", strings.Join(v, " "))
	}
	fmt.Fprintf(&b, "outcome:  %s after %s", rep.Status, rep.Duration.Round(time.Second))
	if rep.Reason != "" {
		fmt.Fprintf(&b, ": %s", firstLine(rep.Reason))
	}
	b.WriteString("\n")
	var blocked []string
	for _, x := range rep.Blocked {
		blocked = append(blocked, fmt.Sprintf("%s %s: %s", x.Class, x.Step, firstLine(x.Message)))
	}
	sort.Strings(blocked)
	list(&b, "blocked:", blocked)
	var branches []string
	for _, br := range rep.Branches {
		branches = append(branches, fmt.Sprintf("%s=%v", br.Decision, br.Taken))
	}
	sort.Strings(branches)
	list(&b, "branches:", branches)
	var changes []string
	for name, st := range rep.Steps {
		if cls := stepClass(rep, name); (cls == "action" || cls == "post" || cls == "backout") && st != string(state.StepSkipped) && st != string(state.StepPending) {
			changes = append(changes, fmt.Sprintf("%s %s %s", cls, name, st))
		}
	}
	sort.Strings(changes)
	list(&b, "changes:", changes)
	list(&b, "site:", siteSummary(simsite.State(rep)))
	return b.String()
}

// stepClass finds a step's class from the report's timeline.
func stepClass(rep *rehearse.Report, step string) string {
	for _, l := range rep.Timeline {
		if l.Step == step && l.Class != "" {
			return l.Class
		}
	}
	return ""
}

func siteSummary(s sim.State) []string {
	var out []string
	db := "up"
	if !s.DatabaseUp {
		db = "down"
	}
	out = append(out, fmt.Sprintf("site %s (%s), database %s", s.Site.Code, s.Site.Type, db))
	for _, ss := range s.SiteServers {
		line := fmt.Sprintf("%s %s %s", ss.Name, ss.Mode, ss.Status)
		for _, srv := range s.Servers {
			if srv.Name == ss.Name && !srv.Online {
				line += " (offline)"
			}
		}
		out = append(out, line)
	}
	cl := "content library " + s.ContentLibrary.Location
	if s.ContentLibrary.MoveStatus != "" {
		cl += fmt.Sprintf(" (move %s, %d%%)", s.ContentLibrary.MoveStatus, s.ContentLibrary.MoveProgress)
	}
	out = append(out, cl)
	for _, l := range s.ReplicationLinks {
		if l.State != "active" {
			out = append(out, fmt.Sprintf("replication %s -> %s %s", l.From, l.To, l.State))
		}
	}
	for _, d := range s.Distributions {
		if d.InProgress > 0 || d.Errors > 0 {
			to := d.Server
			if d.SiteToSite {
				to = "site-to-site " + to
			}
			out = append(out, fmt.Sprintf("distribution %s -> %s: %d in progress, %d errors", d.PackageID, to, d.InProgress, d.Errors))
		}
	}
	for _, op := range s.Operations {
		out = append(out, "in progress: "+op)
	}
	pp := s.PostPromotion
	if !pp.PromotedAt.IsZero() {
		out = append(out, "promoted at +"+pp.PromotedAt.Sub(rehearse.Epoch).String())
	}
	for _, c := range pp.DPCertificatesToReimport {
		out = append(out, "to do: reimport DP certificate "+c)
	}
	if pp.StoreForBusinessDisconnected {
		out = append(out, "to do: reconnect Store for Business")
	}
	for _, p := range pp.PackagesToRedistribute {
		out = append(out, "to do: redistribute "+p)
	}
	for _, sec := range pp.SecondariesToReinitialize {
		out = append(out, "to do: reinitialize secondary "+sec)
	}
	if pp.ClientFolderWrong {
		out = append(out, "to do: fix the Client folder (pre-production client became production)")
	}
	return out
}

func list(b *strings.Builder, label string, items []string) {
	if len(items) == 0 {
		fmt.Fprintf(b, "%-9s -\n", label)
		return
	}
	for i, it := range items {
		if i == 0 {
			fmt.Fprintf(b, "%-9s %s\n", label, it)
		} else {
			fmt.Fprintf(b, "%-9s %s\n", "", it)
		}
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	return s
}
