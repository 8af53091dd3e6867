package plan_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/engine/plan/plantest"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/internal/golden"
	"github.com/batonhq/baton/steps"
	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"
)

func build(t *testing.T, rb *runbook.Runbook, vars map[string]cty.Value, refresh func(context.Context, *runbook.Step, cty.Value) (cty.Value, error)) *plan.Plan {
	t.Helper()
	p, diags := plan.Build(t.Context(), rb, plan.Options{
		Vars: vars, Refresh: refresh, Target: "fixture:contoso/healthy", EngineVersion: "0.1.0-test",
	})
	if diags.HasErrors() {
		t.Fatalf("planning: %s", diags.Error())
	}
	return p
}

func human(t *testing.T, p *plan.Plan) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := p.WriteHuman(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jsonOf(t *testing.T, p *plan.Plan) []byte {
	t.Helper()
	b, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type planCase struct {
	name    string
	path    string
	vars    map[string]cty.Value
	refresh func(context.Context, *runbook.Step, cty.Value) (cty.Value, error)
}

func cases() []planCase {
	down := plantest.Healthy
	down.Reachable = false
	cas := plantest.Healthy
	cas.Type = "secondary"
	unhealthy := plantest.Healthy
	unhealthy.Healthy = false
	dps := map[string]cty.Value{"site_code": cty.StringVal("PS1"),
		"distribution_points": cty.ListVal([]cty.Value{cty.StringVal("dp01.contoso.com"), cty.StringVal("dp02.contoso.com")})}
	return []planCase{
		{name: "failover", path: "runbooks/failover", vars: plantest.Vars()},
		{name: "failover_refresh", path: "runbooks/failover", vars: plantest.Vars(), refresh: plantest.Refresh(plantest.Healthy)},
		{name: "failover_refresh_down", path: "runbooks/failover", vars: plantest.Vars(), refresh: plantest.Refresh(down)},
		{name: "failover_refresh_failed", path: "runbooks/failover", vars: plantest.Vars(), refresh: plantest.Refresh(cas, "passive_ok")},
		{name: "foreach", path: "runbooks/foreach/main.hcl", vars: dps},
		{name: "foreach_refresh", path: "runbooks/foreach/main.hcl", vars: dps, refresh: plantest.Refresh(plantest.Healthy)},
		{name: "checksonly", path: "runbooks/checksonly/main.hcl", vars: map[string]cty.Value{}},
		{name: "checksonly_refresh", path: "runbooks/checksonly/main.hcl", vars: map[string]cty.Value{}, refresh: plantest.Refresh(unhealthy)},
	}
}

func TestGolden(t *testing.T) {
	for _, c := range cases() {
		t.Run(c.name, func(t *testing.T) {
			rb := plantest.Load(t, c.path)
			p := build(t, rb, c.vars, c.refresh)
			h, j := human(t, p), jsonOf(t, p)
			golden.Check(t, filepath.Join("testdata", c.name+".txt"), h)
			golden.Check(t, filepath.Join("testdata", c.name+".json"), j)
			for what, b := range map[string][]byte{"human": h, "json": j} {
				if plantest.ContainsCanary(b) {
					t.Errorf("the %s rendering holds the canary secret", what)
				}
			}
			if p.Digest() != p.PlanDigest {
				t.Errorf("Digest() = %s, built with %s", p.Digest(), p.PlanDigest)
			}
		})
	}
}

func TestRefreshDecidesBranches(t *testing.T) {
	rb := plantest.Load(t, "runbooks/failover")
	action := func(p *plan.Plan, name string) string {
		t.Helper()
		s := p.Step(name)
		if s == nil {
			t.Fatalf("no step %s in the plan", name)
		}
		return s.Action
	}

	noRefresh := build(t, rb, plantest.Vars(), nil)
	for _, n := range []string{"promote", "force_promote"} {
		if got := action(noRefresh, n); got != plan.MayRun {
			t.Errorf("without refresh, %s: %s, want may run", n, got)
		}
	}
	if s := noRefresh.Step("promote"); !slicesEqual(s.DecidedBy, []string{"step.probe_active.output.reachable"}) {
		t.Errorf("promote decided by %v, want the probe's reachable fact", s.DecidedBy)
	}
	if noRefresh.PreflightFailed() || !noRefresh.HasChanges() {
		t.Errorf("without refresh: PreflightFailed %v, HasChanges %v; want false, true", noRefresh.PreflightFailed(), noRefresh.HasChanges())
	}
	if got := noRefresh.ExitCode(true); got != plan.ExitChanges {
		t.Errorf("exit code %d, want %d", got, plan.ExitChanges)
	}

	healthy := build(t, rb, plantest.Vars(), plantest.Refresh(plantest.Healthy))
	if a, b := action(healthy, "promote"), action(healthy, "force_promote"); a != plan.WillRun || b != plan.WillNotRun {
		t.Errorf("reachable active server: promote %s, force_promote %s; want will run, will not run", a, b)
	}
	if d := healthy.Step("active_reachable").Decision; d == nil || d.Value != "true" {
		t.Errorf("decision value %+v, want true", d)
	}
	if b := healthy.Backout.Steps; len(b) != 2 || b[0].Name != "promote_back" || b[0].Action != plan.MayRun {
		t.Errorf("back-out path %v", names(b))
	}

	down := plantest.Healthy
	down.Reachable = false
	downPlan := build(t, rb, plantest.Vars(), plantest.Refresh(down))
	if a, b := action(downPlan, "promote"), action(downPlan, "force_promote"); a != plan.WillNotRun || b != plan.WillRun {
		t.Errorf("unreachable active server: promote %s, force_promote %s; want will not run, will run", a, b)
	}
	if s := downPlan.Backout.Steps[0]; s.Name != "promote_back" || s.Action != plan.WillNotRun {
		t.Errorf("promote_back %s, want will not run (promote will not run)", s.Action)
	}

	failing := plantest.Healthy
	failing.Type = "secondary"
	failed := build(t, rb, plantest.Vars(), plantest.Refresh(failing))
	c := failed.Step("site_type").Check
	if c == nil || c.Status != plan.CheckFailed || !c.Blocks || !strings.Contains(c.Message, "this site is secondary") {
		t.Errorf("site_type check %+v, want a blocking failure with the assertion message", c)
	}
	if !failed.PreflightFailed() || failed.ExitCode(true) != plan.ExitPreflightFailed || failed.ExitCode(false) != plan.ExitPreflightFailed {
		t.Errorf("PreflightFailed %v, exit %d", failed.PreflightFailed(), failed.ExitCode(true))
	}
	if got := action(failed, "probe_active"); got != plan.WillNotRun {
		t.Errorf("probe_active after a failed site_type: %s, want will not run", got)
	}

	errPlan := build(t, rb, plantest.Vars(), plantest.Refresh(plantest.Healthy, "passive_ok"))
	if c := errPlan.Step("passive_ok").Check; c == nil || c.Status != plan.CheckError || strings.Contains(c.Message, plantest.Canary) {
		t.Errorf("passive_ok check %+v, want an error without the secret", c)
	}
}

func TestChecksOnlyHasNoChanges(t *testing.T) {
	rb := plantest.Load(t, "runbooks/checksonly/main.hcl")
	p := build(t, rb, nil, nil)
	if p.HasChanges() || p.ExitCode(true) != plan.ExitNoChanges {
		t.Errorf("HasChanges %v, exit %d; want false, 0", p.HasChanges(), p.ExitCode(true))
	}
	unhealthy := plantest.Healthy
	unhealthy.Healthy = false
	p = build(t, rb, nil, plantest.Refresh(unhealthy))
	if c := p.Step("site_health").Check; c == nil || c.Status != plan.CheckFailed || c.Blocks {
		t.Errorf("site_health %+v: want failed, not blocking (on_failure = continue)", c)
	}
	if p.PreflightFailed() {
		t.Error("a failed check with on_failure = continue must not fail the preflight")
	}
}

func TestDigestIsSemantic(t *testing.T) {
	rb := plantest.Load(t, "runbooks/failover")
	a := build(t, rb, plantest.Vars(), nil)
	b, _ := plan.Build(t.Context(), rb, plan.Options{Vars: plantest.Vars(), Target: "fixture:contoso/healthy", EngineVersion: "0.1.0-test",
		Now: func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }})
	if a.Digest() != b.Digest() {
		t.Error("the time of planning changed the digest")
	}
	if b.PlannedAt != "2026-03-01T12:00:00Z" {
		t.Errorf("PlannedAt %q", b.PlannedAt)
	}
	vars := plantest.Vars()
	vars["passive_server"] = cty.StringVal("cm03.contoso.com")
	c := build(t, rb, vars, nil)
	if a.Digest() == c.Digest() {
		t.Error("a different input gave the same digest")
	}
	d := build(t, rb, plantest.Vars(), plantest.Refresh(plantest.Healthy))
	if a.Digest() == d.Digest() {
		t.Error("a refreshed plan has the same digest as an unrefreshed one")
	}
}

func TestSaveLoad(t *testing.T) {
	rb := plantest.Load(t, "runbooks/failover")
	p := build(t, rb, plantest.Vars(), plantest.Refresh(plantest.Healthy))
	path := filepath.Join(t.TempDir(), "change.plan")
	if err := p.Save(path); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("plan file mode %v, want 0600", fi.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	if plantest.ContainsCanary(raw) {
		t.Error("the saved plan file holds the canary secret")
	}
	q, err := plan.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, q); diff != "" {
		t.Errorf("round trip changed the plan (-saved +loaded):\n%s", diff)
	}
	if !bytes.Equal(human(t, p), human(t, q)) {
		t.Error("the loaded plan renders differently")
	}
	if err := q.CheckStale(rb, plantest.Vars(), "0.1.0-test"); err != nil {
		t.Errorf("fresh plan reported stale: %v", err)
	}
}

func TestLoadFileErrors(t *testing.T) {
	rb := plantest.Load(t, "runbooks/failover")
	p := build(t, rb, plantest.Vars(), nil)
	good, _ := p.JSON()
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		name    string
		content []byte
		want    error
		text    string
	}{
		{"truncated", good[:len(good)/2], plan.ErrNotPlan, "not valid JSON"},
		{"garbage", []byte("\x00\x01binary"), plan.ErrNotPlan, "not a text file"},
		{"foreign", []byte(`{"format_version":"1.2","planned_values":{}}`), plan.ErrNotPlan, `"type": "baton-plan"`},
		{"newer", []byte(`{"type":"baton-plan","format_version":"2.0"}`), plan.ErrNewerPlan, "upgrade baton"},
		{"edited", bytes.Replace(good, []byte(`"cm02.contoso.com`), []byte(`"cm09.contoso.com`), 1), plan.ErrPlanModified, "does not match digest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := plan.LoadFile(write(tt.name, tt.content))
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %v; want %v mentioning %q", err, tt.want, tt.text)
			}
		})
	}
	if _, err := plan.LoadFile(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// memFS is a map-backed runbook.FS.
type memFS map[string]string

func (m memFS) ReadFile(name string) ([]byte, error) {
	if s, ok := m[name]; ok {
		return []byte(s), nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

func TestCheckStale(t *testing.T) {
	rb := plantest.Load(t, "runbooks/failover")
	p := build(t, rb, plantest.Vars(), nil)

	src := func(rb *runbook.Runbook) memFS {
		m := memFS{}
		for _, f := range rb.Files {
			v, _ := rb.Source(f)
			m[f] = string(v)
		}
		return m
	}
	edited := src(rb)
	edited["runbooks/failover/lib/preflight.hcl"] += "\n# reviewed\n"
	rbEdited, diags := runbook.Load(edited, "runbooks/failover/main.hcl", plantest.Registry())
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}

	secret := plantest.Vars()
	secret["sql_password"] = cty.StringVal("another-password").Mark(steps.Sensitive)
	changed := plantest.Vars()
	changed["passive_server"] = cty.StringVal("cm03.contoso.com")
	delete(changed, "window_end")
	changed["extra"] = cty.StringVal("x")

	tests := []struct {
		name   string
		rb     *runbook.Runbook
		vars   map[string]cty.Value
		engine string
		want   []string // substrings of the error; nil: not stale
	}{
		{"unchanged", rb, plantest.Vars(), "0.1.0-test", nil},
		{"file edited", rbEdited, plantest.Vars(), "0.1.0-test", []string{"files changed: lib/preflight.hcl"}},
		// A secret leaves no trace in the plan, so a changed one is not
		// seen (it does not change what the runbook does).
		{"sensitive input changed", rb, secret, "0.1.0-test", nil},
		{"inputs", rb, changed, "0.1.0-test", []string{"inputs changed: passive_server", "inputs added: extra", "inputs removed: window_end"}},
		{"engine", rb, plantest.Vars(), "0.2.0", []string{"engine version: planned with 0.1.0-test, applying with 0.2.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := p.CheckStale(tt.rb, tt.vars, tt.engine)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("unexpected: %v", err)
				}
				return
			}
			if !errors.Is(err, plan.ErrStale) {
				t.Fatalf("error %v, want ErrStale", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err.Error(), w)
				}
			}
			if strings.Contains(err.Error(), "another-password") || plantest.ContainsCanary([]byte(err.Error())) {
				t.Error("the error shows a secret")
			}
		})
	}
}

