// Package live is the live backend of package configmgr: it reads a
// Configuration Manager site's facts from its site database (through
// database/sql and go-mssqldb) and the AdminService, probes servers over
// TCP and HTTPS, and performs actions by running the ConfigurationManager
// cmdlets in PowerShell on the runner.
//
// The T-SQL, the PowerShell scripts and the AdminService routes are data
// in package configmgr (queries.go, scripts.go), shared with the step
// types' descriptions, so plans show exactly what runs here. What CI does
// not verify (no SQL Server, no PowerShell, no ConfigMgr site) is listed in
// docs/live-backend.md.
//
// Linking this package in registers its opener with
// configmgr.SetLiveOpener.
package live

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/batonhq/baton/steps/configmgr"
	"github.com/batonhq/baton/steps/mssql"
	"github.com/batonhq/baton/steps/shell"
)

func init() { configmgr.SetLiveOpener(Open) }

// Querier is what the live backend needs from the site database: *sql.DB
// satisfies it, and tests use go-sqlmock behind it.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// ScriptRunner runs a PowerShell script body with its parameters and
// returns the finished process's result. The default wraps it with
// shell.PowerShell and runs it with shell.Run; tests replace it to capture
// the script without running PowerShell.
type ScriptRunner func(ctx context.Context, script string, params map[string]string, opts shell.PSOptions) (shell.Result, error)

// RunPowerShell is the default ScriptRunner. It reports the started
// powershell.exe to the function shell.WithOnStart put in ctx, if any
// (the step kinds carry steps.Request.OnProcess that way).
func RunPowerShell(ctx context.Context, script string, params map[string]string, opts shell.PSOptions) (shell.Result, error) {
	c := shell.PowerShell(script, params, opts)
	c.OnStart = shell.OnStartFrom(ctx)
	return shell.Run(ctx, c)
}

// Site is a live ConfigMgr site. The exported fields are seams with
// working defaults set by New; change them before the first use.
type Site struct {
	cfg    configmgr.TargetConfig
	db     Querier
	closer io.Closer
	log    hclog.Logger

	// RunScript runs the actions' PowerShell.
	RunScript ScriptRunner
	// HTTPClient reads the AdminService and probes it.
	HTTPClient *http.Client
	// AdminServiceBase returns the base URL of a server's AdminService
	// host, without the route: "https://<server>" by default.
	AdminServiceBase func(server string) string
	// Dial opens the TCP probes.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// ProbeTimeout bounds each reachability probe.
	ProbeTimeout time.Duration
}

var _ configmgr.Site = (*Site)(nil)

// New returns a live Site reading through db. cfg must come from
// configmgr.DecodeTarget (a valid site code, a positive query timeout).
func New(db Querier, cfg configmgr.TargetConfig, log hclog.Logger) *Site {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	if cfg.QueryTimeout <= 0 {
		cfg.QueryTimeout = 60 * time.Second
	}
	d := &net.Dialer{}
	return &Site{
		cfg:              cfg,
		db:               db,
		log:              log,
		RunScript:        RunPowerShell,
		HTTPClient:       &http.Client{Timeout: 30 * time.Second},
		AdminServiceBase: func(server string) string { return "https://" + server },
		Dial:             d.DialContext,
		ProbeTimeout:     configmgr.ProbeTimeout,
	}
}

// Open connects to the site database the target names and returns the
// live Site; it is the opener registered with configmgr.SetLiveOpener.
func Open(ctx context.Context, cfg configmgr.TargetConfig, log hclog.Logger) (configmgr.Site, error) {
	if cfg.SQLServer == "" {
		return nil, errors.New(`sql_server is required by the live backend: give the site database's SQL Server as "host", "host,port" or "host\instance"`)
	}
	db, err := mssql.Open(ctx, mssql.Config{
		Server:   cfg.SQLHost,
		Port:     cfg.SQLPort,
		Instance: cfg.SQLInstance,
		Database: cfg.Database,
		Auth:     cfg.SQLAuth,
		User:     cfg.SQLUser,
		Password: cfg.SQLPassword,
		Encrypt:  cfg.SQLEncrypt,
		// The connection timeout is a socket deadline for every read
		// (go-notes 4.3): it must outlast the longest query.
		ConnectTimeout: cfg.QueryTimeout + 10*time.Second,
		DialTimeout:    mssql.DefaultDialTimeout,
		AppName:        "baton-configmgr",
	})
	if err != nil {
		return nil, fmt.Errorf("opening site database %s: %w", cfg.Database, err)
	}
	s := New(db, cfg, log)
	s.closer = db
	return s, nil
}

// Close closes the site database connection.
func (s *Site) Close() error {
	if s.closer == nil {
		return nil
	}
	return s.closer.Close()
}

