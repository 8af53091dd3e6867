// Package mssql connects baton to SQL Server through go-mssqldb: it builds
// connection strings from target settings, opens connections under a
// watchdog that honours the context even while the driver's handshake
// hangs, classifies driver errors into classes with hints, and runs
// parameterised queries into plain rows.
package mssql

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/microsoft/go-mssqldb/msdsn"
)

// Default timeouts (go-notes 4.3: connection timeout is a per-read socket
// deadline for the connection's whole life, so it must exceed the longest
// silent period of any statement).
const (
	DefaultConnectTimeout = 30 * time.Second
	DefaultDialTimeout    = 10 * time.Second
	DefaultAppName        = "baton"
)

// Authentication methods for Config.Auth.
const (
	AuthSQL     = "sql"     // SQL Server login: User and Password
	AuthWindows = "windows" // NTLM with DOMAIN\user + password, Kerberos with the Krb5 fields, or SSPI on Windows
	AuthEntra   = "entra"   // Microsoft Entra ID (fedauth=EntraMethod)
)

// Config is a SQL Server connection as a runbook target declares it.
type Config struct {
	// DSN is a complete connection string (URL, ADO or odbc:); when set,
	// the fields below are ignored, except that dial and connection
	// timeouts are added when the DSN has none.
	DSN string

	Server   string // host name or address
	Port     int    // 0: 1433, or the SQL Browser's answer when Instance is set
	Instance string // named instance, e.g. "SQLEXPRESS"
	Database string

	// Auth is "sql" (default), "windows" or "entra".
	Auth     string
	User     string
	Password string

	// Encrypt is "true", "false", "strict" (TDS 8) or "disable"; "" leaves
	// the driver's default.
	Encrypt                string
	TrustServerCertificate bool

	// ConnectTimeout is the socket read/write deadline (default 30s);
	// DialTimeout bounds the TCP dial (default 10s). Both are rounded up
	// to whole seconds.
	ConnectTimeout, DialTimeout time.Duration

	AppName string // default "baton"

	// Kerberos (Auth "windows" on a runner that is not in the domain).
	Krb5ConfigFile, Krb5Keytab, Krb5Realm string

	// EntraMethod is the fedauth workflow, e.g. "ActiveDirectoryDefault"
	// (the default), "ActiveDirectoryServicePrincipal",
	// "ActiveDirectoryManagedIdentity".
	EntraMethod string
}

// ConnectionString returns the go-mssqldb connection string for c, a
// sqlserver:// URL built with net/url so that any password survives. It
// always carries a dial timeout and a connection timeout. Errors never
// contain the password.
func (c Config) ConnectionString() (string, error) {
	if c.DSN != "" {
		return c.rawDSN()
	}
	if c.Server == "" {
		return "", errors.New("no SQL Server given: set server in the target")
	}
	if c.Port < 0 || c.Port > 65535 {
		return "", fmt.Errorf("port %d is not a TCP port: use 1-65535, or leave it out", c.Port)
	}
	if strings.ContainsAny(c.Server, `/\?#@ `) {
		return "", fmt.Errorf("server %q is not a host name: give the instance separately (instance = \"NAME\") and the port as port", c.Server)
	}
	host := c.Server
	if c.Port != 0 {
		host = net.JoinHostPort(c.Server, strconv.Itoa(c.Port))
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6 literal
	}
	u := url.URL{Scheme: "sqlserver", Host: host}
	if c.Instance != "" {
		u.Path = "/" + c.Instance
	}
	q := url.Values{}
	switch c.Auth {
	case "", AuthSQL:
		if c.User == "" {
			return "", errors.New("auth \"sql\" needs a user: set user and password, or use auth = \"windows\"")
		}
		u.User = url.UserPassword(c.User, c.Password)
	case AuthWindows:
		if c.Krb5ConfigFile != "" || c.Krb5Keytab != "" || c.Krb5Realm != "" {
			q.Set("authenticator", "krb5")
			setIf(q, "krb5-configfile", c.Krb5ConfigFile)
			setIf(q, "krb5-keytabfile", c.Krb5Keytab)
			setIf(q, "krb5-realm", c.Krb5Realm)
		}
		switch {
		case c.User != "" && c.Password != "":
			u.User = url.UserPassword(c.User, c.Password)
		case c.User != "":
			u.User = url.User(c.User)
		}
	case AuthEntra:
		method := c.EntraMethod
		if method == "" {
			method = "ActiveDirectoryDefault"
		}
		q.Set("fedauth", method)
		switch {
		case c.User != "" && c.Password != "":
			u.User = url.UserPassword(c.User, c.Password)
		case c.User != "":
			u.User = url.User(c.User)
		}
	default:
		return "", fmt.Errorf("auth %q is not known: use \"sql\", \"windows\" or \"entra\"", c.Auth)
	}
	setIf(q, "database", c.Database)
	switch strings.ToLower(c.Encrypt) {
	case "":
	case "true", "false", "strict", "disable":
		q.Set("encrypt", strings.ToLower(c.Encrypt))
	default:
		return "", fmt.Errorf("encrypt %q is not known: use \"true\", \"false\", \"strict\" or \"disable\"", c.Encrypt)
	}
	if c.TrustServerCertificate {
		q.Set("TrustServerCertificate", "true")
	}
	app := c.AppName
	if app == "" {
		app = DefaultAppName
	}
	q.Set("app name", app)
	q.Set("dial timeout", seconds(c.DialTimeout, DefaultDialTimeout))
	q.Set("connection timeout", seconds(c.ConnectTimeout, DefaultConnectTimeout))
	u.RawQuery = q.Encode()
	s := u.String()
	if _, err := msdsn.Parse(s); err != nil {
		return "", fmt.Errorf("the connection settings are invalid: %s", scrub(err.Error(), c.Password))
	}
	return s, nil
}

