package served

import (
	"os"
	"testing"
	"time"

	"github.com/batonhq/baton/state"
	"github.com/batonhq/baton/state/statetest"
)

// TestConformance proves the served client keeps the state contract. The
// tamper tests are skipped: the file is held by the server, and the
// Store's raw editing hook exists only in package state's tests.
func TestConformance(t *testing.T) {
	statetest.Run(t, statetest.Harness{
		Open: func(t *testing.T) state.Backend {
			f := newFleet(t, ServeOptions{IdleTimeout: time.Minute})
			f.start()
			b, err := Connect(f.path, ConnectOptions{Spawn: f.spawn})
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
		Raw: func(t *testing.T, b state.Backend) []byte {
			t.Helper()
			raw, err := os.ReadFile(b.(*client).abs)
			if err != nil {
				t.Fatal(err)
			}
			return raw
		},
	})
}
