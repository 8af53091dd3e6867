// Package runbooks holds the ConfigMgr site server high availability
// runbooks that ship with baton: HCL files a ConfigMgr team checks into
// git, has reviewed by its change board, validates, plans, rehearses
// against a simulated site and runs against a live one.
//
// Top-level files are runbooks (install_passive.hcl, planned_promotion.hcl,
// unplanned_failover.hcl, daily_monitoring.hcl, remove_passive.hcl); the
// files under lib/ are libraries they include (shared variables and
// target, preflight and readiness checks, post-promotion tasks). Every step
// names the ids of the domain reference (shared/domain/configmgr-ha.md) it
// implements; docs/runbooks.md describes each runbook.
package runbooks

import (
	"embed"
	"io/fs"
	"sort"
	"strings"
)

// FS holds the runbooks and their library files, with paths relative to
// this directory ("planned_promotion.hcl", "lib/preflight.hcl").
//
//go:embed *.hcl lib/*.hcl
var FS embed.FS

// Names returns the top-level runbook files of FS, sorted
// ("daily_monitoring.hcl", ...). Library files under lib/ are not
// runbooks and are not listed.
func Names() []string {
	entries, err := fs.ReadDir(FS, ".")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".hcl") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}