// rawDSN validates a user-given DSN and adds the timeouts it lacks.
func (c Config) rawDSN() (string, error) {
	p, err := msdsn.Parse(c.DSN)
	if err != nil {
		return "", fmt.Errorf("the dsn is not a valid SQL Server connection string (URL, ADO or odbc:): %s", scrub(err.Error(), passwordOf(c.DSN)))
	}
	add := map[string]string{}
	if _, ok := p.Parameters[msdsn.DialTimeout]; !ok {
		add[msdsn.DialTimeout] = seconds(c.DialTimeout, DefaultDialTimeout)
	}
	if _, ok := p.Parameters[msdsn.ConnectionTimeout]; !ok {
		add[msdsn.ConnectionTimeout] = seconds(c.ConnectTimeout, DefaultConnectTimeout)
	}
	if len(add) == 0 {
		return c.DSN, nil
	}
	s := c.DSN
	if strings.HasPrefix(s, "sqlserver://") {
		u, err := url.Parse(s)
		if err != nil {
			return "", errors.New("the dsn is not a valid sqlserver:// URL: check its syntax")
		}
		q := u.Query()
		for k, v := range add {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
		s = u.String()
	} else {
		s = strings.TrimRight(s, "; \t")
		for _, k := range []string{msdsn.DialTimeout, msdsn.ConnectionTimeout} {
			if v, ok := add[k]; ok {
				s += ";" + k + "=" + v
			}
		}
	}
	if _, err := msdsn.Parse(s); err != nil {
		return "", fmt.Errorf("adding timeouts to the dsn made it invalid; add \"dial timeout\" and \"connection timeout\" to it yourself: %s", scrub(err.Error(), p.Password))
	}
	return s, nil
}

// Redacted returns a description of the connection for plans and logs,
// with the password replaced by (sensitive).
func (c Config) Redacted() string {
	if c.DSN != "" {
		p, err := msdsn.Parse(c.DSN)
		if err != nil {
			return "(unparsable dsn, hidden)"
		}
		return describe(p.Host, int(p.Port), p.Instance, p.Database, p.User, p.Password != "", "dsn")
	}
	auth := c.Auth
	if auth == "" {
		auth = AuthSQL
	}
	return describe(c.Server, c.Port, c.Instance, c.Database, c.User, c.Password != "", auth)
}

func describe(host string, port int, instance, database, user string, hasPassword bool, auth string) string {
	var b strings.Builder
	b.WriteString(address(host, port, instance))
	if database != "" {
		fmt.Fprintf(&b, " database %s", database)
	}
	fmt.Fprintf(&b, " auth %s", auth)
	if user != "" {
		fmt.Fprintf(&b, " user %s", user)
	}
	if hasPassword {
		b.WriteString(" password (sensitive)")
	}
	return b.String()
}

// Address is the server as errors name it: host[\instance][:port].
func (c Config) Address() string {
	if c.DSN != "" {
		p, err := msdsn.Parse(c.DSN)
		if err != nil {
			return "(the server in the dsn)"
		}
		return address(p.Host, int(p.Port), p.Instance)
	}
	return address(c.Server, c.Port, c.Instance)
}

func address(host string, port int, instance string) string {
	s := host
	if instance != "" {
		s += `\` + instance
	}
	if port != 0 {
		s += ":" + strconv.Itoa(port)
	}
	return s
}

func setIf(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

// seconds renders d (or def when d is 0) as whole seconds, rounded up.
func seconds(d, def time.Duration) string {
	if d <= 0 {
		d = def
	}
	return strconv.FormatInt(int64(math.Ceil(d.Seconds())), 10)
}

// passwordOf extracts the password of a DSN for scrubbing, or "".
func passwordOf(dsn string) string {
	p, err := msdsn.Parse(dsn)
	if err != nil {
		return ""
	}
	return p.Password
}

// scrub removes secret (and its URL-escaped forms) from s.
func scrub(s, secret string) string {
	if secret == "" {
		return s
	}
	for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
		if form != "" {
			s = strings.ReplaceAll(s, form, "(sensitive)")
		}
	}
	return s
}