func TestCheckFacts(t *testing.T) {
	rb := plantest.Load(t, "runbooks/failover")
	planned := build(t, rb, plantest.Vars(), plantest.Refresh(plantest.Healthy))
	down := plantest.Healthy
	down.Reachable = false
	secondary := plantest.Healthy
	secondary.Type = "secondary"
	moved := plantest.Healthy
	moved.Active = "cm05.contoso.com"

	tests := []struct {
		name  string
		fresh *plan.Plan
		want  []plan.FactChange
	}{
		{"same facts", build(t, rb, plantest.Vars(), plantest.Refresh(plantest.Healthy)), nil},
		{"unrefreshed plan decides nothing", nil, nil},
		{"branch fact changed", build(t, rb, plantest.Vars(), plantest.Refresh(down)), []plan.FactChange{{
			Step: "probe_active", Path: "step.probe_active.output.reachable", Before: "true", After: "false",
			Decides: []string{"active_reachable", "force_promote", "promote"},
		}}},
		{"check result changed", build(t, rb, plantest.Vars(), plantest.Refresh(secondary)), []plan.FactChange{
			{Step: "probe_active", Path: "result", Before: "passed", After: "not run", Decides: []string{"active_reachable"}},
			{Step: "probe_active", Path: "step.probe_active.output.reachable", Before: "true", After: "(known at run time)",
				Decides: []string{"active_reachable", "force_promote", "promote"}},
			{Step: "site_type", Path: "result", Before: "passed", After: "failed (Only primary sites and CAS have passive site servers; this site is secondary.)",
				Decides: []string{"go_no_go", "probe_active", "promote_back"}},
		}},
		{"check error", build(t, rb, plantest.Vars(), plantest.Refresh(plantest.Healthy, "passive_ok")), []plan.FactChange{
			{Step: "passive_ok", Path: "result", Before: "passed", After: "error (login failed for password (sensitive): connection refused)", Decides: []string{"go_no_go"}},
		}},
		{"an observation that decides nothing", build(t, rb, plantest.Vars(), plantest.Refresh(moved)), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := planned
			fresh := tt.fresh
			if fresh == nil {
				base = build(t, rb, plantest.Vars(), nil)
				fresh = planned
			}
			got := base.CheckFacts(fresh)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("fact changes (-want +got):\n%s", diff)
			}
			err := plan.FactsError(got)
			if (err != nil) != (len(tt.want) > 0) || (err != nil && !errors.Is(err, plan.ErrFactsChanged)) {
				t.Errorf("FactsError: %v", err)
			}
		})
	}
}

