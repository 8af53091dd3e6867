package review_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/engine/plan/plantest"
	"github.com/batonhq/baton/engine/review"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/internal/golden"
	"github.com/batonhq/baton/state"
	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"
)

// jsPlaceholder replaces the embedded mermaid.min.js in HTML goldens.
const jsPlaceholder = "/* mermaid.min.js (embedded; replaced in golden files) */"

func rehearsal(digest string) *review.Rehearsal {
	return &review.Rehearsal{
		RunID: "01JREHEARSAL0000000000000", Runbook: "site_failover", Fixture: "contoso/healthy", Outcome: "succeeded",
		PlanDigest: digest, VirtualDuration: 47 * time.Minute,
		Timeline: []review.TimelineEntry{
			{Offset: 0, Step: "site_type", Event: "succeeded"},
			{Offset: 30 * time.Second, Step: "go_no_go", Event: "approved by alice, bob (auto)"},
			{Offset: 11 * time.Minute, Step: "promote", Event: "succeeded"},
			{Offset: 11 * time.Minute, Step: "force_promote", Event: "skipped: condition is false"},
			{Offset: 46 * time.Minute, Step: "site_healthy", Event: "succeeded"},
		},
		Branches:    []review.Branch{{Decision: "active_reachable", Value: "true", Taken: []string{"promote"}, Skipped: []string{"force_promote"}}},
		Blocked:     []review.Blocked{{Step: "passive_ok", Message: "blocked once in scenario passive_down (expected)"}},
		JournalHead: "9f2c0000aaaabbbbccccddddeeeeffff0000111122223333444455556666777",
	}
}

type reviewCase struct {
	name    string
	refresh func(context.Context, *runbook.Step, cty.Value) (cty.Value, error)
	ev      bool
}

func reviewCases() []reviewCase {
	return []reviewCase{
		{name: "failover"},
		{name: "failover_refresh", refresh: plantest.Refresh(plantest.Healthy), ev: true},
	}
}

func planFor(t *testing.T, refresh func(context.Context, *runbook.Step, cty.Value) (cty.Value, error)) (*plan.Plan, *runbook.Runbook) {
	t.Helper()
	rb := plantest.Load(t, "runbooks/failover")
	p, diags := plan.Build(t.Context(), rb, plan.Options{Vars: plantest.Vars(), Refresh: refresh, Target: "fixture:contoso/healthy", EngineVersion: "0.1.0-test"})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return p, rb
}

func render(t *testing.T, p *plan.Plan, rb *runbook.Runbook, ev review.Evidence) (md, html []byte) {
	t.Helper()
	var m, h bytes.Buffer
	if err := review.Markdown(&m, p, rb, ev); err != nil {
		t.Fatal(err)
	}
	if err := review.HTML(&h, p, rb, ev); err != nil {
		t.Fatal(err)
	}
	return m.Bytes(), h.Bytes()
}

func TestGolden(t *testing.T) {
	for _, c := range reviewCases() {
		t.Run(c.name, func(t *testing.T) {
			p, rb := planFor(t, c.refresh)
			ev := review.Evidence{}
			if c.ev {
				ev = review.Evidence{GitCommit: "3f1c2d4e5f60718293a4b5c6d7e8f90112233445", Rehearsal: rehearsal(p.PlanDigest)}
			}
			md, html := render(t, p, rb, ev)
			golden.Check(t, filepath.Join("testdata", c.name+".md"), md)
			if !bytes.Contains(html, []byte(review.MermaidJS())) {
				t.Fatal("the HTML review does not embed mermaid.min.js")
			}
			golden.Check(t, filepath.Join("testdata", c.name+".html"), bytes.Replace(html, []byte(review.MermaidJS()), []byte(jsPlaceholder), 1))
		})
	}
}

var mermaidBlock = regexp.MustCompile("(?s)```mermaid\n(.*?)```")
var mermaidPre = regexp.MustCompile(`(?s)<pre class="mermaid">\n(.*?)</pre>`)

