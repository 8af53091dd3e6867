package live

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/google/go-cmp/cmp"
	mssqldrv "github.com/microsoft/go-mssqldb"

	"github.com/batonhq/baton/steps/configmgr"
	"github.com/batonhq/baton/steps/mssql"
)

func testConfig() configmgr.TargetConfig {
	return configmgr.TargetConfig{
		SiteCode: "ABC", SQLServer: "sql1.contoso.com", SQLHost: "sql1.contoso.com", Database: "CM_ABC",
		SQLAuth: "windows", SQLEncrypt: "true", Provider: "m1.contoso.com", QueryTimeout: 5 * time.Second,
	}
}

// newMock returns a live Site over go-sqlmock with exact SQL matching.
func newMock(t *testing.T) (*Site, sqlmock.Sqlmock) {
	t.Helper()
	db, mock, err := sqlmock.New(sqlmock.QueryMatcherOption(sqlmock.QueryMatcherEqual))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		if err := mock.ExpectationsWereMet(); err != nil {
			t.Errorf("sqlmock: %v", err)
		}
	})
	s := New(db, testConfig(), nil)
	s.RunScript = nil // an action must not reach PowerShell unless a test sets a runner
	return s, mock
}

func site() driver.Value { return sql.Named("site", "ABC") }

var t0 = time.Date(2026, 3, 10, 11, 0, 0, 0, time.UTC)

