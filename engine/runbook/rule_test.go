package runbook

import (
	"reflect"
	"testing"

	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

func TestDepsVerdict(t *testing.T) {
	const (
		ok    = DepSucceeded
		maybe = DepMaybe
		skip  = DepSkipped
		fail  = DepFailed
		wait  = DepPending
	)
	type deps = map[string]DepState
	ready := Verdict{Ready: true}
	for _, tc := range []struct {
		name   string
		step   Step
		deps   deps
		expect Verdict
	}{
		{"no deps", Step{}, nil, ready},
		{"all succeeded", Step{Deps: []string{"a", "b"}}, deps{"a": ok, "b": ok}, ready},
		{"one failed", Step{Deps: []string{"a", "b", "c"}}, deps{"a": ok, "b": fail, "c": skip},
			Verdict{Ready: true, Skip: true, Cause: SkipDependencyFailed, Failed: []string{"b"}}},
		{"every failure, in order", Step{Deps: []string{"a", "b", "c"}}, deps{"a": fail, "b": ok, "c": fail},
			Verdict{Ready: true, Skip: true, Cause: SkipDependencyFailed, Failed: []string{"a", "c"}}},
		{"failed before pending: skipped at once", Step{Deps: []string{"a", "b"}}, deps{"a": fail, "b": wait},
			Verdict{Ready: true, Skip: true, Cause: SkipDependencyFailed, Failed: []string{"a"}}},
		{"pending before failed: waits", Step{Deps: []string{"a", "b"}}, deps{"a": wait, "b": fail}, Verdict{}},
		{"pending", Step{Deps: []string{"a", "b"}}, deps{"a": ok, "b": wait}, Verdict{}},
		{"all skipped: branch not taken", Step{Deps: []string{"a", "b"}}, deps{"a": skip, "b": skip},
			Verdict{Ready: true, Skip: true, Cause: SkipBranch, Skipped: []string{"a", "b"}}},
		{"skipped and succeeded: runs", Step{Deps: []string{"a", "b"}}, deps{"a": skip, "b": ok}, ready},
		{"deps not on this path are left out", Step{Deps: []string{"a", "undo"}}, deps{"a": ok}, ready},
		{"no dep on this path: runs", Step{Deps: []string{"undo"}}, deps{}, ready},
		{"always, pending", Step{Always: true, Deps: []string{"a", "b"}}, deps{"a": fail, "b": wait}, Verdict{}},
		{"always, settled", Step{Always: true, Deps: []string{"a", "b", "c"}}, deps{"a": fail, "b": skip, "c": ok},
			Verdict{Ready: true, Always: true}},
		{"always, no deps", Step{Always: true}, nil, ready},
		{"maybe only", Step{Deps: []string{"a", "b"}}, deps{"a": maybe, "b": maybe},
			Verdict{Ready: true, Maybe: true, MaybeDeps: []string{"a", "b"}}},
		{"maybe and skipped: may run", Step{Deps: []string{"a", "b"}}, deps{"a": skip, "b": maybe},
			Verdict{Ready: true, Maybe: true, MaybeDeps: []string{"b"}}},
		{"maybe and succeeded: runs", Step{Deps: []string{"a", "b"}}, deps{"a": ok, "b": maybe}, ready},
		{"maybe and failed: skipped", Step{Deps: []string{"a", "b"}}, deps{"a": maybe, "b": fail},
			Verdict{Ready: true, Skip: true, Cause: SkipDependencyFailed, Failed: []string{"b"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := DepsVerdict(&tc.step, tc.deps); !reflect.DeepEqual(got, tc.expect) {
				t.Errorf("DepsVerdict = %+v, want %+v", got, tc.expect)
			}
		})
	}
}

func TestWhenSkips(t *testing.T) {
	for _, tc := range []struct {
		v           cty.Value
		skip, known bool
	}{
		{cty.True, false, true},
		{cty.False, true, true},
		{cty.NullVal(cty.Bool), true, true},
		{cty.False.Mark(steps.Sensitive), true, true},
		{cty.UnknownVal(cty.Bool), false, false},
	} {
		if skip, known := WhenSkips(tc.v); skip != tc.skip || known != tc.known {
			t.Errorf("WhenSkips(%#v) = %v, %v; want %v, %v", tc.v, skip, known, tc.skip, tc.known)
		}
	}
}

func TestEnvScope(t *testing.T) {
	a := &Step{Name: "a"}
	tmpl := &Step{Name: "t", Deps: []string{"a"}, ForEach: hcl.StaticExpr(cty.ListValEmpty(cty.String), hcl.Range{})}
	inst := Instances(tmpl, []Each{{Key: "k", Value: cty.StringVal("k")}})[0]
	rb := &Runbook{Steps: []*Step{a, tmpl, {Name: "b"}}, Targets: []*Target{{Name: "site", Type: "fake_site"}}}
	env := &Env{Vars: map[string]cty.Value{"x": cty.True}, Step: func(name string) (cty.Value, bool) {
		return cty.StringVal(name), name != "b"
	}}
	if sc := env.Scope(rb, nil, cty.NilVal); len(sc.Steps) != 2 || sc.Each != cty.NilVal || !sc.Targets["site"].RawEquals(TargetValues(rb)["site"]) {
		t.Errorf("runbook scope: steps %v, each %#v, targets %v", sc.Steps, sc.Each, sc.Targets)
	}
	self := cty.ObjectVal(map[string]cty.Value{"output": cty.True})
	sc := env.Scope(rb, tmpl, self)
	if len(sc.Steps) != 1 || !sc.Steps["a"].RawEquals(cty.StringVal("a")) || !sc.Self.RawEquals(self) || !sc.Each.RawEquals(UnknownEach) {
		t.Errorf("template scope: steps %v, self %#v, each %#v", sc.Steps, sc.Self, sc.Each)
	}
	if sc := env.Scope(rb, inst, cty.NilVal); !sc.Each.RawEquals(inst.Each.Object()) || sc.Self != cty.NilVal || len(sc.Steps) != 1 {
		t.Errorf("instance scope: each %#v", sc.Each)
	}
}
