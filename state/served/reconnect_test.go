package served

import (
	"encoding/json"
	"errors"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/state"
)

func TestConnectWithoutServer(t *testing.T) {
	path := t.TempDir() + "/state.db"
	_, err := Connect(path, ConnectOptions{})
	if !errors.Is(err, ErrNoServer) || !strings.Contains(err.Error(), "baton state serve") {
		t.Errorf("Connect without a server: %v, want ErrNoServer saying how to start one", err)
	}
	spawnFails := func(string) error { return errors.New("no such program") }
	if _, err := Connect(path, ConnectOptions{Spawn: spawnFails}); err == nil || !strings.Contains(err.Error(), "no such program") {
		t.Errorf("Connect with a failing Spawn: %v", err)
	}
	silent := func(string) error { return nil }
	_, err = Connect(path, ConnectOptions{Spawn: silent, Wait: 20 * time.Millisecond})
	if !errors.Is(err, state.ErrBusy) {
		t.Errorf("Connect when the spawned server never comes: %v, want ErrBusy", err)
	}
}

func TestConnectSpawns(t *testing.T) {
	f := newFleet(t, ServeOptions{IdleTimeout: time.Minute})
	cl := f.connect()
	if n := f.spawned.Load(); n != 1 {
		t.Errorf("Spawn was called %d times, want 1", n)
	}
	create(t, cl, testRun("run-1"), "a")
}

// TestStaleAdvertisement: a server killed with kill -9 leaves its
// advertisement; Connect spawns a new server, which replaces it.
func TestStaleAdvertisement(t *testing.T) {
	f := newFleet(t, ServeOptions{IdleTimeout: time.Minute})
	abs := absPath(t, f.path)
	stale := advert{Endpoint: socketPath(abs), PID: 999999, Host: "ops1", Secret: "dead", Version: protocolVersion}
	if err := writeAdvert(abs, stale); err != nil {
		t.Fatal(err)
	}
	cl := f.connect()
	if n := f.spawned.Load(); n != 1 {
		t.Errorf("Spawn was called %d times, want 1", n)
	}
	if a, err := readAdvert(abs); err != nil || a.Secret == "dead" {
		t.Errorf("advertisement = %+v, %v; want the new server's", a, err)
	}
	if _, err := cl.Runs(); err != nil {
		t.Fatal(err)
	}
}

// TestHelloRefused: a connection without the advertised secret, or of
// another protocol version, is closed.
func TestHelloRefused(t *testing.T) {
	f := newFleet(t, ServeOptions{IdleTimeout: time.Minute})
	f.start()
	a, err := readAdvert(absPath(t, f.path))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		req  request
		want string
	}{
		{"wrong secret", hello(strings.Repeat("0", 64), protocolVersion), "secret"},
		{"empty secret", hello("", protocolVersion), "secret"},
		{"no hello", request{Op: opRuns}, "secret"},
		{"other version", hello(a.Secret, protocolVersion+1), "protocol"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc, err := net.Dial("unix", a.Endpoint)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
			enc, dec := json.NewEncoder(nc), json.NewDecoder(nc)
			if err := enc.Encode(tt.req); err != nil {
				t.Fatal(err)
			}
			var resp response
			if err := dec.Decode(&resp); err != nil || resp.Error == nil || !strings.Contains(resp.Error.Message, tt.want) {
				t.Fatalf("reply to the hello = %+v, %v; want a refusal about %q", resp, err, tt.want)
			}
			_ = enc.Encode(request{Op: opRuns})
			if err := dec.Decode(&resp); err == nil {
				t.Errorf("the refused connection answered a request: %+v", resp)
			}
		})
	}
}

func hello(secret string, version int) request {
	b, _ := json.Marshal(helloArgs{Secret: secret, Version: version})
	return request{Op: opHello, Args: b}
}