func TestFactsThroughSQL(t *testing.T) {
	siteCols := []string{"SiteCode", "SiteName", "Type", "Status", "ServerName", "Version", "BuildNumber", "ReportingSiteCode", "Maintenance"}

	t.Run("site", func(t *testing.T) {
		s, mock := newMock(t)
		mock.ExpectQuery(configmgr.QuerySite.Text).WithArgs(site()).WillReturnRows(
			sqlmock.NewRows(siteCols).AddRow("ABC", "Contoso", int64(2), int64(1), "m1.contoso.com", "5.00.9128.1000", int64(9128), nil, false))
		got, err := s.Site(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := configmgr.SiteInfo{Code: "ABC", Name: "Contoso", Type: configmgr.SitePrimary, Status: 1, ServerName: "m1.contoso.com",
			Version: "5.00.9128.1000", BuildNumber: 9128}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})

	t.Run("site missing", func(t *testing.T) {
		s, mock := newMock(t)
		mock.ExpectQuery(configmgr.QuerySite.Text).WithArgs(site()).WillReturnRows(sqlmock.NewRows(siteCols))
		_, err := s.Site(context.Background())
		if err == nil || !strings.Contains(err.Error(), "site ABC is not in v_Site") {
			t.Errorf("err = %v", err)
		}
	})

	t.Run("hierarchy", func(t *testing.T) {
		s, mock := newMock(t)
		mock.ExpectQuery(configmgr.QueryHierarchy.Text).WithArgs(site()).WillReturnRows(
			sqlmock.NewRows(siteCols).
				AddRow("CAS", "Central", int64(4), int64(1), "cas.contoso.com", "5.00.9128.1000", int64(9128), nil, false).
				AddRow("S01", "Branch", int64(1), int64(1), "s01.contoso.com", nil, nil, "ABC", true))
		got, err := s.Hierarchy(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := []configmgr.SiteInfo{
			{Code: "CAS", Name: "Central", Type: configmgr.SiteCAS, Status: 1, ServerName: "cas.contoso.com", Version: "5.00.9128.1000", BuildNumber: 9128},
			{Code: "S01", Name: "Branch", Type: configmgr.SiteSecondary, Status: 1, ServerName: "s01.contoso.com", ReportingSite: "ABC", Maintenance: true},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})

	t.Run("site servers", func(t *testing.T) {
		s, mock := newMock(t)
		mock.ExpectQuery(configmgr.QuerySiteServers.Text).WithArgs(site()).WillReturnRows(
			sqlmock.NewRows([]string{"ServerName", "SiteSystemStatus", "ServerState", "ActiveServer"}).
				AddRow("M1.contoso.com", int64(1), int64(196611), "m1.contoso.com").
				AddRow("m2.contoso.com", int64(0), int64(131071), "m1.contoso.com").
				AddRow("m3.contoso.com", nil, nil, "m1.contoso.com"))
		got, err := s.SiteServers(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("got %d servers", len(got))
		}
		check := func(i int, mode, status string, state int, detail string) {
			t.Helper()
			g := got[i]
			if g.Mode != mode || g.Status != status || g.ServerState != state || !strings.Contains(g.Detail, detail) {
				t.Errorf("server %d = %+v; want %s %s %d %q", i, g, mode, status, state, detail)
			}
		}
		check(0, configmgr.ModeActive, configmgr.StatusOK, 196611, "SiteSystemStatus 1")
		check(1, configmgr.ModePassive, configmgr.StatusInstallFailed, 131071, "installation failed [community decoding]")
		check(2, configmgr.ModePassive, configmgr.StatusUnknown, 0, "ServerState not set")
	})

	t.Run("roles", func(t *testing.T) {
		s, mock := newMock(t)
		mock.ExpectQuery(configmgr.QueryRoles.Text).WithArgs(site()).WillReturnRows(
			sqlmock.NewRows([]string{"SiteCode", "ServerName", "RoleName"}).
				AddRow("ABC", "m1.contoso.com", "SMS Site Server").
				AddRow("ABC", "m1.contoso.com", "SMS Distribution Point"))
		got, err := s.Roles(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := []configmgr.Role{{SiteCode: "ABC", Server: "m1.contoso.com", Role: "SMS Site Server"}, {SiteCode: "ABC", Server: "m1.contoso.com", Role: "SMS Distribution Point"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})

	t.Run("replication", func(t *testing.T) {
		s, mock := newMock(t)
		mock.ExpectQuery(configmgr.QueryReplication.Text).WithArgs(site()).WillReturnRows(
			sqlmock.NewRows([]string{"SiteSending", "SiteReceiving", "ReplicationGroup", "Status", "UpdateTime"}).
				AddRow("ABC", "S01", "Secondary Site Data", int64(2), t0).
				AddRow("S01", "ABC", "", int64(9), nil))
		got, err := s.ReplicationLinks(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := []configmgr.ReplicationLink{
			{From: "ABC", To: "S01", Group: "Secondary Site Data", Status: 2, State: "active", UpdatedAt: t0},
			{From: "S01", To: "ABC", Status: 9, State: "failed"},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})

	t.Run("updates", func(t *testing.T) {
		s, mock := newMock(t)
		mock.ExpectQuery(configmgr.QueryUpdates.Text).WithArgs(site()).WillReturnRows(
			sqlmock.NewRows([]string{"Name", "FullVersion", "State", "LastUpdateTime"}).
				AddRow("Configuration Manager 2403", "5.00.9128.1000", int64(196612), t0).
				AddRow("3F2504E0-4F89-11D3-9A0C-0305E82C3301", "", int64(196609), t0))
		got, err := s.Updates(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := []configmgr.SiteUpdate{
			{Name: "Configuration Manager 2403", Version: "5.00.9128.1000", State: 196612, StateName: "installed", UpdatedAt: t0},
			{Name: "3F2504E0-4F89-11D3-9A0C-0305E82C3301", State: 196609, StateName: "installing", UpdatedAt: t0},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})

	t.Run("distributions", func(t *testing.T) {
		s, mock := newMock(t)
		mock.ExpectQuery(configmgr.QueryDistributions.Text).WithArgs(site()).WillReturnRows(
			sqlmock.NewRows([]string{"PackageID", "ServerNALPath", "InProgress", "Errors", "SiteToSite"}).
				AddRow("ABC00012", `["Display=\\dp1.contoso.com\"]MSWNET:["SMS_SITE=ABC"]\\dp1.contoso.com\`, int64(1), int64(0), false).
				AddRow("ABC00014", "", int64(3), int64(1), true))
		got, err := s.Distributions(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := []configmgr.Distribution{
			{PackageID: "ABC00012", Server: "dp1.contoso.com", InProgress: 1},
			{PackageID: "ABC00014", InProgress: 3, Errors: 1, SiteToSite: true},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})

	t.Run("components", func(t *testing.T) {
		s, mock := newMock(t)
		mock.ExpectQuery(configmgr.QueryComponents.Text).WithArgs(site()).WillReturnRows(
			sqlmock.NewRows([]string{"MachineName", "ComponentName", "Status", "AvailabilityState"}).
				AddRow("m1.contoso.com", "SMS_EXECUTIVE", int64(0), int64(0)).
				AddRow("m1.contoso.com", "SMS_FAILOVER_MANAGER", int64(2), int64(3)).
				AddRow("m2.contoso.com", "SMS_EXECUTIVE", nil, nil))
		got, err := s.Components(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := []configmgr.Component{
			{Server: "m1.contoso.com", Name: "SMS_EXECUTIVE", Status: 0, Available: true},
			{Server: "m1.contoso.com", Name: "SMS_FAILOVER_MANAGER", Status: 2},
			{Server: "m2.contoso.com", Name: "SMS_EXECUTIVE"},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})

	t.Run("features", func(t *testing.T) {
		cols := []string{"RoleName", "ServerName", "Name", "Value1", "Value3"}
		s, mock := newMock(t)
		mock.ExpectQuery(configmgr.QueryFeatures.Text).WithArgs(site()).WillReturnRows(
			sqlmock.NewRows(cols).
				AddRow("SMS Distribution Point", "dp1.contoso.com", "CertificateType", "", int64(2)).
				AddRow("SMS Distribution Point", "dp1.contoso.com", "IsPXE", "", int64(1)).
				AddRow("SMS Management Point", "m1.contoso.com", "SslState", "", int64(63)))
		got, err := s.Features(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := configmgr.Features{DPCertificateMode: "pki-imported", PKIClients: true, PXEDistribution: true}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}

		s, mock = newMock(t)
		mock.ExpectQuery(configmgr.QueryFeatures.Text).WithArgs(site()).WillReturnRows(
			sqlmock.NewRows(cols).
				AddRow("SMS Distribution Point", "dp1.contoso.com", "IsPXE", "", int64(0)).
				AddRow("SMS Management Point", "m1.contoso.com", "SslState", "", int64(0)))
		got, err = s.Features(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(configmgr.Features{DPCertificateMode: "self-signed"}, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}

func TestQueryErrors(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want []string
	}{
		{"missing view", mssqldrv.Error{Number: 208, Message: "Invalid object name 'vSMS_SC_SysResUse'."},
			[]string{"site database CM_ABC, query site_servers", "Invalid object name", "SQL Server error 208", "may lack a view or column", "[UNVERIFIED]"}},
		{"permission", mssqldrv.Error{Number: 229, Message: "The SELECT permission was denied on the object 'v_Site'."},
			[]string{"query site_servers", "SELECT permission was denied", "db_datareader"}},
		{"connection", io.ErrUnexpectedEOF, []string{"query site_servers", "connection to the server failed"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, mock := newMock(t)
			mock.ExpectQuery(configmgr.QuerySiteServers.Text).WithArgs(site()).WillReturnError(c.err)
			_, err := s.SiteServers(context.Background())
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			var me *mssql.Error
			if !errors.As(err, &me) {
				t.Errorf("error is not classified: %T", err)
			}
		})
	}

	t.Run("row error", func(t *testing.T) {
		s, mock := newMock(t)
		mock.ExpectQuery(configmgr.QueryRoles.Text).WithArgs(site()).WillReturnRows(
			sqlmock.NewRows([]string{"SiteCode", "ServerName", "RoleName"}).
				AddRow("ABC", "m1", "SMS Site Server").
				RowError(0, errors.New("transport closed")))
		_, err := s.Roles(context.Background())
		if err == nil || !strings.Contains(err.Error(), "query roles") || !strings.Contains(err.Error(), "transport closed") {
			t.Errorf("err = %v", err)
		}
	})

	t.Run("scan error", func(t *testing.T) {
		s, mock := newMock(t)
		mock.ExpectQuery(configmgr.QueryComponents.Text).WithArgs(site()).WillReturnRows(
			sqlmock.NewRows([]string{"MachineName", "ComponentName", "Status", "AvailabilityState"}).
				AddRow("m1", "SMS_EXECUTIVE", "not a number", int64(0)))
		_, err := s.Components(context.Background())
		if err == nil || !strings.Contains(err.Error(), "query components: reading a row") {
			t.Errorf("err = %v", err)
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		s, mock := newMock(t)
		mock.ExpectQuery(configmgr.QueryUpdates.Text).WithArgs(site()).WillDelayFor(5 * time.Second).
			WillReturnRows(sqlmock.NewRows([]string{"Name"}))
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(20*time.Millisecond, cancel)
		start := time.Now()
		_, err := s.Updates(ctx)
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "query updates: stopped") {
			t.Errorf("err = %v", err)
		}
		if time.Since(start) > 2*time.Second {
			t.Errorf("cancellation took %s", time.Since(start))
		}
	})

	t.Run("query timeout", func(t *testing.T) {
		s, mock := newMock(t)
		s.cfg.QueryTimeout = 20 * time.Millisecond
		mock.ExpectQuery(configmgr.QueryRoles.Text).WithArgs(site()).WillDelayFor(5 * time.Second).
			WillReturnRows(sqlmock.NewRows([]string{"SiteCode"}))
		_, err := s.Roles(context.Background())
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "raise query_timeout") {
			t.Errorf("err = %v", err)
		}
	})
}

// TestEveryQueryUsesOnlyTheSiteParameter: the only value a query gets is
// the site code, as a named parameter.
func TestEveryQueryUsesOnlyTheSiteParameter(t *testing.T) {
	for _, q := range configmgr.Queries {
		if len(q.Params) != 1 || q.Params[0].Name != "site" {
			t.Errorf("%s: params %+v", q.Name, q.Params)
		}
		if strings.Count(q.Text, "@") != strings.Count(q.Text, "@site") || !strings.Contains(q.Text, "@site") {
			t.Errorf("%s: parameters in the text are not exactly @site", q.Name)
		}
		for _, w := range []string{"INSERT", "UPDATE", "DELETE", "EXEC", "MERGE", "DROP", "ALTER", "CREATE", "TRUNCATE"} {
			if strings.Contains(strings.ToUpper(q.Text), w+" ") {
				t.Errorf("%s: not read-only (%s)", q.Name, w)
			}
		}
	}
}
