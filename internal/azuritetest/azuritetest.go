// Package azuritetest starts Azurite, Microsoft's Azure Storage emulator,
// for tests of the team state backend: found through $BATON_AZURITE, PATH
// or node_modules under the repository root; a test without it skips
// unless BATON_REQUIRE_AZURITE=1 (CI), which fails it.
package azuritetest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// DevKey is Azurite's published development account key (not a secret).
const DevKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

// Instance is an azurite-blob process started for the tests.
type Instance struct {
	exe    string
	Port   int
	dir    string // "" for in-memory persistence
	cmd    *exec.Cmd
	out    *syncBuffer
	waited chan error // the process's exit
}

// ConnString is the development connection string of a.
func (a *Instance) ConnString() string {
	return fmt.Sprintf("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=%s;BlobEndpoint=http://127.0.0.1:%d/devstoreaccount1;", DevKey, a.Port)
}

// Find looks for azurite-blob: $BATON_AZURITE, PATH, then
// node_modules/.bin under the repository root.
func Find() (string, error) {
	if p := os.Getenv("BATON_AZURITE"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("BATON_AZURITE=%s: %w", p, err)
		}
		return p, nil
	}
	if p, err := exec.LookPath("azurite-blob"); err == nil {
		return p, nil
	}
	dir, err := os.Getwd()
	for err == nil {
		if _, serr := os.Stat(filepath.Join(dir, "go.mod")); serr == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the test directory")
		}
		dir = parent
	}
	if err != nil {
		return "", err
	}
	name := "azurite-blob"
	if runtime.GOOS == "windows" {
		name += ".cmd"
	}
	p := filepath.Join(dir, "node_modules", ".bin", name)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("not in PATH nor at %s", p)
	}
	return p, nil
}

// Need returns the azurite-blob executable, skipping tb without
// one unless BATON_REQUIRE_AZURITE=1 (CI), which fails it.
func Need(tb testing.TB) string {
	tb.Helper()
	exe, err := Find()
	if err == nil {
		return exe
	}
	msg := fmt.Sprintf("azurite-blob not found (%v): install it with `npm install azurite@3.35.0` at the repository root (3.35.0 runs on Node 20; later versions need Node >= 21), or set BATON_AZURITE to its path", err)
	if os.Getenv("BATON_REQUIRE_AZURITE") == "1" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
	return ""
}

// Start starts azurite-blob on 127.0.0.1:port (a free port when
// 0), in memory or on disk in dir, failing tb if it does not listen.
func Start(tb testing.TB, exe string, port int, dir string) *Instance {
	tb.Helper()
	if port == 0 {
		port = FreePort(tb)
	}
	a, err := Launch(exe, port, dir)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// Launch starts azurite-blob and waits (at most 30 s) until it
// accepts connections.
func Launch(exe string, port int, dir string) (*Instance, error) {
	args := []string{"--blobHost", "127.0.0.1", "--disableTelemetry", "--skipApiVersionCheck", "--silent"}
	if dir == "" {
		args = append(args, "--inMemoryPersistence")
	} else {
		args = append(args, "--location", dir)
	}
	return launch(exe, port, dir, args)
}

// LaunchArgs starts azurite-blob with exactly args (a command line a
// document shows, say) and --blobPort port, and waits (at most 30 s)
// until it accepts connections on 127.0.0.1:port; args must not name a
// port of their own.
func LaunchArgs(exe string, port int, args ...string) (*Instance, error) {
	for _, a := range args {
		if a == "--blobPort" || strings.HasPrefix(a, "--blobPort=") {
			return nil, fmt.Errorf("azurite-blob arguments %q name a port; LaunchArgs adds --blobPort %d", args, port)
		}
	}
	return launch(exe, port, "", args)
}

func launch(exe string, port int, dir string, args []string) (*Instance, error) {
	a := &Instance{exe: exe, Port: port, dir: dir, out: &syncBuffer{}, waited: make(chan error, 1)}
	args = append(args[:len(args):len(args)], "--blobPort", strconv.Itoa(port))
	a.cmd = exec.Command(exe, args...)
	a.cmd.Stdout, a.cmd.Stderr = a.out, a.out
	if err := a.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", exe, err)
	}
	go func() { a.waited <- a.cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", a.Addr(), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return a, nil
		}
		select {
		case err := <-a.waited:
			return nil, fmt.Errorf("azurite-blob exited (%v) before listening on %s:\n%s", err, a.Addr(), a.out)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			a.Stop()
			return nil, fmt.Errorf("azurite-blob did not listen on %s within 30 s:\n%s", a.Addr(), a.out)
		}
	}
}

func (a *Instance) Addr() string { return "127.0.0.1:" + strconv.Itoa(a.Port) }

// Stop kills the process and waits for it.
func (a *Instance) Stop() {
	if a.cmd == nil || a.cmd.Process == nil {
		return
	}
	_ = a.cmd.Process.Kill()
	<-a.waited
	a.cmd = nil
}

// Shutdown stops the process as a service manager would (SIGTERM), so
// that Azurite saves its on-disk database (it autosaves only every 5 s),
// and kills it if it has not exited within 10 s.
func (a *Instance) Shutdown() {
	if a.cmd == nil || a.cmd.Process == nil {
		return
	}
	if a.cmd.Process.Signal(syscall.SIGTERM) == nil {
		select {
		case <-a.waited:
			a.cmd = nil
			return
		case <-time.After(10 * time.Second):
		}
	}
	a.Stop()
}

func FreePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// syncBuffer collects a process's output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