func TestCanaryNeverShown(t *testing.T) {
	rb := plantest.Load(t, "runbooks/failover")
	for _, refresh := range []func(context.Context, *runbook.Step, cty.Value) (cty.Value, error){
		nil, plantest.Refresh(plantest.Healthy), plantest.Refresh(plantest.Healthy, "site_type", "passive_ok"),
	} {
		p := build(t, rb, plantest.Vars(), refresh)
		// The canary really flows into a step argument and a target.
		if s := p.Step("promote"); !strings.Contains(s.Details[0].Text, "-Password (sensitive)") {
			t.Errorf("promote's command %q does not show the password as (sensitive)", s.Details[0].Text)
		}
		if !strings.Contains(p.Targets[0].Details[0].Text, "(sensitive)") {
			t.Errorf("target details %q", p.Targets[0].Details[0].Text)
		}
		path := filepath.Join(t.TempDir(), "p.plan")
		if err := p.Save(path); err != nil {
			t.Fatal(err)
		}
		raw, _ := os.ReadFile(path)
		for what, b := range map[string][]byte{"human": human(t, p), "json": jsonOf(t, p), "file": raw} {
			if plantest.ContainsCanary(b) {
				t.Errorf("%s output holds the canary", what)
			}
		}
	}
}

func names(s []*plan.Step) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = x.Name
	}
	return out
}

