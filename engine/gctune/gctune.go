// Package gctune sets the Go garbage collector for baton's processes. They
// are short-lived (validate, plan, rehearse) or hold little memory (a run
// waiting on a site), so collecting less often buys speed: loading a
// 10,000-step runbook spends a quarter of its time collecting at Go's
// default. A soft memory limit keeps a huge runbook from growing the heap
// without bound: near it, the collector runs as often as it must.
package gctune

import (
	"os"
	"runtime/debug"
)

const (
	// Percent is the GOGC value baton runs with.
	Percent = 400
	// SoftLimit is the GOMEMLIMIT baton runs with, in bytes.
	SoftLimit = 1 << 30
)

// Apply sets Percent and SoftLimit, except where the GOGC or GOMEMLIMIT
// environment variables already say otherwise.
func Apply() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(Percent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(SoftLimit)
	}
}
