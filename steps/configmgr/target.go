package configmgr

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/batonhq/baton/steps"
)

// Target settings and their defaults.
const (
	AuthWindows = "windows"
	AuthSQL     = "sql"
	AuthEntra   = "entra"

	DefaultQueryTimeout = "60s"
	DefaultEncrypt      = "true"
)

// TargetConfig is a decoded "configmgr" target block.
type TargetConfig struct {
	SiteCode string

	// SQLServer is sql_server as written; SQLHost, SQLPort and SQLInstance
	// are its parts ("host", "host,port" or "host\instance").
	SQLServer   string
	SQLHost     string
	SQLPort     int
	SQLInstance string

	Database    string // default "CM_" + SiteCode
	SQLAuth     string // "windows" (default), "sql" or "entra"
	SQLUser     string
	SQLPassword string // sensitive: never print a TargetConfig's password
	SQLEncrypt  string // default "true"

	// Provider is the SMS Provider (FQDN) the AdminService and the cmdlets
	// talk to.
	Provider string
	// ActiveServer and PassiveServer are optional hints.
	ActiveServer, PassiveServer string
	// PowerShell overrides the PowerShell executable.
	PowerShell string
	// QueryTimeout bounds each site database query.
	QueryTimeout time.Duration
}

// String renders the configuration without the password.
func (c TargetConfig) String() string {
	pw := ""
	if c.SQLPassword != "" {
		pw = " password=(sensitive)"
	}
	return fmt.Sprintf("configmgr site %s: sql_server=%q database=%q auth=%s user=%q%s provider=%q",
		c.SiteCode, c.SQLServer, c.Database, c.SQLAuth, c.SQLUser, pw, c.Provider)
}

// GoString is String, so that %#v does not print the password either.
func (c TargetConfig) GoString() string { return c.String() }

// Opener opens a Site for a target configuration.
type Opener func(ctx context.Context, cfg TargetConfig, log hclog.Logger) (Site, error)

var (
	openerMu   sync.Mutex
	liveOpener Opener
)

// SetLiveOpener registers the live backend's opener, used by the target
// type when no other opener was given. Package steps/configmgr/live calls
// it from its init function, so linking that package in is enough.
func SetLiveOpener(open Opener) {
	openerMu.Lock()
	defer openerMu.Unlock()
	liveOpener = open
}

func registeredOpener() Opener {
	openerMu.Lock()
	defer openerMu.Unlock()
	return liveOpener
}

// NewTargetKind returns the "configmgr" target type; open nil means the
// opener registered with SetLiveOpener at Open time.
func NewTargetKind(open Opener) steps.TargetKind { return &targetKind{open: open} }

type targetKind struct{ open Opener }

func (*targetKind) Name() string { return TargetType }

func (*targetKind) Doc() string {
	return "A Configuration Manager site: its site database (facts) and an SMS Provider (actions through the ConfigurationManager cmdlets, the AdminService)."
}

func (*targetKind) Spec() hcldec.Spec {
	return hcldec.ObjectSpec{
		"site_code":      reqString("site_code"),
		"sql_server":     optString("sql_server"),
		"database":       optString("database"),
		"sql_auth":       defString("sql_auth", AuthWindows),
		"sql_user":       optString("sql_user"),
		"sql_password":   optString("sql_password"),
		"sql_encrypt":    defString("sql_encrypt", DefaultEncrypt),
		"provider":       optString("provider"),
		"active_server":  optString("active_server"),
		"passive_server": optString("passive_server"),
		"powershell":     optString("powershell"),
		"query_timeout":  defString("query_timeout", DefaultQueryTimeout),
	}
}

func (*targetKind) Describe(args cty.Value) steps.Description {
	code := attr(args, "site_code")
	db := show(args, "database", "")
	if v := attr(args, "database"); v.IsKnown() && v.IsNull() && !v.IsMarked() {
		db = "\"CM_\" + site_code (default)"
		if code.IsKnown() && !code.IsNull() && !code.IsMarked() && code.Type() == cty.String {
			db = strconv.Quote("CM_"+code.AsString()) + " (default)"
		}
	}
	password := "(none)"
	if v := attr(args, "sql_password"); v.IsMarked() || !v.IsKnown() || !v.IsNull() {
		password = "(sensitive)"
	}
	opt := func(name string) string {
		v := attr(args, name)
		if v.IsKnown() && v.IsNull() && !v.IsMarked() {
			return "(not set)"
		}
		return steps.Show(v)
	}
	lines := []string{
		"site_code = " + steps.Show(code),
		"sql_server = " + opt("sql_server"),
		"database = " + db,
		"sql_auth = " + show(args, "sql_auth", AuthWindows),
		"sql_user = " + opt("sql_user"),
		"sql_password = " + password,
		"sql_encrypt = " + show(args, "sql_encrypt", DefaultEncrypt),
		"provider = " + opt("provider"),
		"active_server = " + opt("active_server"),
		"passive_server = " + opt("passive_server"),
		"powershell = " + opt("powershell"),
		"query_timeout = " + show(args, "query_timeout", DefaultQueryTimeout),
	}
	return steps.Description{
		Summary: "ConfigMgr site " + steps.Show(code) + ": site database " + db + " on " + opt("sql_server") + ", SMS Provider " + opt("provider"),
		Details: []steps.Detail{{Label: "connection", Text: strings.Join(lines, "\n")}},
	}
}