func slicesEqual(a, b []string) bool { return cmp.Equal(a, b) }

// TestBuildInterrupted: a plan whose context ends (Ctrl-C) stops at the
// next step with one clear error and no plan, even mid-refresh.
func TestBuildInterrupted(t *testing.T) {
	rb := plantest.Load(t, "runbooks/failover")
	ctx, cancel := context.WithCancel(t.Context())
	refreshes := 0
	refresh := func(context.Context, *runbook.Step, cty.Value) (cty.Value, error) {
		refreshes++
		cancel() // the operator presses Ctrl-C during the first check
		return cty.NilVal, nil
	}
	p, diags := plan.Build(ctx, rb, plan.Options{Vars: plantest.Vars(), Refresh: refresh})
	if p != nil {
		t.Fatal("an interrupted plan returned a plan")
	}
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "Planning interrupted") {
		t.Fatalf("diagnostics %v, want Planning interrupted", diags)
	}
	if refreshes != 1 {
		t.Errorf("%d checks ran, want planning to stop after the first", refreshes)
	}
}

// TestUnreadableWindowIsAnError: a change window bound given as an input
// that is not an RFC 3339 time fails the plan instead of silently leaving
// the window out of what the board reads.
func TestUnreadableWindowIsAnError(t *testing.T) {
	fsys := memFS{"rb.hcl": `
runbook "t" {
  change {
    window {
      start = "2026-01-05T22:00:00Z"
      end   = var.window_end
    }
  }
}
variable "window_end" { type = string }
check "c" {
  uses = "probe"
  host = "cm01"
}`}
	rb, diags := runbook.Load(fsys, "rb.hcl", plantest.Registry())
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	for _, tt := range []struct{ value, want string }{
		{"2026-01-06 02:00", `is "2026-01-06 02:00", which is not a timestamp`},
		{"2026-01-06T02:00:00Z", ""},
		{"(null)", "not both"},
	} {
		vars := map[string]cty.Value{"window_end": cty.StringVal(tt.value)}
		if tt.value == "(null)" {
			vars["window_end"] = cty.NullVal(cty.String)
		}
		p, diags := plan.Build(t.Context(), rb, plan.Options{Vars: vars})
		if tt.want == "" {
			if diags.HasErrors() || p.Window == nil {
				t.Errorf("%s: %v, window %v", tt.value, diags, p.Window)
			}
			continue
		}
		if !diags.HasErrors() || !strings.Contains(diags.Error(), tt.want) {
			t.Errorf("%s: diagnostics %v, want %q", tt.value, diags, tt.want)
		}
	}
}

