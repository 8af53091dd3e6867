package azblob

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/batonhq/baton/state"
)

// blackHole is a TCP proxy in front of Azurite that can start swallowing
// traffic: connections are accepted and requests read, but nothing ever
// comes back, as when a firewall or a dead route drops the packets. That
// is harder than a stopped service, which refuses connections at once.
type blackHole struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	holing bool
	conns  map[net.Conn]bool
}

func newBlackHole(t *testing.T, target string) *blackHole {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &blackHole{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); b.set(true) })
	go b.serve()
	return b
}

func (b *blackHole) port() int { return b.ln.Addr().(*net.TCPAddr).Port }

// set switches the hole on or off; switching it on cuts every connection
// open through the proxy, so that clients must dial again, into the hole.
func (b *blackHole) set(on bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.holing = on
	if on {
		for c := range b.conns {
			c.Close()
		}
		clear(b.conns)
	}
}

func (b *blackHole) serve() {
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		b.mu.Lock()
		holing := b.holing
		if !holing {
			b.conns[c] = true
		}
		b.mu.Unlock()
		if holing {
			go func() { _, _ = io.Copy(io.Discard, c) }() // read, never answer
			continue
		}
		go b.forward(c)
	}
}

func (b *blackHole) forward(c net.Conn) {
	up, err := net.Dial("tcp", b.target)
	if err != nil {
		c.Close()
		return
	}
	go func() { _, _ = io.Copy(up, c); up.Close() }()
	_, _ = io.Copy(c, up)
	c.Close()
}

// TestBlackHoledService (without a spool): while the service swallows every request, each
// kind of call gives up within its retry budget with ErrBusy saying it
// cannot reach the store, never ErrLeaseLost and never a hang; when the
// route comes back the owner carries on with its lease, and the journal
// holds exactly what was written before and after.
func TestBlackHoledService(t *testing.T) {
	a := shared(t)
	hole := newBlackHole(t, a.Addr())
	proxied := *a
	proxied.Port = hole.port()
	retry := &policy.RetryOptions{MaxRetries: 1, RetryDelay: 50 * time.Millisecond, TryTimeout: 300 * time.Millisecond}
	s := openFresh(t, &proxied, Options{NoSpool: true}, pipeline{retry: retry})
	run := newRun("r1")
	run.LockKey = "site:BH1"
	l, err := s.CreateRun(run, pending("a", "gate"), ev("run.created", t0), state.CreateOptions{Owner: state.Self("alice", t0)})
	if err != nil {
		t.Fatal(err)
	}
	before, err := s.Journal("r1")
	if err != nil {
		t.Fatal(err)
	}

	hole.set(true)
	start := time.Now()
	done := state.StepRecord{Name: "a", Status: state.StepSucceeded, Attempt: 1}
	wantUnreachable(t, s, l, done, "did not answer in time")
	// Seven calls, each two attempts of 300 ms and a short delay.
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("the calls took %s to give up", d)
	}

	hole.set(false)
	after, err := s.Journal("r1")
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("the journal has %d entries after the outage, %d before: a call that gave up was half applied", len(after), len(before))
	}
	if err := l.Renew(t0.Add(time.Second)); err != nil {
		t.Fatalf("Renew after the outage: %v", err)
	}
	mustPut(t, l, t0, done)
	mustVerify(t, s, "r1")
	if h, err := s.Lock("site:BH1"); err != nil || h.RunID != "r1" {
		t.Errorf("Lock = %+v, %v", h, err)
	}
}
