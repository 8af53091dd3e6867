package azblob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/azuritetest"
)

// The harness lives in internal/azuritetest; these names keep the tests short.
type azurite = azuritetest.Instance

const devKey = azuritetest.DevKey

var (
	needAzurite   = azuritetest.Need
	startAzurite  = azuritetest.Start
	launchAzurite = azuritetest.Launch
	freePort      = azuritetest.FreePort
)

// The in-memory Azurite shared by the package's tests, stopped by TestMain.
var (
	sharedOnce sync.Once
	sharedAz   *azurite
	sharedErr  error
)

func shared(tb testing.TB) *azurite {
	tb.Helper()
	exe := needAzurite(tb)
	sharedOnce.Do(func() {
		var l net.Listener
		if l, sharedErr = net.Listen("tcp", "127.0.0.1:0"); sharedErr != nil {
			return
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		sharedAz, sharedErr = launchAzurite(exe, port, "")
	})
	if sharedErr != nil {
		tb.Fatalf("starting the shared Azurite: %v", sharedErr)
	}
	return sharedAz
}

func TestMain(m *testing.M) {
	// No test writes to the user's spool.
	if os.Getenv(SpoolEnv) == "" {
		dir, err := os.MkdirTemp("", "baton-spool")
		if err == nil {
			defer os.RemoveAll(dir)
			os.Setenv(SpoolEnv, dir+"/spool.db")
		}
	}
	code := m.Run()
	if sharedAz != nil {
		sharedAz.Stop()
	}
	os.Exit(code)
}

// openFresh opens a backend on a new container of a, closed with t.
func openFresh(tb testing.TB, a *azurite, opts Options, p ...pipeline) *store {
	tb.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	u := "azblob://devstoreaccount1/t" + hex.EncodeToString(b[:]) + "/team"
	return openURL(tb, a, u, opts, p...)
}

// openURL opens u on a, closed with tb, with the pipeline p[0] if given.
func openURL(tb testing.TB, a *azurite, u string, opts Options, p ...pipeline) *store {
	tb.Helper()
	opts.ConnectionString = a.ConnString()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var pl pipeline
	if len(p) > 0 {
		pl = p[0]
	}
	s, err := open(ctx, u, opts, pl)
	if err != nil {
		tb.Fatalf("Open(%s): %v", u, err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}
