package mssql

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const testSecret = "Pw;{x}@\"leak-me"

// listen starts a loopback listener that hands each connection to handle,
// and returns its port. Connections are closed when the test ends.
func listen(t *testing.T, handle func(net.Conn)) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go handle(c)
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestOpenAgainstFakeNetwork(t *testing.T) {
	blackHole := listen(t, func(c net.Conn) {}) // accepts, never answers
	closer := listen(t, func(c net.Conn) { c.Close() })
	garbage := listen(t, func(c net.Conn) {
		c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
		c.Close()
	})
	// A port with nothing listening.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := ln.Addr().(*net.TCPAddr).Port
	ln.Close()

	tests := []struct {
		name    string
		port    int
		ctx     time.Duration
		classes []Class
	}{
		{"black hole, ctx shorter than connection timeout", blackHole, 300 * time.Millisecond, []Class{Timeout}},
		{"black hole, connection timeout first", blackHole, 5 * time.Second, []Class{Timeout}},
		{"closes at once", closer, 5 * time.Second, []Class{Unreachable}},
		{"not SQL Server", garbage, 5 * time.Second, []Class{Other}},
		{"refused", refused, 5 * time.Second, []Class{Unreachable}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), tt.ctx)
			defer cancel()
			cfg := Config{Server: "127.0.0.1", Port: tt.port, User: "sa", Password: testSecret,
				ConnectTimeout: time.Second, DialTimeout: time.Second, Encrypt: "false"}
			start := time.Now()
			db, err := Open(ctx, cfg)
			took := time.Since(start)
			if db != nil {
				db.Close()
				t.Fatal("Open succeeded against a fake server")
			}
			if took > 5*time.Second { // a hang would be unbounded; CI load adds seconds
				t.Errorf("Open took %s: the watchdog did not bound the connect", took)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err %T %v is not *Error", err, err)
			}
			ok := false
			for _, c := range tt.classes {
				ok = ok || e.Class == c
			}
			if !ok {
				t.Errorf("class %v, want one of %v; err: %v", e.Class, tt.classes, err)
			}
			if e.Retryable() != (e.Class != Other) {
				t.Errorf("%v: Retryable() = %v", e.Class, e.Retryable())
			}
			msg := err.Error()
			if !strings.Contains(msg, "127.0.0.1:"+strconv.Itoa(tt.port)) {
				t.Errorf("error does not name the server: %v", msg)
			}
			if e.Hint == "" {
				t.Errorf("no hint: %v", msg)
			}
			assertNoSecret(t, err, testSecret)
			t.Logf("%s: %v", took.Round(time.Millisecond), err)
		})
	}
}

func TestOpenWithoutOptionalAuth(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"entra", Config{Server: "x.database.windows.net", Auth: "entra", User: "id", Password: testSecret}, "does not include Entra ID support"},
		{"entra dsn", Config{DSN: "sqlserver://x.database.windows.net?fedauth=ActiveDirectoryMSI"}, "does not include Entra ID support"},
		{"kerberos", Config{Server: "sql01", Auth: "windows", Krb5Realm: "CONTOSO.COM", User: "u", Password: testSecret}, "does not include Kerberos support"},
		{"invalid", Config{Server: "sql01", Auth: "nope", Password: testSecret}, `auth "nope" is not known`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			linked := strings.HasPrefix(tt.name, "entra") && entraConnector != nil || tt.name == "kerberos" && krb5Linked
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
			defer cancel()
			_, err := Open(ctx, tt.cfg)
			if linked {
				// The provider is linked: the attempt fails (no network
				// here) and must not leak the password.
				if err == nil {
					t.Fatal("Open succeeded without a server")
				}
				assertNoSecret(t, err, testSecret)
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			assertNoSecret(t, err, testSecret)
		})
	}
}

// assertNoSecret checks err and every error it wraps.
func assertNoSecret(t *testing.T, err error, secret string) {
	t.Helper()
	for e := err; e != nil; e = errors.Unwrap(e) {
		for _, part := range []string{secret, "leak-me"} {
			if strings.Contains(e.Error(), part) {
				t.Errorf("error %T leaks the password: %v", e, e)
			}
		}
	}
}

func TestRedactErrWithoutCause(t *testing.T) {
	err := redactErr(&Error{Msg: "x " + testSecret, Hint: "h"}, testSecret)
	assertNoSecret(t, err, testSecret)
}