func unescapeHTML(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&amp;", "&", "&quot;", `"`).Replace(s)
}

func TestMarkdownAndHTMLShareTheGraph(t *testing.T) {
	p, rb := planFor(t, plantest.Refresh(plantest.Healthy))
	md, html := render(t, p, rb, review.Evidence{})
	a := mermaidBlock.FindSubmatch(md)
	b := mermaidPre.FindSubmatch(html)
	if a == nil || b == nil {
		t.Fatalf("mermaid block in Markdown: %v, in HTML: %v", a != nil, b != nil)
	}
	if got, want := unescapeHTML(string(b[1])), string(a[1]); got != want {
		t.Errorf("the HTML graph differs from the Markdown one:\n%s", cmp.Diff(want, got))
	}
	if want := review.Mermaid(p); string(a[1]) != want {
		t.Errorf("the Markdown graph is not Mermaid(p)")
	}
	for _, s := range p.AllSteps() {
		if !strings.Contains(string(a[1]), s.Name) {
			t.Errorf("the graph has no node for %s", s.Name)
		}
	}
}

func TestMermaidEscapesNames(t *testing.T) {
	p := &plan.Plan{Steps: []*plan.Step{
		{Name: "a-b", Class: "check", Action: plan.WillRun},
		{Name: "a_b", Class: "decision", Action: plan.WillRun, Deps: []string{"a-b"}, Decision: &plan.Choice{Condition: "x"}},
		{Name: "x", Class: "action", Action: plan.MayRun, Deps: []string{"a_b"}, Condition: "!step.a_b.output", PointOfNoReturn: true},
		{Name: "y", Class: "action", Action: plan.WillNotRun, Deps: []string{"a_b"}, Condition: "step.a_b.output"},
	}}
	got := review.Mermaid(p)
	for _, want := range []string{
		`n_a_b(["check: a-b"])`, `n_a_b_2{"a_b?"}`, `n_a_b_2 -->|no| n_x`, `n_a_b_2 -->|yes| n_y`,
		`n_x["action: x (point of no return)"]`, "class n_x pnr", "class n_x may", "class n_y skipped",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("graph lacks %q:\n%s", want, got)
		}
	}
	p.Steps[0].Name = `evil"]; click n_x "javascript:alert(1)`
	p.Steps[1].Deps = []string{p.Steps[0].Name}
	got = review.Mermaid(p)
	if strings.Contains(got, `"javascript`) || strings.Contains(got, `"]; click`) {
		t.Errorf("a step name broke out of its label:\n%s", got)
	}
	p.Steps[0].Name = `check_dp["dp1.contoso.com"]`
	p.Steps[1].Deps = []string{p.Steps[0].Name}
	got = review.Mermaid(p)
	for _, want := range []string{
		`n_check_dp__dp1_contoso_com__(["check: check_dp#91;#quot;dp1.contoso.com#quot;#93;"])`,
		`n_check_dp__dp1_contoso_com__ --> n_a_b`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("graph lacks %q:\n%s", want, got)
		}
	}
}

func TestCanaryNeverShown(t *testing.T) {
	for _, c := range reviewCases() {
		p, rb := planFor(t, c.refresh)
		md, html := render(t, p, rb, review.Evidence{Rehearsal: rehearsal(p.PlanDigest)})
		if plantest.ContainsCanary(md) || plantest.ContainsCanary(html) {
			t.Errorf("%s: a review holds the canary secret", c.name)
		}
	}
	p, rb := planFor(t, plantest.Refresh(plantest.Healthy, "passive_ok"))
	md, html := render(t, p, rb, review.Evidence{})
	if plantest.ContainsCanary(md) || plantest.ContainsCanary(html) {
		t.Error("a review of a plan with a failed check holds the canary secret")
	}
}

func TestReviewOfSavedPlanWithoutRunbook(t *testing.T) {
	p, _ := planFor(t, nil)
	path := filepath.Join(t.TempDir(), "p.plan")
	if err := p.Save(path); err != nil {
		t.Fatal(err)
	}
	q, err := plan.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := review.Markdown(&b, q, nil, review.Evidence{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "sha256:"+p.PlanDigest) {
		t.Error("the review of a saved plan lacks its digest")
	}
}

func TestPostImplementation(t *testing.T) {
	at := func(min int) time.Time {
		return time.Date(2026, 3, 14, 20, 0, 0, 0, time.UTC).Add(time.Duration(min) * time.Minute)
	}
	digest := "e80f079255e14370e7ef5d853d35c98398a9b981781896ece41b9199c273a882"
	run := state.Run{
		ID: "01JRUN00000000000000000000", Runbook: "site_failover", RunbookPath: "runbooks/failover/main.hcl", Version: "2.1.0",
		SourceDigest: "f259f732cd3d", PlanDigest: digest, InputsDigest: "9544f5ed",
		Inputs: map[string]string{"site_code": `"PS1"`, "sql_password": "(sensitive)"}, Target: "live",
		Requester: "dave", Host: "ops01", EngineVersion: "0.1.0-test", Status: state.RunSucceeded,
		CreatedAt: at(0), UpdatedAt: at(52), FinishedAt: at(52),
	}
	recs := []state.StepRecord{
		{Name: "site_type", Status: state.StepSucceeded, Attempt: 1, StartedAt: at(0), FinishedAt: at(1)},
		{Name: "go_no_go", Status: state.StepSucceeded, StartedAt: at(1), FinishedAt: at(9), Approvals: []state.Approval{
			{By: "alice", Decision: "approved", Comment: "preflight clean", At: at(5), PlanDigest: digest},
			{By: "bob", Decision: "approved", At: at(9), PlanDigest: "0000old"},
		}},
		{Name: "promote", Status: state.StepSucceeded, Attempt: 1, StartedAt: at(10), FinishedAt: at(26),
			Resolution: &state.Resolution{By: "alice", Decision: "succeeded", Reason: "cm02 is active in the console", At: at(25)}},
		{Name: "force_promote", Status: state.StepSkipped, Reason: "condition is false: !step.active_reachable.output", FinishedAt: at(10)},
	}
	journal := []state.JournalEntry{
		{Seq: 1, At: at(0), Type: "run.created", Actor: "dave", Hash: "h1"},
		{Seq: 2, At: at(5), Type: "answer.approve", Step: "go_no_go", Actor: "alice", Identity: `CONTOSO\alice (S-1-5-21-1004)`, Data: map[string]string{"plan_digest": digest[:12]},
			Answer: &state.Answer{Kind: state.AnswerApprove, By: "alice", Signed: []byte(`{"key_fingerprint":"SHA256:abc123"}`)}, Prev: "h1", Hash: "h2"},
		{Seq: 3, At: at(10), Type: "window.override", Step: "promote", Actor: "alice", Data: map[string]string{"reason": "CAB extended the window", "left": "40m"}, Prev: "h2", Hash: "h3"},
		{Seq: 4, At: at(10), Type: "step.intent", Step: "promote", Prev: "h3", Hash: "h4"},
		{Seq: 5, At: at(52), Type: "run.succeeded", Prev: "h4", Hash: "h5"},
	}
	var b bytes.Buffer
	if err := review.PostImplementation(&b, run, recs, journal, "h5"); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "postimpl.md"), b.Bytes())
	var bad bytes.Buffer
	if err := review.PostImplementation(&bad, run, recs, journal[:4], "h5"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(bad.String(), "does not match the head") {
		t.Error("a truncated journal was not flagged")
	}
}

func TestEmbeddedMermaidIsInlinable(t *testing.T) {
	js := strings.ToLower(review.MermaidJS())
	if len(js) < 1_000_000 {
		t.Fatalf("mermaid.min.js is %d bytes; refresh it with engine/review/assets/update.sh", len(js))
	}
	if strings.Contains(js, "<script") || strings.Contains(js, "</script") {
		t.Error("mermaid.min.js contains a script tag; it cannot be inlined in a <script> element")
	}
}

// TestHTMLRendersInChromium opens the HTML review in a real headless
// browser and checks that the embedded Mermaid drew the flowchart with a
// node for every step, offline.
func TestHTMLRendersInChromium(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not on PATH; install it to run this test: apt-get install chromium")
	}
	if testing.Short() {
		t.Skip("starts a browser")
	}
	p, rb := planFor(t, plantest.Refresh(plantest.Healthy))
	_, html := render(t, p, rb, review.Evidence{Rehearsal: rehearsal(p.PlanDigest)})
	dir := t.TempDir()
	page := filepath.Join(dir, "review.html")
	if err := os.WriteFile(page, html, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--virtual-time-budget=10000", "--dump-dom", "file://"+page)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	dom := string(out)
	i := strings.Index(dom, "<svg")
	j := strings.LastIndex(dom, "</svg>")
	if i < 0 || j < i {
		t.Fatalf("the dumped DOM has no <svg> drawn by mermaid; chromium said:\n%s", stderr.String())
	}
	svg := dom[i:j]
	if !strings.Contains(svg, "flowchart") {
		t.Error("the svg is not a mermaid flowchart")
	}
	for _, s := range p.AllSteps() {
		if !strings.Contains(svg, s.Name) {
			t.Errorf("the rendered flowchart has no node for step %s", s.Name)
		}
	}
	if strings.Contains(svg, "Syntax error") {
		t.Error("mermaid reported a syntax error")
	}
}
