package main

import (
	"os"
	"testing"
)

// TestMain lets the test binary act as baton when it starts itself, as
// commands do to start a state server (os.Executable is then the test
// binary): with BATON_TEST_AS_BATON set it runs the arguments as baton.
func TestMain(m *testing.M) {
	if os.Getenv("BATON_TEST_AS_BATON") == "1" {
		os.Exit(batonMain())
	}
	os.Setenv("BATON_TEST_AS_BATON", "1") // for the processes tests start
	os.Exit(m.Run())
}
