package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/batonhq/baton/steps"
	"github.com/batonhq/baton/steps/steptest"
)

// The in-process commands, and this test binary acting as baton, know the
// test-only step types too (a -tags batontest build has them already).
func init() {
	prod := registry
	registry = func() *steps.Registry {
		reg := prod()
		if _, ok := reg.Kind("noop_action"); !ok {
			reg.Register(steptest.Kinds()...)
		}
		return reg
	}
}

// TestMain lets the test binary act as baton when it starts itself, as
// commands do to start a state server (os.Executable is then the test
// binary): with BATON_TEST_AS_BATON set it runs the arguments as baton.
func TestMain(m *testing.M) {
	if os.Getenv("BATON_TEST_AS_BATON") == "1" {
		os.Exit(batonMain())
	}
	os.Setenv("BATON_TEST_AS_BATON", "1") // for the processes tests start
	pkgDir, _ = os.Getwd()                // tests may change directory before plainBaton builds
	code := m.Run()
	if plainDir != "" {
		os.RemoveAll(plainDir)
	}
	os.Exit(code)
}

// plainBaton is a baton binary built without the test binary's
// instrumentation: tests that start many baton processes (tortures,
// canaries, team scenarios) start it, so that under -race each process
// runs at the speed users see. The race detector still covers everything
// the tests run in process.
var (
	plainOnce sync.Once
	plainDir  string
	plainPath string
	plainErr  error
	pkgDir    string // this package's directory, where plainBaton builds
)

func plainBaton(t *testing.T) string {
	t.Helper()
	plainOnce.Do(func() {
		if plainDir, plainErr = os.MkdirTemp("", "baton-test-bin"); plainErr != nil {
			return
		}
		plainPath = filepath.Join(plainDir, "baton")
		// batontest: the binary knows the test-only step types
		// (noop_action, ledger_count) the spawned runbooks use.
		build := exec.Command("go", "build", "-tags", "batontest", "-o", plainPath, ".")
		build.Dir = pkgDir
		out, err := build.CombinedOutput()
		if err != nil {
			plainErr = &buildError{err: err, out: string(out)}
		}
	})
	if plainErr != nil {
		t.Fatalf("building baton for the processes this test starts: %v", plainErr)
	}
	return plainPath
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }
