package served

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

const (
	// helloTimeout bounds the wait for a new connection's hello.
	helloTimeout = 5 * time.Second
	// maxHello bounds what an unauthenticated peer can make the server read.
	maxHello = 64 << 10
	// writeTimeout bounds a reply to a client that stopped reading.
	writeTimeout = 10 * time.Second
)

// serverConn is one client connection: requests are read and answered in
// turn. stop answers a request in progress, then ends the connection.
type serverConn struct {
	s   *server
	nc  net.Conn
	in  *limitReader
	dec *json.Decoder

	mu      sync.Mutex // guards writes, busy, stopped
	busy    bool       // a request was read and is not answered yet
	stopped bool
}

func newServerConn(s *server, nc net.Conn) *serverConn {
	in := &limitReader{r: nc, left: maxHello}
	return &serverConn{s: s, nc: nc, in: in, dec: json.NewDecoder(in)}
}

func (sc *serverConn) serve() {
	defer sc.nc.Close()
	if !sc.handshake() {
		return
	}
	for {
		var req request
		if err := sc.dec.Decode(&req); err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				sc.s.log.Debug("connection ended", "error", err)
			}
			return
		}
		if !sc.begin() {
			return // stopping: the request is not executed
		}
		if !sc.reply(sc.s.handle(req)) {
			return
		}
	}
}

// handshake reads the hello, which must carry the advertised secret.
func (sc *serverConn) handshake() bool {
	_ = sc.nc.SetReadDeadline(time.Now().Add(helloTimeout))
	var req request
	if err := sc.dec.Decode(&req); err != nil {
		return false
	}
	_ = sc.nc.SetReadDeadline(time.Time{})
	sc.in.left = -1
	if !sc.begin() {
		return false
	}
	res, err := sc.s.hello(req)
	resp := response{Error: encodeError(err)}
	if err == nil {
		resp.Result, _ = json.Marshal(res)
	} else {
		sc.s.log.Warn("refused a connection", "error", err)
	}
	return sc.reply(resp) && err == nil
}

func (s *server) hello(req request) (helloResult, error) {
	var h helloArgs
	if req.Op != opHello || json.Unmarshal(req.Args, &h) != nil ||
		subtle.ConstantTimeCompare([]byte(h.Secret), []byte(s.secret)) != 1 {
		return helloResult{}, errors.New("refused: the hello did not carry this state server's secret; connect with the secret of its advertisement")
	}
	if h.Version != protocolVersion {
		return helloResult{}, fmt.Errorf("refused: this state server speaks protocol %d and the client %d; it is another version of baton and exits once its clients are done", protocolVersion, h.Version)
	}
	return helloResult{Version: protocolVersion, PID: os.Getpid()}, nil
}

// begin marks a request read; false means the connection is stopping and
// the request must not be executed.
func (sc *serverConn) begin() bool {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.stopped {
		return false
	}
	sc.busy = true
	return true
}

// reply answers the request begun; false ends the connection. Once
// stopping, the answer is followed by the notice that no further request
// will be executed, for a client that sends one before it sees the
// connection closed.
func (sc *serverConn) reply(resp response) bool {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.busy = false
	_ = sc.nc.SetWriteDeadline(time.Now().Add(writeTimeout))
	if err := sc.send(resp); err != nil {
		sc.s.log.Debug("reply failed", "error", err)
		return false
	}
	if sc.stopped {
		_ = sc.send(response{Closing: true})
		return false
	}
	return true
}

// stop ends the connection: at once when no request is in progress, with
// a notice that no further request will be executed, else after the
// reply.
func (sc *serverConn) stop() {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.stopped = true
	if sc.busy {
		return
	}
	_ = sc.nc.SetWriteDeadline(time.Now().Add(time.Second))
	_ = sc.send(response{Closing: true})
	_ = sc.nc.Close()
}

// send writes resp as one JSON value. The result, already encoded, is
// spliced in as it is: an Encoder would scan and copy it once more.
func (sc *serverConn) send(resp response) error {
	result := resp.Result
	resp.Result = nil
	rest, err := json.Marshal(resp)
	if err != nil {
		return err
	}
	buf := rest
	if len(result) > 0 {
		buf = make([]byte, 0, len(result)+len(rest)+12)
		buf = append(append(buf, `{"result":`...), result...)
		if len(rest) > len("{}") {
			buf = append(buf, ',')
		}
		buf = append(buf, rest[1:]...)
	}
	_, err = sc.nc.Write(append(buf, '\n'))
	return err
}

// limitReader fails once more than left bytes were read; left < 0 means
// no limit.
type limitReader struct {
	r    io.Reader
	left int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		return l.r.Read(p)
	}
	if l.left == 0 {
		return 0, errors.New("hello too long")
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}
