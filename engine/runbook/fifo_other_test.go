//go:build !unix

package runbook

import "testing"

// mkfifo returns "skip": this system's file system has no FIFOs.
func mkfifo(*testing.T, string, string) string { return "skip" }