// TestReconnectAfterServerStops: the server stops between requests; the
// client's next reads and writes go to a new server it spawns.
func TestReconnectAfterServerStops(t *testing.T) {
	f := newFleet(t, ServeOptions{IdleTimeout: time.Minute})
	first := f.start()
	cl := f.connect()
	l := create(t, cl, testRun("run-1"), "a")
	if err := first.stop(t); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Run("run-1"); err != nil {
		t.Fatalf("Run after the server stopped: %v", err)
	}
	if n := f.spawned.Load(); n != 1 {
		t.Errorf("Spawn was called %d times, want 1", n)
	}
	second := f.last()
	if err := second.stop(t); err != nil {
		t.Fatal(err)
	}
	// A write first: the server did not read it, so it is sent again.
	if err := l.Append(entry("note")); err != nil {
		t.Fatalf("Append after the server stopped: %v", err)
	}
	if j, err := cl.Journal("run-1"); err != nil || len(j) != 2 {
		t.Errorf("Journal = %d entries, %v; want 2", len(j), err)
	}
}

// TestServerChurn: servers stop again and again while 4 goroutines write;
// no write fails and none is stored twice.
func TestServerChurn(t *testing.T) {
	f := newFleet(t, ServeOptions{IdleTimeout: time.Minute})
	f.start()
	cl := f.connect()
	l := create(t, cl, testRun("run-1"), "a")
	var written, total atomic.Int64
	stop := loop(4, func(int) error {
		if err := l.Append(entry("note")); err != nil {
			return err
		}
		written.Add(1)
		total.Add(1)
		return nil
	})
	for range 3 {
		waitFor(t, "writes", func() bool { return written.Load() > 10 })
		ts := f.last()
		written.Store(0)
		_ = ts.stop(t)
	}
	for _, err := range stop() {
		t.Errorf("write during server restarts: %v", err)
	}
	j, err := cl.Journal("run-1")
	if err != nil {
		t.Fatal(err)
	}
	notes := 0
	for _, e := range j {
		if e.Type == "note" {
			notes++
		}
	}
	if int64(notes) != total.Load() {
		t.Errorf("the journal holds %d notes; %d writes succeeded", notes, total.Load())
	}
	t.Logf("%d notes written across %d servers", notes, f.spawned.Load()+1)
	if _, err := cl.VerifyJournal("run-1"); err != nil {
		t.Error(err)
	}
}

// fakeServer advertises itself for path and accepts clients with its
// secret, then hands each connection to serve. It stands for a server
// that crashes: stop closes everything and leaves the advertisement.
func fakeServer(t *testing.T, path string, serve func(nc net.Conn, dec *json.Decoder)) (stop func()) {
	t.Helper()
	abs := absPath(t, path)
	ln, err := net.Listen("unix", socketPath(abs))
	if err != nil {
		t.Fatal(err)
	}
	if err := writeAdvert(abs, advert{Endpoint: socketPath(abs), PID: 999999, Secret: "fake", Version: protocolVersion}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, nc)
			mu.Unlock()
			dec := json.NewDecoder(nc)
			var req request
			if dec.Decode(&req) != nil {
				continue
			}
			res, _ := json.Marshal(helloResult{Version: protocolVersion})
			_ = json.NewEncoder(nc).Encode(response{Result: res})
			go serve(nc, dec)
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = ln.Close()
			mu.Lock()
			defer mu.Unlock()
			for _, nc := range conns {
				_ = nc.Close()
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// TestKilledBetweenRequests: the server dies while the client is idle;
// the client's next write goes to a new server.
func TestKilledBetweenRequests(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("relies on a write to a closed Unix socket failing at once")
	}
	f := newFleet(t, ServeOptions{IdleTimeout: time.Minute})
	kill := fakeServer(t, f.path, func(net.Conn, *json.Decoder) {})
	cl := f.connect()
	if n := f.spawned.Load(); n != 0 {
		t.Fatalf("Spawn was called %d times before the kill", n)
	}
	kill()
	create(t, cl, testRun("run-1"), "a")
	if n := f.spawned.Load(); n != 1 {
		t.Errorf("Spawn was called %d times, want 1", n)
	}
}

// TestBrokenMidRequest: the server dies after reading a request. A write
// may have been stored, so it fails with ErrBusy; a read is sent again to
// a new server.
func TestBrokenMidRequest(t *testing.T) {
	tests := []struct {
		name      string
		op        func(b state.Backend) error
		wantBusy  bool
		wantSpawn int32
	}{
		{"write", func(b state.Backend) error { return leaseOf(b, "run-1", 1).Append(entry("note")) }, true, 0},
		{"read", func(b state.Backend) error {
			_, err := b.Runs()
			return err
		}, false, 1},
		{"heartbeat", func(b state.Backend) error {
			err := leaseOf(b, "run-1", 1).Renew(t0)
			if errors.Is(err, state.ErrNotFound) {
				return nil // the new server has no such run: it was asked
			}
			return err
		}, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFleet(t, ServeOptions{IdleTimeout: time.Minute})
			var stop func()
			stop = fakeServer(t, f.path, func(nc net.Conn, dec *json.Decoder) {
				var req request
				if dec.Decode(&req) == nil {
					stop()
				}
			})
			cl := f.connect()
			err := tt.op(cl)
			if tt.wantBusy {
				if !errors.Is(err, state.ErrBusy) || !strings.Contains(err.Error(), "baton resume RUN") {
					t.Errorf("error = %v, want ErrBusy saying how to resume", err)
				}
			} else if err != nil {
				t.Errorf("error = %v, want the request answered by a new server", err)
			}
			if n := f.spawned.Load(); n != tt.wantSpawn {
				t.Errorf("Spawn was called %d times, want %d", n, tt.wantSpawn)
			}
		})
	}
}

