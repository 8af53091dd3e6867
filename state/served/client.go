package served

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/batonhq/baton/state"
)

// DefaultWait bounds the wait for a state server to answer after
// ConnectOptions.Spawn started one, when ConnectOptions.Wait is zero.
const DefaultWait = 10 * time.Second

// ErrNoServer: no state server runs for the state file and
// ConnectOptions.Spawn is nil.
var ErrNoServer = errors.New("no baton state server runs for the state file")

// ConnectOptions configure Connect.
type ConnectOptions struct {
	// Spawn starts a state server for the state file (given as an
	// absolute path) when none answers, without waiting for it; see
	// Spawn. When nil, Connect fails with ErrNoServer instead.
	Spawn func(statePath string) error
	// Wait bounds the wait for a server to answer after Spawn; zero
	// means DefaultWait. It is liveness only: nothing depends on it.
	Wait time.Duration
	// Log receives messages about reconnections; nil discards them.
	Log hclog.Logger
}

const (
	maxIdleConns = 4 // connections kept open between calls
	maxAttempts  = 3 // of one request across reconnections
	dialTimeout  = 2 * time.Second
	maxPoll      = 10 * time.Millisecond // between looks for a new server
	respawnEvery = time.Second
)

// client is the state.Backend of a baton process that does not hold the
// state file: each call is a request to the state server.
type client struct {
	abs  string
	opts ConnectOptions
	log  hclog.Logger

	dialMu sync.Mutex // one dial (and spawn) at a time
	mu     sync.Mutex
	idle   []*clientConn
	closed bool
}

// Connect returns a state.Backend served by the state server of the
// state file at statePath, starting one with opts.Spawn if none answers.
// The Backend is safe for concurrent use and keeps a connection open until
// Close, so that the server stays up while it is in use.
func Connect(statePath string, opts ConnectOptions) (state.Backend, error) {
	if statePath == "" {
		return nil, errors.New("connect to the state server: no state file path given; set BATON_STATE or pass --state")
	}
	abs, err := filepath.Abs(statePath)
	if err != nil {
		return nil, fmt.Errorf("connect to the state server of %s: %w", statePath, err)
	}
	c := &client{abs: abs, opts: opts, log: opts.Log}
	if c.log == nil {
		c.log = hclog.NewNullLogger()
	}
	if c.opts.Wait <= 0 {
		c.opts.Wait = DefaultWait
	}
	cn, err := c.dial()
	if err != nil {
		return nil, err
	}
	c.idle = append(c.idle, cn)
	return c, nil
}

// Close closes the client's connections; the server exits on its own once
// it has had no client for its idle timeout.
func (c *client) Close() error {
	c.mu.Lock()
	idle := c.idle
	c.idle, c.closed = nil, true
	c.mu.Unlock()
	for _, cn := range idle {
		cn.close()
	}
	return nil
}

// get returns an open connection: an idle one, else a new one.
func (c *client) get() (*clientConn, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, fmt.Errorf("%w: the connection to the state server of %s was closed", state.ErrClosed, c.abs)
	}
	if n := len(c.idle); n > 0 {
		cn := c.idle[n-1]
		c.idle = c.idle[:n-1]
		c.mu.Unlock()
		return cn, nil
	}
	c.mu.Unlock()
	return c.dial()
}

// put returns a connection that answered to the idle pool.
func (c *client) put(cn *clientConn) {
	c.mu.Lock()
	keep := !c.closed && len(c.idle) < maxIdleConns
	if keep {
		c.idle = append(c.idle, cn)
	}
	c.mu.Unlock()
	if !keep {
		cn.close()
	}
}

// flush closes the idle connections, after one of them broke: they lead
// to the same server.
func (c *client) flush() {
	c.mu.Lock()
	idle := c.idle
	c.idle = nil
	c.mu.Unlock()
	for _, cn := range idle {
		cn.close()
	}
}

// dial connects to the advertised server, else spawns one and waits for
// it to answer.
func (c *client) dial() (*clientConn, error) {
	c.dialMu.Lock()
	defer c.dialMu.Unlock()
	cn, err := c.tryDial()
	if err == nil {
		return cn, nil
	}
	if c.opts.Spawn == nil {
		return nil, fmt.Errorf("%w %s (%v); start one with `baton state serve --state %s`", ErrNoServer, c.abs, err, c.abs)
	}
	if err := c.spawn(err); err != nil {
		return nil, err
	}
	return c.await(err)
}

func (c *client) spawn(reason error) error {
	c.log.Debug("starting a state server", "state", c.abs, "reason", reason)
	if err := c.opts.Spawn(c.abs); err != nil {
		return fmt.Errorf("start a state server for %s: %w; try `baton state serve --state %s` by hand to see why", c.abs, err, c.abs)
	}
	return nil
}

// await polls for the advertisement of a reachable server until
// c.opts.Wait has passed. It spawns again every respawnEvery: the server
// started may have failed, or come and gone idle before this client
// reached it (a spare one exits, as it cannot get the file).
func (c *client) await(last error) (*clientConn, error) {
	deadline := time.Now().Add(c.opts.Wait)
	spawned := time.Now()
	pause := time.Millisecond
	for time.Now().Before(deadline) {
		time.Sleep(pause)
		pause = min(2*pause, maxPoll)
		cn, err := c.tryDial()
		if err == nil {
			return cn, nil
		}
		last = err
		if time.Since(spawned) >= respawnEvery {
			if err := c.spawn(err); err != nil {
				return nil, err
			}
			spawned = time.Now()
		}
	}
	return nil, fmt.Errorf("%w: no state server for %s answered within %s of starting one (last: %v); another program may hold the file: run `baton state serve --state %s` to see why", state.ErrBusy, c.abs, c.opts.Wait, last, c.abs)
}

