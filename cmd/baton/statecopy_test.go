package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonhq/baton/internal/azuritetest"
)

// TestStateCopy: baton state copy moves ended runs into another store,
// verified there, and can be run again; into a team container too when
// Azurite is at hand.
func TestStateCopy(t *testing.T) {
	if testing.Short() {
		t.Skip("rehearses a runbook")
	}
	t.Chdir("../..")
	dir := t.TempDir()
	from := filepath.Join(dir, "from.db")
	code, _, stderr := runCLI(t, "rehearse", "runbooks/planned_promotion.hcl", "--site", "contoso", "--approve-all", "--state", from)
	if code != exitOK {
		t.Fatalf("rehearse: exit %d: %s", code, stderr)
	}
	targets := []string{filepath.Join(dir, "to.db")}
	if exe, err := azuritetest.Find(); err == nil {
		a := azuritetest.Start(t, exe, 0, "")
		t.Cleanup(a.Stop)
		t.Setenv("AZURE_STORAGE_CONNECTION_STRING", a.ConnString())
		targets = append(targets, "azblob://devstoreaccount1/copytest/team")
	} else if os.Getenv("BATON_REQUIRE_AZURITE") == "1" {
		t.Fatalf("Azurite is required here: %v", err)
	}
	for _, to := range targets {
		name := "file"
		if strings.HasPrefix(to, "azblob://") {
			name = "azblob"
		}
		t.Run(name, func(t *testing.T) {
			code, out, stderr := runCLI(t, "state", "copy", from, to)
			if code != exitOK || !strings.Contains(out, "copied ") {
				t.Fatalf("copy: exit %d\n%s%s", code, out, stderr)
			}
			code, out, _ = runCLI(t, "state", "copy", from, to)
			if code != exitOK || !strings.Contains(out, "already in") {
				t.Errorf("second copy: exit %d\n%s", code, out)
			}
			code, out, stderr = runCLI(t, "runs", "--state", to, "-json")
			var runs []struct{ ID, Status string }
			if code != exitOK || json.Unmarshal([]byte(out), &runs) != nil || len(runs) != 1 || runs[0].Status != "succeeded" {
				t.Fatalf("runs in the copy: exit %d %v\n%s%s", code, runs, out, stderr)
			}
			if code, out, stderr := runCLI(t, "journal", "verify", runs[0].ID, "--state", to); code != exitOK {
				t.Errorf("journal verify in the copy: exit %d\n%s%s", code, out, stderr)
			}
		})
	}
}