// TestIdleExit: a server without clients exits after its idle timeout,
// and never while a client is connected.
func TestIdleExit(t *testing.T) {
	f := newFleet(t, ServeOptions{IdleTimeout: 5 * time.Millisecond})
	ts, err := f.open()
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-ts.done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a server without clients did not exit")
	}
	ts.done <- nil
	_ = ts.stop(t) // the caller of Serve closes the store
	if _, err := os.Stat(advertPath(absPath(t, f.path))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("advertisement after the idle exit: %v", err)
	}

	f = newFleet(t, ServeOptions{IdleTimeout: 25 * time.Millisecond})
	cl := f.connect() // spawns a server
	ts = f.last()
	for end := time.Now().Add(100 * time.Millisecond); time.Now().Before(end); {
		select {
		case <-ts.done:
			t.Fatal("the server exited under a connected client")
		default:
			time.Sleep(time.Millisecond)
		}
	}
	if _, err := cl.Runs(); err != nil {
		t.Fatal(err)
	}
	_ = cl.Close()
	select {
	case err := <-ts.done:
		ts.done <- err
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not exit after its last client closed")
	}
}

// TestStopDuringRequest: a connection stopped while a request is in
// progress answers it, then says it is closing; an idle one says so at
// once.
func TestStopDuringRequest(t *testing.T) {
	s, err := newServer(&state.Store{}, ServeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srv, cli := net.Pipe()
	defer cli.Close()
	sc := newServerConn(s, srv)
	if !sc.begin() {
		t.Fatal("begin refused before stop")
	}
	sc.stop() // busy: must not close yet
	got := make(chan []response, 1)
	go func() {
		dec := json.NewDecoder(cli)
		var rs []response
		for {
			var r response
			if dec.Decode(&r) != nil {
				got <- rs
				return
			}
			rs = append(rs, r)
		}
	}()
	if sc.reply(response{Result: json.RawMessage(`"done"`)}) {
		t.Error("reply after stop kept the connection")
	}
	if sc.begin() {
		t.Error("begin after stop accepted a request")
	}
	_ = srv.Close()
	rs := <-got
	if len(rs) != 2 || string(rs[0].Result) != `"done"` || !rs[1].Closing {
		t.Errorf("the client read %+v, want the answer then the closing notice", rs)
	}

	srv2, cli2 := net.Pipe()
	defer cli2.Close()
	go newServerConn(s, srv2).stop()
	var r response
	if err := json.NewDecoder(cli2).Decode(&r); err != nil || !r.Closing {
		t.Errorf("an idle connection's stop sent %+v, %v; want the closing notice", r, err)
	}
}
