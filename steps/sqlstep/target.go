package sqlstep

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"github.com/batonhq/baton/steps"
	"github.com/batonhq/baton/steps/mssql"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// Target is an opened SQL Server connection pool, the Target the sql
// step types receive.
type Target struct {
	// DB is the pool; queries run on it.
	DB *sql.DB
	// Address names the server for errors and logs, without secrets.
	Address string
}

// NewTarget wraps an open pool (go-sqlmock's in tests).
func NewTarget(db *sql.DB, address string) *Target { return &Target{DB: db, Address: address} }

// Close closes the pool.
func (t *Target) Close() error { return t.DB.Close() }

// TargetKind is the "mssql" target type.
type TargetKind struct{}

// targetAttrs are the target block's arguments and their types.
var targetAttrs = map[string]cty.Type{
	"dsn":                      cty.String,
	"server":                   cty.String,
	"port":                     cty.Number,
	"instance":                 cty.String,
	"database":                 cty.String,
	"auth":                     cty.String,
	"user":                     cty.String,
	"password":                 cty.String,
	"encrypt":                  cty.String,
	"trust_server_certificate": cty.Bool,
	"connect_timeout":          cty.String,
	"dial_timeout":             cty.String,
	"app_name":                 cty.String,
	"krb5_config_file":         cty.String,
	"krb5_keytab":              cty.String,
	"krb5_realm":               cty.String,
	"entra_method":             cty.String,
}

// secretAttrs are never shown, marked or not: a dsn may hold a password.
var secretAttrs = map[string]bool{"password": true, "dsn": true}

func (TargetKind) Name() string { return "mssql" }
func (TargetKind) Doc() string {
	return "a SQL Server database: server, port or instance, database, auth (sql | windows | entra), user, password, encrypt; or a dsn. connect_timeout (default 30s) is also the longest a single statement may stay silent"
}

func (TargetKind) Spec() hcldec.Spec {
	spec := hcldec.ObjectSpec{}
	for name, ty := range targetAttrs {
		spec[name] = &hcldec.AttrSpec{Name: name, Type: ty}
	}
	return spec
}

func (TargetKind) Describe(args cty.Value) steps.Description {
	names := make([]string, 0, len(targetAttrs))
	for n := range targetAttrs {
		names = append(names, n)
	}
	sort.Strings(names)
	var lines []string
	for _, n := range names {
		v := steps.Attr(args, n)
		if v.IsKnown() && v.IsNull() {
			continue
		}
		shown := steps.Show(v)
		if secretAttrs[n] && v.IsKnown() {
			shown = "(sensitive)"
		}
		lines = append(lines, n+" = "+shown)
	}
	summary := "SQL Server " + steps.Show(steps.Attr(args, "server"))
	if db := steps.Attr(args, "database"); !db.IsNull() {
		summary += " database " + steps.Show(db)
	}
	if s := steps.Attr(args, "server"); s.IsKnown() && s.IsNull() {
		summary = "SQL Server from a dsn (sensitive)"
	}
	return steps.Description{Summary: summary, Details: []steps.Detail{{Label: "connection", Text: strings.Join(lines, "\n")}}}
}

// Config converts known target arguments into an mssql.Config.
func Config(args cty.Value) (mssql.Config, error) {
	port, err := steps.ArgInt(args, "port", 0)
	if err != nil {
		return mssql.Config{}, err
	}
	connect, err := steps.ArgDuration(args, "connect_timeout", 0)
	if err != nil {
		return mssql.Config{}, err
	}
	dial, err := steps.ArgDuration(args, "dial_timeout", 0)
	if err != nil {
		return mssql.Config{}, err
	}
	trust := steps.Attr(args, "trust_server_certificate")
	return mssql.Config{
		DSN:                    steps.ArgString(args, "dsn", ""),
		Server:                 steps.ArgString(args, "server", ""),
		Port:                   port,
		Instance:               steps.ArgString(args, "instance", ""),
		Database:               steps.ArgString(args, "database", ""),
		Auth:                   steps.ArgString(args, "auth", ""),
		User:                   steps.ArgString(args, "user", ""),
		Password:               steps.ArgString(args, "password", ""),
		Encrypt:                steps.ArgString(args, "encrypt", ""),
		TrustServerCertificate: !trust.IsNull() && trust.True(),
		ConnectTimeout:         connect,
		DialTimeout:            dial,
		AppName:                steps.ArgString(args, "app_name", ""),
		Krb5ConfigFile:         steps.ArgString(args, "krb5_config_file", ""),
		Krb5Keytab:             steps.ArgString(args, "krb5_keytab", ""),
		Krb5Realm:              steps.ArgString(args, "krb5_realm", ""),
		EntraMethod:            steps.ArgString(args, "entra_method", ""),
	}, nil
}

// Open connects and pings under mssql.Open's watchdog, so it returns when
// ctx is done even if the driver hangs.
func (TargetKind) Open(ctx context.Context, args cty.Value, log hclog.Logger) (steps.Target, error) {
	if args.ContainsMarked() {
		args, _ = args.UnmarkDeep()
	}
	if !args.IsWhollyKnown() {
		return nil, fmt.Errorf("the mssql target got settings not known yet: this is an engine bug, please report it")
	}
	cfg, err := Config(args)
	if err != nil {
		return nil, fmt.Errorf("mssql target: %w", err)
	}
	if log != nil {
		log.Debug("connecting to SQL Server", "server", cfg.Redacted())
	}
	db, err := mssql.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &Target{DB: db, Address: cfg.Address()}, nil
}