// Open decodes args and opens the site through the opener.
func (k *targetKind) Open(ctx context.Context, args cty.Value, log hclog.Logger) (steps.Target, error) {
	cfg, err := DecodeTarget(args)
	if err != nil {
		return nil, err
	}
	open := k.open
	if open == nil {
		open = registeredOpener()
	}
	if open == nil {
		return nil, errors.New("configmgr target: the live backend is not linked into this program (import github.com/batonhq/baton/steps/configmgr/live)")
	}
	site, err := open(ctx, cfg, log)
	if err != nil {
		return nil, fmt.Errorf("configmgr target %s: %w", cfg.SiteCode, err)
	}
	return site, nil
}

// DecodeTarget validates a target block's values and fills the defaults.
// Its errors never contain the password.
func DecodeTarget(args cty.Value) (TargetConfig, error) {
	c := TargetConfig{
		SiteCode:      strings.ToUpper(str(args, "site_code")),
		SQLServer:     strings.TrimSpace(str(args, "sql_server")),
		Database:      str(args, "database"),
		SQLAuth:       strings.ToLower(str(args, "sql_auth")),
		SQLUser:       str(args, "sql_user"),
		SQLPassword:   str(args, "sql_password"),
		SQLEncrypt:    strings.ToLower(str(args, "sql_encrypt")),
		Provider:      strings.TrimSpace(str(args, "provider")),
		ActiveServer:  strings.TrimSpace(str(args, "active_server")),
		PassiveServer: strings.TrimSpace(str(args, "passive_server")),
		PowerShell:    str(args, "powershell"),
	}
	if !ValidSiteCode(c.SiteCode) {
		return TargetConfig{}, fmt.Errorf("configmgr target: site_code %q is not a site code (three letters or digits, e.g. \"ABC\")", c.SiteCode)
	}
	if c.Database == "" {
		c.Database = "CM_" + c.SiteCode
	}
	if c.SQLAuth == "" {
		c.SQLAuth = AuthWindows
	}
	switch c.SQLAuth {
	case AuthWindows, AuthEntra:
	case AuthSQL:
		if c.SQLUser == "" {
			return TargetConfig{}, errors.New("configmgr target: sql_auth \"sql\" needs sql_user (and sql_password)")
		}
	default:
		return TargetConfig{}, fmt.Errorf("configmgr target: sql_auth %q is not \"windows\", \"sql\" or \"entra\"", c.SQLAuth)
	}
	if c.SQLEncrypt == "" {
		c.SQLEncrypt = DefaultEncrypt
	}
	switch c.SQLEncrypt {
	case "true", "false", "strict", "disable":
	default:
		return TargetConfig{}, fmt.Errorf("configmgr target: sql_encrypt %q is not \"true\", \"false\", \"strict\" or \"disable\"", c.SQLEncrypt)
	}
	if c.SQLServer != "" {
		host, port, inst, err := ParseSQLServer(c.SQLServer)
		if err != nil {
			return TargetConfig{}, fmt.Errorf("configmgr target: %w", err)
		}
		c.SQLHost, c.SQLPort, c.SQLInstance = host, port, inst
	}
	for name, v := range map[string]string{"provider": c.Provider, "active_server": c.ActiveServer, "passive_server": c.PassiveServer} {
		if v != "" && !ValidHost(v) {
			return TargetConfig{}, fmt.Errorf("configmgr target: %s %q is not a host name: give the server's FQDN", name, v)
		}
	}
	qt := str(args, "query_timeout")
	if qt == "" {
		qt = DefaultQueryTimeout
	}
	d, err := ParseDuration(qt)
	if err != nil || d <= 0 {
		return TargetConfig{}, fmt.Errorf("configmgr target: query_timeout %q is not a positive duration such as \"60s\"", qt)
	}
	c.QueryTimeout = d
	return c, nil
}

// ParseSQLServer splits "host", "host,port" or "host\instance".
func ParseSQLServer(s string) (host string, port int, instance string, err error) {
	bad := func() (string, int, string, error) {
		return "", 0, "", fmt.Errorf("sql_server %q is not \"host\", \"host,port\" or \"host\\instance\" (a port follows a comma, as in SQL Server tools)", s)
	}
	host = s
	if i := strings.IndexByte(s, ','); i >= 0 {
		host = s[:i]
		p, perr := strconv.Atoi(strings.TrimSpace(s[i+1:]))
		if perr != nil || p <= 0 || p > 65535 {
			return bad()
		}
		port = p
	}
	if i := strings.IndexByte(host, '\\'); i >= 0 {
		instance = host[i+1:]
		host = host[:i]
		if instance == "" || strings.ContainsAny(instance, `\,`) {
			return bad()
		}
	}
	host = strings.TrimSpace(host)
	if host == "" || strings.ContainsAny(host, " ;/:") {
		return bad()
	}
	return host, port, instance, nil
}