// TestRecheck: applying a saved plan refuses one made for a simulated
// site, one whose deciding facts changed, and one that needs checks run
// again without a target; a plan whose facts hold passes.
func TestRecheck(t *testing.T) {
	rb := plantest.Load(t, "runbooks/failover")
	saved := build(t, rb, plantest.Vars(), plantest.Refresh(plantest.Healthy))
	saved.Target = "live"
	down := plantest.Healthy
	down.Reachable = false
	opts := func(r func(context.Context, *runbook.Step, cty.Value) (cty.Value, error)) plan.Options {
		return plan.Options{Vars: plantest.Vars(), Refresh: r, EngineVersion: "0.1.0-test"}
	}
	simulated := *saved
	simulated.Target = "fixture:contoso/healthy"
	for _, tt := range []struct {
		name string
		p    *plan.Plan
		opts plan.Options
		want string // "" when the plan holds
	}{
		{"facts hold", saved, opts(plantest.Refresh(plantest.Healthy)), ""},
		{"a deciding fact changed", saved, opts(plantest.Refresh(down)), "step.probe_active.output.reachable"},
		{"made for a simulated site", &simulated, opts(plantest.Refresh(plantest.Healthy)), "simulated site"},
		{"no target to check against", saved, opts(nil), "no target"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.p.Recheck(t.Context(), rb, tt.opts)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("Recheck: %v, want %q", err, tt.want)
			}
		})
	}
}

