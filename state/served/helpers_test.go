package served

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/state"
)

// t0 is the fixed clock of the tests.
var t0 = time.Date(2026, 11, 25, 21, 30, 0, 0, time.UTC)

// testServer is one in-process Serve over its own Store.
type testServer struct {
	st     *state.Store
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

// stop cancels Serve, waits for it and closes the store; it returns
// Serve's error.
func (ts *testServer) stop(t testing.TB) error {
	ts.once.Do(func() {
		ts.cancel()
		select {
		case ts.err = <-ts.done:
		case <-time.After(10 * time.Second):
			t.Errorf("Serve did not return within 10s of its context's cancellation")
		}
		if err := ts.st.Close(); err != nil {
			t.Errorf("close the store: %v", err)
		}
	})
	return ts.err
}

// fleet starts the servers of one state file: the first one, and those
// its clients spawn.
type fleet struct {
	t       testing.TB
	path    string
	opts    ServeOptions
	spawned atomic.Int32

	spawns sync.WaitGroup

	mu      sync.Mutex
	servers []*testServer
	errs    []error
	closed  bool // servers opened from now on close at once
}

func newFleet(t testing.TB, opts ServeOptions) *fleet {
	f := &fleet{t: t, path: filepath.Join(t.TempDir(), "state.db"), opts: opts}
	t.Cleanup(f.stopAll)
	return f
}

// start opens the store and serves it; it returns once the server answers.
func (f *fleet) start() *testServer {
	f.t.Helper()
	ts, err := f.open()
	if err != nil {
		f.t.Fatalf("open %s: %v", f.path, err)
	}
	waitServing(f.t, f.path)
	return ts
}

func (f *fleet) open() (*testServer, error) {
	st, err := state.Open(f.path, state.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, err
	}
	ts := &testServer{st: st}
	if !f.serveStore(ts) {
		return nil, errors.Join(errFleetClosed, st.Close())
	}
	return ts, nil
}

var errFleetClosed = errors.New("the test ended")

// serveStore runs Serve over ts.st in a goroutine, unless the test ended.
func (f *fleet) serveStore(ts *testServer) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	ctx, cancel := context.WithCancel(context.Background())
	ts.cancel, ts.done = cancel, make(chan error, 1)
	go func() { ts.done <- Serve(ctx, ts.st, f.opts) }()
	f.servers = append(f.servers, ts)
	return true
}

// spawn is a ConnectOptions.Spawn that starts an in-process server.
func (f *fleet) spawn(path string) error {
	if path != absPath(f.t, f.path) {
		return errors.New("spawn for another state file: " + path)
	}
	f.spawned.Add(1)
	f.spawns.Add(1)
	go func() {
		defer f.spawns.Done()
		if _, err := f.open(); err != nil && !errors.Is(err, errFleetClosed) {
			f.mu.Lock()
			f.errs = append(f.errs, err)
			f.mu.Unlock()
		}
	}()
	return nil
}

// stopAll stops every server, including those spare spawns open once
// the others let go of the file.
func (f *fleet) stopAll() {
	f.mu.Lock()
	f.closed = true
	servers := f.servers
	f.mu.Unlock()
	for _, ts := range servers {
		if err := ts.stop(f.t); err != nil {
			f.t.Errorf("Serve: %v", err)
		}
	}
	f.spawns.Wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, err := range f.errs {
		f.t.Errorf("spawned server: %v", err)
	}
}

// connect connects a client with the fleet's spawn; Close at cleanup.
func (f *fleet) connect() state.Backend {
	f.t.Helper()
	b, err := Connect(f.path, ConnectOptions{Spawn: f.spawn, Wait: 10 * time.Second})
	if err != nil {
		f.t.Fatalf("Connect: %v", err)
	}
	f.t.Cleanup(func() { _ = b.Close() })
	return b
}

// waitServing polls until a server of path answers a hello.
func waitServing(t testing.TB, path string) {
	t.Helper()
	c := &client{abs: absPath(t, path)}
	deadline := time.Now().Add(10 * time.Second)
	for {
		cn, err := c.tryDial()
		if err == nil {
			cn.close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no server answered for %s: %v", path, err)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitFor polls cond until it holds or 10s pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func absPath(t testing.TB, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func testRun(id string) state.Run {
	return state.Run{
		ID: id, Runbook: "site-failover", RunbookPath: "runbooks/failover.hcl",
		SourceDigest: "sha256:aa", Requester: "alice", Host: "ops1", PID: 4242,
		EngineVersion: "0.1.0", Status: state.RunRunning, CreatedAt: t0, UpdatedAt: t0,
		Inputs: map[string]string{"site": "a"},
	}
}

func entry(typ string) state.JournalEntry {
	return state.JournalEntry{At: t0, Type: typ, Actor: "engine"}
}

func pending(names ...string) []state.StepRecord {
	recs := make([]state.StepRecord, len(names))
	for i, n := range names {
		recs[i] = state.StepRecord{Name: n, Status: state.StepPending}
	}
	return recs
}

// create creates run (owned by alice in this process) with pending steps.
func create(t testing.TB, b state.Backend, run state.Run, steps ...string) state.Lease {
	t.Helper()
	l, err := b.CreateRun(run, pending(steps...), entry("run.created"),
		state.CreateOptions{Owner: state.Self("alice", t0)})
	if err != nil {
		t.Fatalf("CreateRun(%s): %v", run.ID, err)
	}
	return l
}

// gone is a holder that is provably gone an hour after t0: on another
// host, its heartbeat lapsed.
func gone() state.Holder {
	return state.Holder{Host: "elsewhere.invalid", PID: 77, User: "bob", Since: t0}
}

// leaseOf returns the lease runID/token through b, as the server sees it.
func leaseOf(b state.Backend, runID string, token uint64) state.Lease {
	switch b := b.(type) {
	case *client:
		return &clientLease{c: b, ref: leaseRef{RunID: runID, Token: token}}
	case *state.Store:
		return b.LeaseFor(runID, token)
	}
	return nil
}

// last returns the server started last.
func (f *fleet) last() *testServer {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.servers[len(f.servers)-1]
}

// loop runs n goroutines, each calling fn(i) with i = 0, 1, 2... until
// stop is called or fn fails; stop returns the failures.
func loop(n int, fn func(i int) error) (stop func() []error) {
	var done atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !done.Load(); i++ {
				if err := fn(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	return func() []error {
		done.Store(true)
		wg.Wait()
		close(errs)
		var out []error
		for err := range errs {
			out = append(out, err)
		}
		return out
	}
}