// query runs q with the site's named parameters, calling scan for each row.
func (s *Site) query(ctx context.Context, q configmgr.Query, scan func(*sql.Rows) error) error {
	args := make([]any, 0, len(q.Params))
	for _, p := range q.Params {
		switch p.Name {
		case "site":
			args = append(args, sql.Named("site", s.cfg.SiteCode))
		default:
			return fmt.Errorf("query %s: no value for parameter @%s (a bug in baton)", q.Name, p.Name)
		}
	}
	qctx, cancel := context.WithTimeout(ctx, s.cfg.QueryTimeout)
	defer cancel()
	s.log.Debug("configmgr: site database query", "query", q.Name, "site", s.cfg.SiteCode)
	rows, err := s.db.QueryContext(qctx, q.Text, args...)
	if err != nil {
		return s.queryError(ctx, qctx, q, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return s.queryError(ctx, qctx, q, fmt.Errorf("reading a row: %w", err))
		}
	}
	if err := rows.Err(); err != nil {
		return s.queryError(ctx, qctx, q, err)
	}
	return nil
}

// queryError says which query failed against which database, and what
// to do.
func (s *Site) queryError(ctx, qctx context.Context, q configmgr.Query, err error) error {
	where := fmt.Sprintf("site database %s, query %s", s.cfg.Database, q.Name)
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s: stopped: %w", where, ctx.Err())
	case qctx.Err() != nil:
		return fmt.Errorf("%s: no answer within query_timeout %s: raise query_timeout in the configmgr target, or check the SQL Server's load: %w", where, s.cfg.QueryTimeout, qctx.Err())
	}
	ce := mssql.Classify(err)
	var me *mssql.Error
	if errors.As(ce, &me) {
		switch me.Class {
		case mssql.Syntax:
			return fmt.Errorf("%s: %w; this ConfigMgr version may lack a view or column the query names (see the [UNVERIFIED] notes in the plan and docs/live-backend.md): report it with the SQL Server message", where, ce)
		case mssql.PermissionDenied:
			return fmt.Errorf("%s: %w; the runner's account needs read access to the site database (db_datareader, or the ConfigMgr read-only analyst role on the views)", where, ce)
		}
	}
	return fmt.Errorf("%s: %w", where, ce)
}

// Scanning helpers: the site database has NULLs in many columns.

func nstr(n sql.NullString) string { return strings.TrimSpace(n.String) }

func nint(n sql.NullInt64) int { return int(n.Int64) }

func ntime(n sql.NullTime) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	// datetime columns carry no zone; the driver returns them as UTC,
	// which is what the queries' notes assume [UNVERIFIED].
	return n.Time.UTC()
}

// Site reads the target site (configmgr.QuerySite).
func (s *Site) Site(ctx context.Context) (configmgr.SiteInfo, error) {
	var sites []configmgr.SiteInfo
	if err := s.query(ctx, configmgr.QuerySite, func(r *sql.Rows) error {
		si, err := scanSite(r)
		sites = append(sites, si)
		return err
	}); err != nil {
		return configmgr.SiteInfo{}, err
	}
	if len(sites) == 0 {
		return configmgr.SiteInfo{}, fmt.Errorf("site database %s: site %s is not in v_Site: check the target's site_code and database", s.cfg.Database, s.cfg.SiteCode)
	}
	return sites[0], nil
}

// Hierarchy reads the related sites (configmgr.QueryHierarchy).
func (s *Site) Hierarchy(ctx context.Context) ([]configmgr.SiteInfo, error) {
	var sites []configmgr.SiteInfo
	err := s.query(ctx, configmgr.QueryHierarchy, func(r *sql.Rows) error {
		si, err := scanSite(r)
		sites = append(sites, si)
		return err
	})
	return sites, err
}

func scanSite(r *sql.Rows) (configmgr.SiteInfo, error) {
	var (
		code                             string
		name, server, version, reporting sql.NullString
		typ, status, build               sql.NullInt64
		maintenance                      bool
	)
	if err := r.Scan(&code, &name, &typ, &status, &server, &version, &build, &reporting, &maintenance); err != nil {
		return configmgr.SiteInfo{}, err
	}
	return configmgr.SiteInfo{
		Code:          strings.TrimSpace(code),
		Name:          nstr(name),
		Type:          configmgr.SiteType(nint(typ)),
		Status:        nint(status),
		ServerName:    nstr(server),
		Version:       nstr(version),
		BuildNumber:   nint(build),
		ReportingSite: nstr(reporting),
		Maintenance:   maintenance,
	}, nil
}

// SiteServers reads the HA site servers (configmgr.QuerySiteServers). The
// status decoding is [COMMUNITY]: see configmgr.DecodeServerState.
func (s *Site) SiteServers(ctx context.Context) ([]configmgr.SiteServer, error) {
	var out []configmgr.SiteServer
	err := s.query(ctx, configmgr.QuerySiteServers, func(r *sql.Rows) error {
		var (
			name         string
			sysStatus    sql.NullInt64
			state        sql.NullInt64
			activeServer sql.NullString
		)
		if err := r.Scan(&name, &sysStatus, &state, &activeServer); err != nil {
			return err
		}
		name = strings.TrimSpace(name)
		mode := configmgr.ModePassive
		if strings.EqualFold(name, nstr(activeServer)) {
			mode = configmgr.ModeActive
		}
		status, detail := configmgr.DecodeServerState(nint(state))
		if sysStatus.Valid {
			detail += fmt.Sprintf("; SiteSystemStatus %d", sysStatus.Int64)
		}
		out = append(out, configmgr.SiteServer{Name: name, Mode: mode, Status: status, ServerState: nint(state), Detail: detail})
		return nil
	})
	return out, err
}

