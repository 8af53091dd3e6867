package served

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/batonhq/baton/state"
)

// DefaultIdleTimeout is how long a server without clients keeps running
// when ServeOptions.IdleTimeout is zero.
const DefaultIdleTimeout = 3 * time.Second

// ServeOptions configure Serve.
type ServeOptions struct {
	// IdleTimeout: Serve returns once no client connection has been open
	// for this long. Zero means DefaultIdleTimeout.
	IdleTimeout time.Duration
	// Log receives the server's messages; nil discards them.
	Log hclog.Logger
}

// server is one Serve call.
type server struct {
	st     *state.Store
	abs    string // absolute path of the state file
	secret string
	log    hclog.Logger
	idle   time.Duration

	mu         sync.Mutex
	conns      map[*serverConn]struct{}
	emptySince time.Time // when the last connection closed
	closing    bool

	wg sync.WaitGroup // connection goroutines
}

// Serve serves st to other baton processes over a Unix-domain socket
// until ctx is cancelled or no client has been connected for
// opts.IdleTimeout, then returns nil. It advertises itself in
// st.Path()+".server" while it accepts connections. On return every
// request it read has been answered; the caller then closes st.
func Serve(ctx context.Context, st *state.Store, opts ServeOptions) error {
	s, err := newServer(st, opts)
	if err != nil {
		return err
	}
	ln, err := s.listen()
	if err != nil {
		return err
	}
	if err := s.advertise(ln.Addr().String()); err != nil {
		_ = ln.Close()
		return err
	}
	s.log.Debug("serving state", "state", s.abs, "endpoint", ln.Addr().String())
	accepted := make(chan error, 1)
	go func() { accepted <- s.acceptLoop(ln) }()
	err = s.wait(ctx, accepted)
	return s.shutdown(ln, accepted, err)
}

func newServer(st *state.Store, opts ServeOptions) (*server, error) {
	if st == nil {
		return nil, errors.New("serve state: no store given")
	}
	abs, err := filepath.Abs(st.Path())
	if err != nil {
		return nil, fmt.Errorf("serve state file %s: %w", st.Path(), err)
	}
	secret, err := newSecret()
	if err != nil {
		return nil, err
	}
	s := &server{st: st, abs: abs, secret: secret, log: opts.Log, idle: opts.IdleTimeout,
		conns: map[*serverConn]struct{}{}, emptySince: time.Now()}
	if s.log == nil {
		s.log = hclog.NewNullLogger()
	}
	if s.idle <= 0 {
		s.idle = DefaultIdleTimeout
	}
	return s, nil
}

// listen creates the socket, replacing one a killed server left behind
// (this process holds the state file, so no other server uses it).
func (s *server) listen() (net.Listener, error) {
	path := socketPath(s.abs)
	if fi, err := os.Lstat(path); err == nil && !fi.IsDir() && fi.Mode().Type() != 0 {
		_ = os.Remove(path)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("serve state file %s: listen on %s: %w; remove that file if no baton state server runs", s.abs, path, err)
	}
	if err := restrict(path); err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("serve state file %s: restrict socket %s to its owner: %w", s.abs, path, err)
	}
	return ln, nil
}

// restrict makes the socket its owner's only. On Windows the mode bits
// mean nothing: the state directory's permissions and the secret protect
// the server there.
func restrict(path string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	return os.Chmod(path, 0o600)
}

func (s *server) advertise(endpoint string) error {
	host, _ := os.Hostname()
	return writeAdvert(s.abs, advert{
		Endpoint: endpoint, PID: os.Getpid(), Host: host, Started: time.Now().UTC(),
		Secret: s.secret, Version: protocolVersion, State: s.abs,
	})
}

// wait returns when ctx is done, the accept loop failed, or the server
// has been idle for s.idle (with closing then set).
func (s *server) wait(ctx context.Context, accepted <-chan error) error {
	timer := time.NewTimer(s.idle)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-accepted:
			return err
		case <-timer.C:
			left := s.idleLeft()
			if left <= 0 {
				s.log.Debug("no clients: exiting", "idle", s.idle)
				return nil
			}
			timer.Reset(left)
		}
	}
}

// idleLeft returns how long until the server has been idle long enough;
// at zero it marks the server closing, in the same critical section, so
// that no connection is accepted afterwards.
func (s *server) idleLeft() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.conns) > 0 {
		return s.idle
	}
	left := s.idle - time.Since(s.emptySince)
	if left <= 0 {
		s.closing = true
	}
	return left
}

// acceptLoop accepts connections until the listener is closed. Other
// failures (too many open files) are retried after a pause.
func (s *server) acceptLoop(ln net.Listener) error {
	pause := time.Duration(0)
	for {
		nc, err := ln.Accept()
		switch {
		case err != nil && s.isClosing():
			return nil
		case errors.Is(err, net.ErrClosed):
			return fmt.Errorf("serve state file %s: the socket was closed: %w", s.abs, err)
		case err != nil:
			pause = min(max(2*pause, 5*time.Millisecond), time.Second)
			s.log.Warn("accept failed; retrying", "error", err, "pause", pause)
			time.Sleep(pause)
			continue
		}
		pause = 0
		sc := s.add(nc)
		if sc == nil {
			_ = nc.Close()
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.remove(sc)
			sc.serve()
		}()
	}
}

func (s *server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// add registers a new connection, or returns nil once closing.
func (s *server) add(nc net.Conn) *serverConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil
	}
	sc := newServerConn(s, nc)
	s.conns[sc] = struct{}{}
	return sc
}

func (s *server) remove(sc *serverConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, sc)
	if len(s.conns) == 0 {
		s.emptySince = time.Now()
	}
}

// shutdown stops accepting, withdraws the advertisement, lets requests in
// progress finish and answer, and closes every connection.
func (s *server) shutdown(ln net.Listener, accepted <-chan error, cause error) error {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	_ = ln.Close()
	if cause == nil {
		cause = <-accepted
	}
	err := removeAdvert(s.abs, s.secret)
	s.mu.Lock()
	conns := make([]*serverConn, 0, len(s.conns))
	for sc := range s.conns {
		conns = append(conns, sc)
	}
	s.mu.Unlock()
	for _, sc := range conns {
		sc.stop()
	}
	s.wg.Wait()
	s.log.Debug("stopped serving state", "state", s.abs)
	return errors.Join(cause, err)
}