// tryDial connects to the server the advertisement names and says hello.
func (c *client) tryDial() (*clientConn, error) {
	a, err := readAdvert(c.abs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no state server advertises itself in %s", advertPath(c.abs))
	} else if err != nil {
		return nil, err
	}
	nc, err := net.DialTimeout("unix", a.Endpoint, dialTimeout)
	if err != nil {
		where := ""
		if host, _ := os.Hostname(); a.Host != host {
			where = fmt.Sprintf("; it runs on host %s, and a state server serves only its own machine", a.Host)
		}
		return nil, fmt.Errorf("the state server advertised in %s (pid %d) does not answer: %w%s", advertPath(c.abs), a.PID, err, where)
	}
	cn := newClientConn(nc)
	if err := cn.hello(a.Secret); err != nil {
		cn.close()
		return nil, fmt.Errorf("the state server advertised in %s (pid %d): %w", advertPath(c.abs), a.PID, err)
	}
	return cn, nil
}

// do sends one request and decodes its response into dst, reconnecting
// when the connection broke before the server could have executed the
// request (or when executing it again does no harm).
func (c *client) do(op string, args any, dst decoded) error {
	raw, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("encode the %s request to the state server: %w", op, err)
	}
	req := request{Op: op, Args: raw}
	for attempt := 1; ; attempt++ {
		cn, err := c.get()
		if err != nil {
			return err
		}
		dst.reset()
		sent, err := cn.roundTrip(&req, dst)
		if err == nil {
			c.put(cn)
			return nil
		}
		cn.close()
		var bad *json.UnmarshalTypeError
		if errors.As(err, &bad) {
			return fmt.Errorf("read the state server's answer to %s: %w; client and server must be the same version of baton", op, err)
		}
		c.flush()
		if sent && !repeatable(op) || attempt == maxAttempts {
			return c.stopped(op, err)
		}
		c.log.Debug("lost the state server; reconnecting", "op", op, "error", err)
	}
}

func (c *client) stopped(op string, err error) error {
	return fmt.Errorf("%w: the baton state server of %s stopped while answering %s (%v); the change may or may not be stored: `baton status RUN` shows what was, and `baton resume RUN` resumes the run", state.ErrBusy, c.abs, op, err)
}

// answer is a response as the client decodes it: the result straight into
// R (decoded even with an error, as the Store returns partial results).
type answer[R any] struct {
	Result  R          `json:"result"`
	Error   *wireError `json:"error"`
	Closing bool       `json:"closing"`
}

// decoded is an *answer of any result type.
type decoded interface {
	closing() bool
	reset()
}

func (a *answer[R]) closing() bool { return a.Closing }
func (a *answer[R]) reset()        { *a = answer[R]{} }

// call sends a request and returns its result and error.
func call[R any](c *client, op string, args any) (R, error) {
	var a answer[R]
	if err := c.do(op, args, &a); err != nil {
		return a.Result, err
	}
	if a.Error != nil {
		return a.Result, a.Error.err()
	}
	return a.Result, nil
}

// clientConn is one connection, used by one call at a time.
type clientConn struct {
	nc  net.Conn
	out *countWriter
	dec *json.Decoder
	enc *json.Encoder
}

func newClientConn(nc net.Conn) *clientConn {
	out := &countWriter{w: nc}
	return &clientConn{nc: nc, out: out, dec: json.NewDecoder(nc), enc: json.NewEncoder(out)}
}

func (cn *clientConn) close() { _ = cn.nc.Close() }

// errClosing: the server is shutting down and did not execute the
// request.
var errClosing = errors.New("the state server is shutting down")

// roundTrip sends req and decodes the response into dst. sent reports
// whether the server may have executed req: not when nothing was written
// or the server said it was closing.
func (cn *clientConn) roundTrip(req *request, dst decoded) (sent bool, err error) {
	cn.out.n = 0
	if err := cn.enc.Encode(req); err != nil {
		return cn.out.n > 0, err
	}
	if err := cn.dec.Decode(dst); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return true, err
	}
	if dst.closing() {
		return false, errClosing
	}
	return true, nil
}

// hello proves the client with the advertised secret. Its wait is bounded:
// a server that accepted but never answers is not one to use.
func (cn *clientConn) hello(secret string) error {
	args, _ := json.Marshal(helloArgs{Secret: secret, Version: protocolVersion})
	_ = cn.nc.SetDeadline(time.Now().Add(helloTimeout))
	var a answer[helloResult]
	if _, err := cn.roundTrip(&request{Op: opHello, Args: args}, &a); err != nil {
		return err
	}
	if a.Error != nil {
		return a.Error.err()
	}
	return cn.nc.SetDeadline(time.Time{})
}

// countWriter counts the bytes written, to tell whether a failed request
// reached the server at all.
type countWriter struct {
	w io.Writer
	n int
}

func (w *countWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.n += n
	return n, err
}
