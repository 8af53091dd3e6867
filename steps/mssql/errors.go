package mssql

import (
	"context"
	"crypto/x509"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	mssqldrv "github.com/microsoft/go-mssqldb"
)

// Class is what kind of failure a SQL Server error is.
type Class int

// Error classes.
const (
	Other Class = iota
	LoginFailed
	Timeout
	PermissionDenied
	Deadlock
	Unreachable
	Syntax
)

func (c Class) String() string {
	switch c {
	case LoginFailed:
		return "login failed"
	case Timeout:
		return "timeout"
	case PermissionDenied:
		return "permission denied"
	case Deadlock:
		return "deadlock"
	case Unreachable:
		return "unreachable"
	case Syntax:
		return "invalid query"
	default:
		return "error"
	}
}

// Error is a classified SQL Server failure. It never holds a password or
// a connection string.
type Error struct {
	Class  Class
	Number int32  // SQL Server error number, 0 when not from the server
	Msg    string // what failed
	Hint   string // what the user can do
	Err    error  // the driver's error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Msg)
	if e.Number != 0 {
		fmt.Fprintf(&b, " (SQL Server error %d)", e.Number)
	}
	if e.Hint != "" {
		b.WriteString(": ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// Unwrap returns the driver's error.
func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether trying again may succeed: deadlocks, timeouts
// and unreachable servers.
func (e *Error) Retryable() bool {
	switch e.Class {
	case Deadlock, Timeout, Unreachable:
		return true
	}
	return false
}

// Classify maps a driver error to an *Error with a class and a hint. nil
// stays nil and an *Error is returned unchanged.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	var se mssqldrv.Error
	if errors.As(err, &se) {
		return classifyServer(err, se)
	}
	msg := err.Error()
	var netErr net.Error
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var certErr x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidErr x509.CertificateInvalidError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Class: Timeout, Msg: msg, Err: err,
			Hint: "the step's timeout ran out; raise the step's timeout if the statement is expected to take longer"}
	case errors.Is(err, context.Canceled):
		return &Error{Class: Other, Msg: msg, Err: err, Hint: "the run was cancelled"}
	case errors.As(err, &dnsErr):
		return &Error{Class: Unreachable, Msg: msg, Err: err,
			Hint: "the server name does not resolve from the runner; check the name and the runner's DNS"}
	case errors.As(err, &certErr), errors.As(err, &hostErr), errors.As(err, &invalidErr),
		strings.Contains(msg, "x509:"), strings.Contains(msg, "tls:"):
		return &Error{Class: Other, Msg: msg, Err: err,
			Hint: "TLS with the server failed; trust the server's certificate authority on the runner, or set trust_server_certificate = true for a self-signed certificate, or check encrypt"}
	case errors.As(err, &netErr) && netErr.Timeout(), strings.Contains(msg, "i/o timeout"):
		return &Error{Class: Timeout, Msg: msg, Err: err,
			Hint: "the server did not answer in time; check that it is up and that the port is SQL Server's, or raise connect_timeout"}
	case errors.As(err, new(mssqldrv.StreamError)), strings.Contains(msg, "invalid packet size"),
		strings.Contains(msg, "unexpected packet"), strings.Contains(msg, "invalid prelogin"):
		return &Error{Class: Other, Msg: msg, Err: err,
			Hint: "something answered that is not SQL Server; check the port, or give the instance name instead of a port"}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &Error{Class: Unreachable, Msg: msg, Err: err,
			Hint: "nothing listens on that port; check that SQL Server runs, its TCP port (or the instance name) and the firewall"}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, driver.ErrBadConn), errors.As(err, &opErr),
		strings.Contains(msg, "unable to open tcp connection"), strings.Contains(msg, "connection reset"):
		return &Error{Class: Unreachable, Msg: msg, Err: err,
			Hint: "the connection to the server failed or was closed; check that the address is a SQL Server, that it is up, and the firewall"}
	}
	return &Error{Class: Other, Msg: msg, Err: err, Hint: "see the driver's message"}
}

func classifyServer(err error, se mssqldrv.Error) *Error {
	e := &Error{Class: Other, Number: se.Number, Msg: se.Message, Err: err}
	switch se.Number {
	case 18456, 18452, 18470, 18486, 18487, 18488:
		e.Class = LoginFailed
		e.Hint = "check the user and password (or the runner's Windows identity) and that the login exists and is enabled; the server's error log tells the exact reason for 18456"
	case 4060:
		e.Class = LoginFailed
		e.Hint = "the login cannot open the database: check the database name and that the login has a user in it"
	case 229, 230, 262, 297, 300, 916, 15247:
		e.Class = PermissionDenied
		e.Hint = "the login lacks a permission this statement needs; grant it, or run the step as an account that has it"
	case 1205:
		e.Class = Deadlock
		e.Hint = "the statement was chosen as a deadlock victim; retrying usually succeeds (give the step a retry)"
	case -2, 1222:
		e.Class = Timeout
		e.Hint = "the statement timed out waiting (for locks or the server); retry, or find the blocking session"
	case 102, 105, 137, 156, 170, 207, 208, 2812, 8144, 201:
		e.Class = Syntax
		e.Hint = "the T-SQL or its parameters are wrong: fix the query (names, syntax, declared @parameters)"
	case 40613, 40197, 40501, 49918, 49919, 49920, 4221, 233, 10053, 10054, 10060, 10061, 64:
		e.Class = Unreachable
		e.Hint = "the server or database is temporarily unavailable; retry later"
	default:
		e.Hint = "see SQL Server's message"
	}
	return e
}

// scrubbed hides a secret from an error's message while keeping the chain
// for errors.Is/As.
type scrubbed struct {
	msg string
	err error
}

func (s *scrubbed) Error() string { return s.msg }
func (s *scrubbed) Unwrap() error { return s.err }

// redactErr makes sure secret appears in none of err's text.
func redactErr(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	var e *Error
	if errors.As(err, &e) {
		c := *e
		c.Msg = scrub(c.Msg, secret)
		c.Hint = scrub(c.Hint, secret)
		if e.Err != nil {
			c.Err = &scrubbed{msg: scrub(e.Err.Error(), secret), err: e.Err}
		}
		return &c
	}
	return &scrubbed{msg: scrub(err.Error(), secret), err: err}
}
