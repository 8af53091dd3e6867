// Package plantest provides what the plan and review tests share: a small
// registry of fake step and target types (a read-only fact kind, a probe
// and a mutating change kind, with Describe output), test runbooks, and a
// fake Refresh function. It is for tests only.
package plantest

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// Canary is the secret planted in tests; it must appear in no output.
const Canary = "CANARY-s3cr3t-4242"

//go:embed runbooks
var files embed.FS

// Kind is a fake step type.
type Kind struct {
	KindName  string
	Eff       steps.Effect
	Target    string
	Args      hcldec.ObjectSpec
	Out       cty.Type
	Describer func(args cty.Value) steps.Description
}

func (k *Kind) Name() string         { return k.KindName }
func (k *Kind) Doc() string          { return "test kind " + k.KindName }
func (k *Kind) Effect() steps.Effect { return k.Eff }
func (k *Kind) TargetType() string   { return k.Target }
func (k *Kind) Spec() hcldec.Spec    { return k.Args }
func (k *Kind) OutputType() cty.Type { return k.Out }
func (k *Kind) Describe(args cty.Value) steps.Description {
	return k.Describer(args)
}
func (k *Kind) Run(context.Context, steps.Request) (cty.Value, error) {
	return cty.NilVal, errors.New("test kinds never run")
}

// SecretSink declares an argument named password a secret sink.
func (k *Kind) SecretSink(p cty.Path) bool { return len(p) == 1 && steps.PathAttr(p) == "password" }

// TargetKind is a fake target type.
type TargetKind struct{}

func (TargetKind) Name() string { return "fake_site" }
func (TargetKind) Doc() string  { return "test target" }
func (TargetKind) Spec() hcldec.Spec {
	return hcldec.ObjectSpec{
		"server":   &hcldec.AttrSpec{Name: "server", Type: cty.String, Required: true},
		"password": &hcldec.AttrSpec{Name: "password", Type: cty.String},
	}
}
func (TargetKind) Describe(args cty.Value) steps.Description {
	d := steps.Description{Summary: "site server " + steps.Show(steps.Attr(args, "server"))}
	if pw := steps.Attr(args, "password"); !pw.IsNull() {
		d.Details = []steps.Detail{{Label: "credentials", Text: "password " + steps.Show(pw)}}
	}
	return d
}
func (TargetKind) Open(context.Context, cty.Value, hclog.Logger) (steps.Target, error) {
	return nil, errors.New("test targets never open")
}

func str(name string) *hcldec.AttrSpec {
	return &hcldec.AttrSpec{Name: name, Type: cty.String}
}

// Registry returns the fake types: site_fact (read-only, target
// fake_site), probe (read-only, no target), site_change (mutating,
// optional target) and the fake_site target type.
func Registry() *steps.Registry {
	reg := steps.NewRegistry()
	reg.Register(
		&Kind{KindName: "site_fact", Eff: steps.ReadOnly, Target: "fake_site",
			Out:  cty.Object(map[string]cty.Type{"type": cty.String, "active": cty.String, "passive": cty.String, "healthy": cty.Bool}),
			Args: hcldec.ObjectSpec{"server": str("server"), "fact": str("fact")},
			Describer: func(args cty.Value) steps.Description {
				fact := steps.Attr(args, "fact")
				if fact.IsNull() {
					fact = cty.StringVal("site")
				}
				return steps.Description{Summary: "read the " + steps.Show(fact) + " facts of the site"}
			}},
		&Kind{KindName: "probe", Eff: steps.ReadOnly, Out: cty.Object(map[string]cty.Type{"reachable": cty.Bool}),
			Args: hcldec.ObjectSpec{"host": &hcldec.AttrSpec{Name: "host", Type: cty.String, Required: true}},
			Describer: func(args cty.Value) steps.Description {
				return steps.Description{Summary: "probe " + steps.Show(steps.Attr(args, "host")) + " on TCP 443"}
			}},
		&Kind{KindName: "site_change", Eff: steps.Mutating, Target: "fake_site",
			Out: cty.Object(map[string]cty.Type{"job": cty.String}),
			Args: hcldec.ObjectSpec{
				"server": str("server"), "setting": &hcldec.AttrSpec{Name: "setting", Type: cty.String, Required: true},
				"value": str("value"), "password": str("password"),
			},
			Describer: func(args cty.Value) steps.Description {
				setting, value := steps.Show(steps.Attr(args, "setting")), steps.Show(steps.Attr(args, "value"))
				summary := fmt.Sprintf("set %s to %s", setting, value)
				if server := steps.Attr(args, "server"); !server.IsNull() {
					summary += " on " + steps.Show(server)
				}
				cmd := fmt.Sprintf("Set-SiteSetting -Name %s -Value %s", setting, value)
				if pw := steps.Attr(args, "password"); !pw.IsNull() {
					cmd += " -Password " + steps.Show(pw)
				}
				return steps.Description{Summary: summary, Details: []steps.Detail{{Label: "PowerShell", Text: cmd}}}
			}},
		&Kind{KindName: "configmgr_roles", Eff: steps.ReadOnly, Target: "fake_site",
			Out: cty.Object(map[string]cty.Type{
				"roles": cty.List(cty.Object(map[string]cty.Type{"site_code": cty.String, "server": cty.String, "role": cty.String})),
				"count": cty.Number,
			}),
			Args: hcldec.ObjectSpec{},
			Describer: func(cty.Value) steps.Description {
				return steps.Description{Summary: "list the site system roles of the hierarchy"}
			}},
	)
	reg.RegisterTarget(TargetKind{})
	return reg
}

