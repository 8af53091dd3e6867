// Package all assembles the registry of every step and target type baton
// ships, for the CLI and for tests that load real runbooks.
package all

import (
	"github.com/batonhq/baton/steps"
	"github.com/batonhq/baton/steps/basic"
	"github.com/batonhq/baton/steps/configmgr"
	_ "github.com/batonhq/baton/steps/configmgr/live" // the live backend of the configmgr target
	"github.com/batonhq/baton/steps/execstep"
	"github.com/batonhq/baton/steps/httpstep"
	"github.com/batonhq/baton/steps/sqlstep"
)

// testKinds, when set, returns step types only the engine's tests use
// (steps/steptest); testkinds.go sets it in builds with the batontest tag,
// so that a production binary refuses them as unknown.
var testKinds func() []steps.Kind

// Registry returns a new registry holding every step and target type.
func Registry() *steps.Registry {
	reg := steps.NewRegistry()
	reg.Register(basic.Kinds()...)
	if testKinds != nil {
		reg.Register(testKinds()...)
	}
	reg.Register(sqlstep.Kinds()...)
	reg.Register(execstep.Kinds()...)
	reg.Register(httpstep.Kinds()...)
	reg.RegisterTarget(sqlstep.TargetKind{})

	configmgr.Register(reg)

	return reg
}
