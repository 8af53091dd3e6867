package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/batonhq/baton/fixtures/capture/capturetest"
	"github.com/batonhq/baton/steps/configmgr"
	"github.com/batonhq/baton/steps/configmgr/live"
	"github.com/batonhq/baton/steps/configmgr/sim"
)

const captureRunbook = `runbook "capture_test" {
  title       = "Capture test"
  description = "Reads the site."
  version     = "1.0.0"
  owner       = "ops@contoso.com"
}

variable "sql_password" {
  type      = string
  sensitive = true
  default   = "S3cret-pw!"
}

target "site" {
  type         = "configmgr"
  site_code    = "PS1"
  sql_server   = "sql01.contoso.com"
  sql_auth     = "sql"
  sql_user     = "reader"
  sql_password = var.sql_password
  provider     = "cm01.contoso.com"
}

check "site" {
  uses        = "configmgr_site"
  description = "Reads the site."
}
`

// liveOpens replaces the live backend's opener with the canned site of
// capturetest (through the same go-sqlmock seam) and counts the opens.
func liveOpens(t *testing.T, data capturetest.Data) *int {
	t.Helper()
	n := 0
	configmgr.SetLiveOpener(func(_ context.Context, cfg configmgr.TargetConfig, log hclog.Logger) (configmgr.Site, error) {
		n++
		if cfg.SQLPassword != "S3cret-pw!" {
			t.Errorf("the target's password did not reach the opener")
		}
		return capturetest.NewLive(t, cfg, data), nil
	})
	t.Cleanup(func() { configmgr.SetLiveOpener(live.Open) })
	old := fixtureNow
	fixtureNow = func() time.Time { return capturetest.Now }
	t.Cleanup(func() { fixtureNow = old })
	return &n
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// TestFixtureCaptureCLI: baton fixture capture writes a fixture that
// rehearses, refuses to replace a file without --force, and leaves
// nothing behind when it fails.
func TestFixtureCaptureCLI(t *testing.T) {
	rbDir := t.TempDir()
	rb := filepath.Join(rbDir, "capture.hcl")
	if err := os.WriteFile(rb, []byte(captureRunbook), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("writes the fixture", func(t *testing.T) {
		opens := liveOpens(t, capturetest.Contoso())
		dir := t.TempDir()
		out := filepath.Join(dir, "site.hcl")
		code, stdout, stderr := runCLI(t, "fixture", "capture", rb, "-o", out, "--pseudonymise")
		if code != exitOK || *opens != 1 {
			t.Fatalf("exit %d, %d opens\nstdout:\n%s\nstderr:\n%s", code, *opens, stdout, stderr)
		}
		if want := "Captured site PS1 into " + out + " (0 warnings)"; !strings.Contains(stderr, want) || !strings.Contains(stderr, "--scenario as-captured") {
			t.Errorf("stderr lacks %q and the rehearse hint:\n%s", want, stderr)
		}
		if got := dirNames(t, dir); len(got) != 1 || got[0] != "site.hcl" {
			t.Errorf("directory holds %v, want only site.hcl", got)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"S3cret-pw!", "reader", "sql_password", "contoso.com"} {
			if strings.Contains(string(b), secret) {
				t.Errorf("the fixture contains %q", secret)
			}
		}
		fx, err := sim.Load(os.DirFS(dir), "site.hcl")
		if err != nil {
			t.Fatalf("sim.Load: %v", err)
		}
		if got := fx.Scenarios(); len(got) != 1 || got[0] != "as-captured" {
			t.Errorf("scenarios %v", got)
		}
		code, stdout, stderr = runCLI(t, "rehearse", "--quiet", "--state", filepath.Join(t.TempDir(), "s.db"),
			"runbooks/daily_monitoring.hcl", "--site", out, "--scenario", "as-captured")
		// The captured site's degraded link fails the daily check, as on
		// the live site; everything else passes.
		if code != exitError || !strings.Contains(stdout, "WOULD FAIL") || !strings.Contains(stdout, "Unhealthy replication links: SS1->PS1 Secondary Site Data (degraded)") ||
			!strings.Contains(stdout, "active site server server1.example.test") || strings.Count(stdout, ": failed:") != 1 {
			t.Errorf("rehearsal against the captured fixture: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
	})

	t.Run("refuses to replace without --force", func(t *testing.T) {
		opens := liveOpens(t, capturetest.Contoso())
		dir := t.TempDir()
		out := filepath.Join(dir, "site.hcl")
		if err := os.WriteFile(out, []byte("keep"), 0o600); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := runCLI(t, "fixture", "capture", rb, "-o", out)
		if code != exitError || !strings.Contains(stderr, "exists: pass --force to replace it") || *opens != 0 {
			t.Errorf("exit %d, %d opens, stderr:\n%s", code, *opens, stderr)
		}
		if b, _ := os.ReadFile(out); string(b) != "keep" {
			t.Errorf("the existing file was changed: %q", b)
		}
		code, _, stderr = runCLI(t, "fixture", "capture", rb, "-o", out, "--force")
		if code != exitOK {
			t.Fatalf("--force: exit %d\n%s", code, stderr)
		}
		if b, _ := os.ReadFile(out); !strings.HasPrefix(string(b), "# Captured by baton") {
			t.Errorf("--force did not replace the file: %q", b)
		}
		if got := dirNames(t, dir); len(got) != 1 {
			t.Errorf("directory holds %v, want only site.hcl", got)
		}
	})

	t.Run("a failed capture writes nothing", func(t *testing.T) {
		data := capturetest.Contoso()
		data.FailQuery = "roles"
		liveOpens(t, data)
		dir := t.TempDir()
		code, _, stderr := runCLI(t, "fixture", "capture", rb, "-o", filepath.Join(dir, "site.hcl"))
		if code != exitError || !strings.Contains(stderr, "query roles") {
			t.Errorf("exit %d, stderr:\n%s", code, stderr)
		}
		if got := dirNames(t, dir); len(got) != 0 {
			t.Errorf("a failed capture left %v", got)
		}
	})

	t.Run("usage errors", func(t *testing.T) {
		opens := liveOpens(t, capturetest.Contoso())
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"fixture", "capture", rb}, "-o FILE"},
			{[]string{"fixture", "capture", rb, "-o", "x.hcl", "--target", "sim"}, "reads a live site (--target live)"},
			{[]string{"fixture", "capture", rb, "-o", "x.hcl", "--target-block", "other"}, `no configmgr target "other"; its configmgr targets: site`},
			{[]string{"fixture", "snapshot"}, `unknown subcommand "snapshot"`},
		} {
			code, _, stderr := runCLI(t, c.args...)
			if code != exitError || !strings.Contains(stderr, c.want) {
				t.Errorf("%v: exit %d, stderr lacks %q:\n%s", c.args, code, c.want, stderr)
			}
		}
		if *opens != 0 {
			t.Errorf("%d opens on usage errors", *opens)
		}
		if code, out, _ := runCLI(t, "fixture", "--help"); code != exitOK || !strings.Contains(out, "baton fixture capture") {
			t.Errorf("fixture --help: exit %d\n%s", code, out)
		}
	})
}

// TestWriteFileAtomic: the file appears whole or not at all, and an
// existing one is kept without force.
func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.hcl")
	if err := writeFileAtomic(p, []byte("one"), false); err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(p, []byte("two"), false); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("replacing without force: %v", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "one" {
		t.Errorf("content %q, want one", b)
	}
	if err := writeFileAtomic(p, []byte("three"), true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "three" {
		t.Errorf("content %q, want three", b)
	}
	if got := dirNames(t, dir); len(got) != 1 {
		t.Errorf("directory holds %v", got)
	}
	if err := writeFileAtomic(filepath.Join(dir, "missing", "f.hcl"), []byte("x"), false); err == nil {
		t.Error("no error for a missing directory")
	}
}
