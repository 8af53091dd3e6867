// Package simsite adapts the simulated ConfigMgr site (steps/configmgr/sim)
// to a rehearsal's Site, so that package rehearse depends on no concrete
// step or target package.
package simsite

import (
	"fmt"

	"github.com/batonhq/baton/engine/rehearse"
	"github.com/batonhq/baton/steps"
	"github.com/batonhq/baton/steps/configmgr"
	"github.com/batonhq/baton/steps/configmgr/sim"
)

// Factory opens fx's scenarios as rehearsal sites, acting for the
// configmgr target type.
func Factory(fx *sim.Fixture) rehearse.SiteFactory {
	return func(scenario string, clk steps.Clock) (rehearse.Site, error) {
		s, err := sim.New(fx, scenario, clk)
		if err != nil {
			return nil, err
		}
		return site{s}, nil
	}
}

// State is the final state of the simulated site a report's rehearsal ran
// against; the zero State when the report holds none.
func State(rep *rehearse.Report) sim.State {
	st, _ := rep.FinalSite.(sim.State)
	return st
}

// simSite names the embedded field so that it does not hide the
// configmgr.Site method Site, which *sim.Site implements.
type simSite = sim.Site

// site is a *sim.Site seen as a rehearse.Site; every step still sees the
// whole simulated site through it.
type site struct{ *simSite }

var _ configmgr.Site = site{}

func (site) TargetType() string { return configmgr.TargetType }

func (s site) Events() []fmt.Stringer {
	var out []fmt.Stringer // nil when none, as Site.Events promises
	for _, e := range s.simSite.Events() {
		out = append(out, e)
	}
	return out
}

func (s site) State() any { return s.simSite.Snapshot() }