// TestAllowedSignersBindThePlan: a runbook's allowed-signers file is one of
// its sources, so a plan approved with one file is stale once who may sign
// changes: applying it is refused, naming the file.
func TestAllowedSignersBindThePlan(t *testing.T) {
	const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0wmN/Cr3JXqmLW7u+g9pTh+wyqDHpSQEQQ5hpyhzFB"
	src := `
runbook "t" {
  allowed_signers = "ops/allowed_signers"
}
check "c" {
  uses = "probe"
  host = "cm01"
}`
	load := func(signers string) *runbook.Runbook {
		rb, diags := runbook.Load(memFS{"rb.hcl": src, "ops/allowed_signers": signers}, "rb.hcl", plantest.Registry())
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		return rb
	}
	p := build(t, load("cab-chair "+key+"\n"), nil, nil)
	if err := p.CheckStale(load("cab-chair "+key+"\n"), nil, "0.1.0-test"); err != nil {
		t.Fatalf("the same file: %v", err)
	}
	err := p.CheckStale(load("cab-chair,mallory "+key+"\n"), nil, "0.1.0-test")
	if err == nil || !strings.Contains(err.Error(), "allowed_signers") {
		t.Fatalf("a changed allowed-signers file: %v, want the plan refused naming the file", err)
	}
}