// Roles reads the site system roles (configmgr.QueryRoles).
func (s *Site) Roles(ctx context.Context) ([]configmgr.Role, error) {
	var out []configmgr.Role
	err := s.query(ctx, configmgr.QueryRoles, func(r *sql.Rows) error {
		var code, server, role sql.NullString
		if err := r.Scan(&code, &server, &role); err != nil {
			return err
		}
		out = append(out, configmgr.Role{SiteCode: nstr(code), Server: nstr(server), Role: nstr(role)})
		return nil
	})
	return out, err
}

// ReplicationLinks reads the replication links (configmgr.QueryReplication).
func (s *Site) ReplicationLinks(ctx context.Context) ([]configmgr.ReplicationLink, error) {
	var out []configmgr.ReplicationLink
	err := s.query(ctx, configmgr.QueryReplication, func(r *sql.Rows) error {
		var (
			from, to, group sql.NullString
			status          sql.NullInt64
			updated         sql.NullTime
		)
		if err := r.Scan(&from, &to, &group, &status, &updated); err != nil {
			return err
		}
		out = append(out, configmgr.ReplicationLink{
			From: nstr(from), To: nstr(to), Group: nstr(group),
			Status: nint(status), State: configmgr.ReplicationLinkState(nint(status)),
			UpdatedAt: ntime(updated),
		})
		return nil
	})
	return out, err
}

// Updates reads the Updates and Servicing state (configmgr.QueryUpdates).
func (s *Site) Updates(ctx context.Context) ([]configmgr.SiteUpdate, error) {
	var out []configmgr.SiteUpdate
	err := s.query(ctx, configmgr.QueryUpdates, func(r *sql.Rows) error {
		var (
			name, version sql.NullString
			state         sql.NullInt64
			updated       sql.NullTime
		)
		if err := r.Scan(&name, &version, &state, &updated); err != nil {
			return err
		}
		out = append(out, configmgr.SiteUpdate{
			Name: nstr(name), Version: nstr(version),
			State: nint(state), StateName: configmgr.UpdateStateName(nint(state)),
			UpdatedAt: ntime(updated),
		})
		return nil
	})
	return out, err
}

// Distributions reads unfinished distributions
// (configmgr.QueryDistributions).
func (s *Site) Distributions(ctx context.Context) ([]configmgr.Distribution, error) {
	var out []configmgr.Distribution
	err := s.query(ctx, configmgr.QueryDistributions, func(r *sql.Rows) error {
		var (
			pkg, nal         sql.NullString
			inProgress, errs sql.NullInt64
			siteToSite       bool
		)
		if err := r.Scan(&pkg, &nal, &inProgress, &errs, &siteToSite); err != nil {
			return err
		}
		server := ""
		if n := nstr(nal); n != "" {
			server = configmgr.ServerFromNALPath(n)
		}
		out = append(out, configmgr.Distribution{
			PackageID: nstr(pkg), Server: server,
			InProgress: nint(inProgress), Errors: nint(errs), SiteToSite: siteToSite,
		})
		return nil
	})
	return out, err
}

// Components reads component status (configmgr.QueryComponents).
func (s *Site) Components(ctx context.Context) ([]configmgr.Component, error) {
	var out []configmgr.Component
	err := s.query(ctx, configmgr.QueryComponents, func(r *sql.Rows) error {
		var (
			machine, name     sql.NullString
			status, available sql.NullInt64
		)
		if err := r.Scan(&machine, &name, &status, &available); err != nil {
			return err
		}
		out = append(out, configmgr.Component{
			Server: nstr(machine), Name: nstr(name), Status: nint(status),
			Available: available.Valid && available.Int64 == 0,
		})
		return nil
	})
	return out, err
}

// Features reads the settings behind post-promotion tasks
// (configmgr.QueryFeatures). Every decoding is [UNVERIFIED]; the settings
// the database does not show (Store for Business, pre-production client,
// boot media) are reported false, and runbooks declare them through the
// step's arguments.
func (s *Site) Features(ctx context.Context) (configmgr.Features, error) {
	f := configmgr.Features{DPCertificateMode: "self-signed"}
	err := s.query(ctx, configmgr.QueryFeatures, func(r *sql.Rows) error {
		var (
			role, server, name, value1 sql.NullString
			value3                     sql.NullInt64
		)
		if err := r.Scan(&role, &server, &name, &value1, &value3); err != nil {
			return err
		}
		switch nstr(name) {
		case "IsPXE":
			if value3.Int64 == 1 {
				f.PXEDistribution = true
			}
		case "CertificateType":
			if value3.Int64 == 2 {
				f.DPCertificateMode = "pki-imported"
			}
		case "SslState":
			if value3.Int64 != 0 {
				f.PKIClients = true
			}
		}
		return nil
	})
	return f, err
}
