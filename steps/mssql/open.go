package mssql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	mssqldrv "github.com/microsoft/go-mssqldb"
	"github.com/microsoft/go-mssqldb/msdsn"
)

// entraConnector opens Entra ID connections; it is set by a file built
// with the azuread package (see auth_entra.go), and nil otherwise.
var entraConnector func(dsn string) (driver.Connector, error)

// krb5Linked is set when the krb5 integrated-auth provider is linked in.
var krb5Linked bool

// Pool settings for a target's *sql.DB.
const (
	maxOpenConns    = 4
	connMaxLifetime = 15 * time.Minute
)

// Open connects to the server c names and pings it. It returns when ctx is
// done even if the driver's handshake hangs (go-mssqldb does not fully
// honour the context while connecting); the abandoned attempt ends within
// the connection timeout and its pool is closed then. Errors are *Error
// and contain neither the password nor the connection string.
func Open(ctx context.Context, c Config) (*sql.DB, error) {
	where := c.Address()
	fail := func(class Class, msg, hint string, err error) error {
		return redactErr(&Error{Class: class, Msg: msg, Hint: hint, Err: err}, c.Password)
	}
	dsn, err := c.ConnectionString()
	if err != nil {
		return nil, fail(Other, "connecting to "+where, err.Error(), nil)
	}
	connector, err := newConnector(c, dsn)
	if err != nil {
		return nil, redactErr(err, c.Password)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(maxOpenConns)
	db.SetConnMaxLifetime(connMaxLifetime)

	done := make(chan error, 1)
	go func() { done <- db.PingContext(ctx) }()
	select {
	case err := <-done:
		if err == nil {
			return db, nil
		}
		db.Close()
		if ctx.Err() != nil {
			return nil, fail(Timeout, "connecting to "+where, "the step's timeout ran out while connecting; check that the server answers (it may be down or a firewall may drop packets) or raise the timeout", ctx.Err())
		}
		ce := Classify(err).(*Error)
		ce.Msg = fmt.Sprintf("connecting to %s: %s", where, ce.Msg)
		return nil, redactErr(ce, c.Password)
	case <-ctx.Done():
		go func() { <-done; db.Close() }()
		return nil, fail(Timeout, "connecting to "+where, "the server did not complete the login before the step's timeout; check that it is up and that the address is SQL Server's (a firewall may drop packets), or raise the timeout", ctx.Err())
	}
}

func newConnector(c Config, dsn string) (driver.Connector, error) {
	p, err := msdsn.Parse(dsn)
	if err != nil {
		return nil, &Error{Class: Other, Msg: "the connection settings for " + c.Address() + " are invalid", Hint: "check the target's settings", Err: errors.New(scrub(err.Error(), c.Password))}
	}
	switch {
	case p.Parameters["fedauth"] != "":
		if entraConnector == nil {
			return nil, &Error{Class: Other, Msg: "connecting to " + c.Address() + " with Entra ID",
				Hint: "this baton build does not include Entra ID support (github.com/microsoft/go-mssqldb/azuread); use a build with it, or sql/windows auth"}
		}
		conn, err := entraConnector(dsn)
		if err != nil {
			return nil, &Error{Class: Other, Msg: "setting up Entra ID for " + c.Address(), Hint: "check entra_method and the identity settings", Err: errors.New(scrub(err.Error(), p.Password))}
		}
		return conn, nil
	case p.Parameters["authenticator"] == "krb5" && !krb5Linked:
		return nil, &Error{Class: Other, Msg: "connecting to " + c.Address() + " with Kerberos",
			Hint: `this baton build does not include Kerberos support (github.com/microsoft/go-mssqldb/integratedauth/krb5); use a build with it, or give user = "DOMAIN\\name" and a password for NTLM`}
	}
	return mssqldrv.NewConnectorConfig(p), nil
}