// TestForEachPlanned: a for_each over a list known at plan time plans one
// step per item, named as the run names them; over a list known only at
// run time, one step that may run once per item, decided by the facts
// the list comes from.
func TestForEachPlanned(t *testing.T) {
	rb := plantest.Load(t, "runbooks/foreach/main.hcl")
	vars := map[string]cty.Value{"site_code": cty.StringVal("PS1"),
		"distribution_points": cty.ListVal([]cty.Value{cty.StringVal("dp01.contoso.com"), cty.StringVal("dp01.contoso.com")})}
	if _, diags := plan.Build(t.Context(), rb, plan.Options{Vars: vars}); !diags.HasErrors() || !strings.Contains(diags.Error(), `lists "dp01.contoso.com" twice`) {
		t.Errorf("repeated items: %v, want an error naming the repeated item", diags)
	}
	vars["distribution_points"] = cty.ListVal([]cty.Value{cty.StringVal("dp02.contoso.com"), cty.StringVal("dp01.contoso.com")})
	tests := []struct {
		name    string
		refresh func(context.Context, *runbook.Step, cty.Value) (cty.Value, error)
		want    map[string]string // step -> action
		mayRun  string            // the step planned once, for every item
	}{
		{"list known at run time", nil, map[string]string{"roles": plan.WillRun, "reach_system": plan.MayRun,
			"set_dp[dp01.contoso.com]": plan.WillRun, "set_dp[dp02.contoso.com]": plan.WillRun, "done": plan.WillRun,
			"confirm_dp[dp01.contoso.com]": plan.WillRun, "confirm_dp[dp02.contoso.com]": plan.WillRun}, "reach_system"},
		{"list observed at plan time", plantest.Refresh(plantest.Healthy), map[string]string{"roles": plan.WillRun,
			"reach_system[cm02.contoso.com]": plan.WillRun, "reach_system[dp01.contoso.com]": plan.WillRun,
			"set_dp[dp01.contoso.com]": plan.WillRun, "set_dp[dp02.contoso.com]": plan.WillRun, "done": plan.WillRun,
			"confirm_dp[dp01.contoso.com]": plan.WillRun, "confirm_dp[dp02.contoso.com]": plan.WillRun}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := build(t, rb, vars, tt.refresh)
			got := map[string]string{}
			for _, s := range p.Steps {
				got[s.Name] = s.Action
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("actions (-want +got):\n%s", diff)
			}
			if tt.mayRun != "" {
				s := p.Step(tt.mayRun)
				if s.ForEach == nil || s.ForEach.Of != "" || !strings.HasPrefix(s.Reason, "one per item of { for r in step.roles.output.roles") ||
					!slicesEqual(s.DecidedBy, []string{"step.roles.output.roles"}) {
					t.Errorf("%s: %+v %q %v; want one step per item of the roles, decided by them", tt.mayRun, s.ForEach, s.Reason, s.DecidedBy)
				}
			}
			if m := p.Step("confirm_dp[dp02.contoso.com]").Manual; m == nil || m.Instructions != "Open the content status of dp02.contoso.com and confirm it validated its content." {
				t.Errorf("the instance's instructions: %+v, want them with its key", m)
			}
			if s := p.Step("set_dp[dp02.contoso.com]"); s.ForEach == nil || s.ForEach.Of != "set_dp" || s.ForEach.Key != "dp02.contoso.com" || !strings.Contains(s.Summary, `on "dp02.contoso.com"`) {
				t.Errorf("instance: %+v %q", s.ForEach, s.Summary)
			}
		})
	}
}

// TestForEachDurations: a for_each step's instances count in the estimate
// as their template's duration, and its dependents start after the
// instance that ends last (the first of equals), which the critical path
// names.
func TestForEachDurations(t *testing.T) {
	fsys := memFS{"rb.hcl": `
runbook "t" {}
variable "dps" {
  type    = list(string)
  default = ["dp01", "dp02"]
}
target "site" {
  type   = "fake_site"
  server = "cm01"
}
check "first" {
  uses              = "probe"
  host              = "cm01"
  expected_duration = "1m"
}
action "set" {
  uses              = "site_change"
  target            = target.site
  for_each          = var.dps
  setting           = each.value
  timeout           = "30m"
  expected_duration = "10m"
  depends_on        = [step.first]
}
check "done" {
  uses              = "probe"
  host              = "cm01"
  expected_duration = "5m"
  depends_on        = [step.set]
}`}
	rb, diags := runbook.Load(fsys, "rb.hcl", plantest.Registry())
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	p := build(t, rb, map[string]cty.Value{"dps": cty.ListVal([]cty.Value{cty.StringVal("dp01"), cty.StringVal("dp02")})}, nil)
	want := plan.Duration{ExpectedSeconds: 16 * 60, WorstCaseSeconds: p.Duration.WorstCaseSeconds,
		CriticalPath: []string{"first", "set[dp01]", "done"}, Notes: p.Duration.Notes}
	if diff := cmp.Diff(want, p.Duration); diff != "" {
		t.Errorf("duration (-want +got):\n%s", diff)
	}
	if p.Duration.WorstCaseSeconds < 31*60 {
		t.Errorf("worst case %ds leaves out the instances' 30m timeout", p.Duration.WorstCaseSeconds)
	}
}
