package shippedtest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/engine/review"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/internal/golden"
	"github.com/batonhq/baton/runbooks"
	"github.com/batonhq/baton/steps"
	"github.com/batonhq/baton/steps/all"
	"github.com/zclconf/go-cty/cty"
)

// inputs gives every variable its default, or an unknown value of its
// type when it has none (the plan shows it as known at run time); a
// sensitive variable is marked.
func inputs(rb *runbook.Runbook) map[string]cty.Value {
	vars := map[string]cty.Value{}
	for _, v := range rb.Variables {
		val := v.Default
		if val == cty.NilVal {
			val = cty.UnknownVal(v.Type)
			if v.Type == cty.DynamicPseudoType {
				val = cty.DynamicVal
			}
		}
		if v.Sensitive {
			val = val.Mark(steps.Sensitive)
		}
		vars[v.Name] = val
	}
	return vars
}

// TestShippedRunbooks plans every shipped runbook without refresh and
// renders its plan and change record as golden files.
func TestShippedRunbooks(t *testing.T) {
	names := runbooks.Names()
	if len(names) == 0 {
		t.Skip("no shipped runbooks in /runbooks yet")
	}
	for _, name := range names {
		t.Run(strings.TrimSuffix(name, ".hcl"), func(t *testing.T) {
			rb, diags := runbook.Load(runbook.FromFS(runbooks.FS), name, all.Registry())
			if diags.HasErrors() {
				t.Skipf("the runbook does not load yet (owned by the runbooks author): %s", diags.Error())
			}
			p, diags := plan.Build(t.Context(), rb, plan.Options{Vars: inputs(rb), Target: "live", EngineVersion: "test"})
			if diags.HasErrors() {
				t.Fatalf("planning: %s", diags.Error())
			}
			var h, md bytes.Buffer
			if err := p.WriteHuman(&h); err != nil {
				t.Fatal(err)
			}
			if err := review.Markdown(&md, p, rb, review.Evidence{}); err != nil {
				t.Fatal(err)
			}
			base := strings.TrimSuffix(name, ".hcl")
			golden.Check(t, filepath.Join("testdata", base+".plan.txt"), h.Bytes())
			golden.Check(t, filepath.Join("testdata", base+".review.md"), md.Bytes())
			if len(p.Steps) == 0 {
				t.Error("the plan has no steps")
			}
		})
	}
}

// TestShippedReviewsRenderInChromium checks that the flowchart of every
// shipped runbook is valid Mermaid: the HTML review draws an SVG with a
// node for every step in headless Chromium.
func TestShippedReviewsRenderInChromium(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not on PATH; install it to run this test: apt-get install chromium")
	}
	if testing.Short() {
		t.Skip("starts a browser per runbook")
	}
	for _, name := range runbooks.Names() {
		t.Run(strings.TrimSuffix(name, ".hcl"), func(t *testing.T) {
			rb, diags := runbook.Load(runbook.FromFS(runbooks.FS), name, all.Registry())
			if diags.HasErrors() {
				t.Skipf("the runbook does not load yet: %s", diags.Error())
			}
			p, diags := plan.Build(t.Context(), rb, plan.Options{Vars: inputs(rb), EngineVersion: "test"})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			var html bytes.Buffer
			if err := review.HTML(&html, p, rb, review.Evidence{}); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			page := filepath.Join(dir, "review.html")
			if err := os.WriteFile(page, html.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			out, err := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
				"--disable-background-networking", "--disable-component-update", "--disable-sync",
				"--user-data-dir="+filepath.Join(dir, "profile"), "--virtual-time-budget=10000", "--dump-dom", "file://"+page).Output()
			if err != nil {
				t.Fatalf("chromium: %v", err)
			}
			dom := string(out)
			i, j := strings.Index(dom, "<svg"), strings.LastIndex(dom, "</svg>")
			if i < 0 || j < i {
				t.Fatal("no <svg> drawn by mermaid")
			}
			svg := dom[i:j]
			if strings.Contains(svg, "Syntax error") {
				t.Fatal("mermaid reported a syntax error")
			}
			for _, s := range p.AllSteps() {
				if !strings.Contains(svg, s.Name) {
					t.Errorf("no node for step %s", s.Name)
				}
			}
		})
	}
}
