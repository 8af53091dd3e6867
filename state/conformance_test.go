package state_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/batonhq/baton/state"
	"github.com/batonhq/baton/state/statetest"
	bolt "go.etcd.io/bbolt"
)

// TestConformance proves the bbolt Store keeps the state contract.
func TestConformance(t *testing.T) {
	statetest.Run(t, statetest.Harness{
		Open: func(t *testing.T) state.Backend {
			path := filepath.Join(t.TempDir(), "state.db")
			s, err := state.Open(path, state.Options{})
			if err != nil {
				t.Fatal(err)
			}
			// Registered before the suite's Close, so it runs after it.
			t.Cleanup(func() { checkBolt(t, path) })
			return s
		},
		EditStepRecord: func(t *testing.T, b state.Backend, runID, step string, edit func(*state.StepRecord)) {
			t.Helper()
			if err := state.EditStepRecordRaw(b.(*state.Store), runID, step, edit); err != nil {
				t.Fatal(err)
			}
		},
		Raw: func(t *testing.T, b state.Backend) []byte {
			t.Helper()
			// bbolt writes with pwrite and fsync and locks no data byte
			// (on Windows it locks the byte at offset 2^64-1), so the file
			// can be read while the Store holds it.
			raw, err := os.ReadFile(b.(*state.Store).Path())
			if err != nil {
				t.Fatal(err)
			}
			return raw
		},
	})
}

// checkBolt runs bbolt's own consistency check on a closed state file.
func checkBolt(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: state.DefaultTimeout})
	if err != nil {
		t.Errorf("check %s: %v", path, err)
		return
	}
	defer db.Close()
	if err := db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	}); err != nil {
		t.Errorf("tx.Check of %s: %v", path, err)
	}
}