// Load loads a test runbook and fails the test on any error diagnostic:
// "runbooks/failover" (a directory with an include),
// "runbooks/checksonly/main.hcl" or "runbooks/foreach/main.hcl".
func Load(t testing.TB, path string) *runbook.Runbook {
	t.Helper()
	rb, diags := runbook.Load(runbook.FromFS(files), path, Registry())
	if diags.HasErrors() {
		t.Fatalf("loading %s: %s", path, diags.Error())
	}
	return rb
}

// Vars are the failover runbook's inputs, the password being the canary.
func Vars() map[string]cty.Value {
	return map[string]cty.Value{
		"site_code":      cty.StringVal("PS1"),
		"passive_server": cty.StringVal("cm02.contoso.com"),
		"sql_password":   cty.StringVal(Canary).Mark(steps.Sensitive),
		"window_start":   cty.StringVal("2026-03-14T20:00:00Z"),
		"window_end":     cty.StringVal("2026-03-15T02:00:00Z"),
	}
}

// Site is a site as the fake site_fact kind reports it.
type Site struct {
	Type, Active, Passive string
	Healthy, Reachable    bool
}

// Healthy is a primary site whose active server answers.
var Healthy = Site{Type: "primary", Active: "cm01.contoso.com", Passive: "cm02.contoso.com", Healthy: true, Reachable: true}

// Refresh returns a fake Refresh function observing site. Steps named in
// fail return an error (which quotes the canary, to prove it is scrubbed).
func Refresh(site Site, fail ...string) func(context.Context, *runbook.Step, cty.Value) (cty.Value, error) {
	return func(_ context.Context, s *runbook.Step, _ cty.Value) (cty.Value, error) {
		if slices.Contains(fail, s.Name) {
			return cty.NilVal, fmt.Errorf("login failed for password %s: connection refused", Canary)
		}
		switch s.Uses {
		case "probe":
			return cty.ObjectVal(map[string]cty.Value{"reachable": cty.BoolVal(site.Reachable)}), nil
		case "configmgr_roles":
			role := func(site, server, role string) cty.Value {
				return cty.ObjectVal(map[string]cty.Value{"site_code": cty.StringVal(site), "server": cty.StringVal(server), "role": cty.StringVal(role)})
			}
			return cty.ObjectVal(map[string]cty.Value{"count": cty.NumberIntVal(3), "roles": cty.ListVal([]cty.Value{
				role("PS1", "dp01.contoso.com", "distribution point"),
				role("PS1", "cm02.contoso.com", "SMS Provider"),
				role("SS1", "ss01.contoso.com", "secondary site server"),
			})}), nil
		case "site_fact":
			return cty.ObjectVal(map[string]cty.Value{
				"type": cty.StringVal(site.Type), "active": cty.StringVal(site.Active),
				"passive": cty.StringVal(site.Passive), "healthy": cty.BoolVal(site.Healthy),
			}), nil
		}
		return cty.NilVal, fmt.Errorf("no fake for step type %s", s.Uses)
	}
}

// ContainsCanary reports whether b holds the canary's distinctive part
// (and so the canary).
func ContainsCanary(b []byte) bool { return bytes.Contains(b, []byte("s3cr3t")) }
