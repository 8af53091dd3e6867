package runbook

import (
	"context"

	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// fakeKind is a step type for tests; it never runs.
type fakeKind struct {
	name   string
	effect steps.Effect
	target string
	spec   hcldec.Spec
	out    cty.Type
	sinks  []string // arguments declared secret sinks
}

func (k *fakeKind) Name() string                                          { return k.name }
func (k *fakeKind) Doc() string                                           { return "test kind " + k.name }
func (k *fakeKind) Effect() steps.Effect                                  { return k.effect }
func (k *fakeKind) TargetType() string                                    { return k.target }
func (k *fakeKind) Spec() hcldec.Spec                                     { return k.spec }
func (k *fakeKind) OutputType() cty.Type                                  { return k.out }
func (k *fakeKind) Describe(cty.Value) steps.Description                  { return steps.Description{Summary: k.name} }
func (k *fakeKind) Run(context.Context, steps.Request) (cty.Value, error) { return cty.NilVal, nil }
func (k *fakeKind) SecretSink(p cty.Path) bool                            { return steps.SinkAttrs(k.sinks...)(p) }

type fakeTarget struct {
	name string
	spec hcldec.Spec
}

func (t *fakeTarget) Name() string                         { return t.name }
func (t *fakeTarget) Doc() string                          { return "test target " + t.name }
func (t *fakeTarget) Spec() hcldec.Spec                    { return t.spec }
func (t *fakeTarget) Describe(cty.Value) steps.Description { return steps.Description{Summary: t.name} }
func (t *fakeTarget) Open(context.Context, cty.Value, hclog.Logger) (steps.Target, error) {
	return nil, nil
}

// testRegistry has a read-only fact kind with an object output, mutating
// action kinds and a configmgr-like target kind.
func testRegistry() *steps.Registry {
	siteOut := cty.Object(map[string]cty.Type{
		"type":      cty.String,
		"active":    cty.String,
		"passive":   cty.String,
		"reachable": cty.Bool,
		"servers":   cty.List(cty.String),
		"healthy":   cty.Bool,
	})
	reg := steps.NewRegistry()
	reg.Register(
		&fakeKind{name: "site_fact", effect: steps.ReadOnly, target: "fake_site", out: siteOut,
			spec: hcldec.ObjectSpec{
				"server": &hcldec.AttrSpec{Name: "server", Type: cty.String},
				"fact":   &hcldec.AttrSpec{Name: "fact", Type: cty.String},
			}},
		&fakeKind{name: "probe", effect: steps.ReadOnly, target: "", out: cty.Object(map[string]cty.Type{"reachable": cty.Bool}),
			spec: hcldec.ObjectSpec{"host": &hcldec.AttrSpec{Name: "host", Type: cty.String, Required: true}}},
		&fakeKind{name: "site_action", effect: steps.Mutating, target: "fake_site", sinks: []string{"password"},
			out: cty.Object(map[string]cty.Type{"job": cty.String}),
			spec: hcldec.ObjectSpec{
				"server":   &hcldec.AttrSpec{Name: "server", Type: cty.String},
				"password": &hcldec.AttrSpec{Name: "password", Type: cty.String},
				"count":    &hcldec.AttrSpec{Name: "count", Type: cty.Number},
				"option": &hcldec.BlockListSpec{TypeName: "option", Nested: hcldec.ObjectSpec{
					"name":  &hcldec.AttrSpec{Name: "name", Type: cty.String, Required: true},
					"value": &hcldec.AttrSpec{Name: "value", Type: cty.String},
				}},
			}},
		&fakeKind{name: "shell", effect: steps.Mutating, target: "", out: cty.DynamicPseudoType,
			spec: hcldec.ObjectSpec{"command": &hcldec.AttrSpec{Name: "command", Type: cty.String, Required: true}}},
	)
	reg.RegisterTarget(&fakeTarget{name: "fake_site", spec: hcldec.ObjectSpec{
		"site_code":    &hcldec.AttrSpec{Name: "site_code", Type: cty.String, Required: true},
		"server":       &hcldec.AttrSpec{Name: "server", Type: cty.String},
		"sql_password": &hcldec.AttrSpec{Name: "sql_password", Type: cty.String},
	}}, &fakeTarget{name: "fake_sql", spec: hcldec.ObjectSpec{
		"dsn": &hcldec.AttrSpec{Name: "dsn", Type: cty.String, Required: true},
	}})
	return reg
}
