package configmgr

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/go-hclog"
)

func TestDecodeTarget(t *testing.T) {
	tk := NewTargetKind(nil)
	got, err := DecodeTarget(decode(t, tk.Spec(), `site_code = "abc"
sql_server = "sql1.contoso.com,14330"
sql_auth = "SQL"
sql_user = "reader"
sql_password = "Sql-S3cret!"
provider = "m1.contoso.com"
query_timeout = "2m"`))
	if err != nil {
		t.Fatal(err)
	}
	want := TargetConfig{SiteCode: "ABC", SQLServer: "sql1.contoso.com,14330", SQLHost: "sql1.contoso.com", SQLPort: 14330,
		Database: "CM_ABC", SQLAuth: "sql", SQLUser: "reader", SQLPassword: "Sql-S3cret!", SQLEncrypt: "true",
		Provider: "m1.contoso.com", QueryTimeout: 2 * time.Minute}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(f, got); strings.Contains(s, "Sql-S3cret!") {
			t.Errorf("%s prints the password: %s", f, s)
		}
	}

	got, err = DecodeTarget(decode(t, tk.Spec(), `site_code = "XYZ"`))
	if err != nil {
		t.Fatal(err)
	}
	if got.Database != "CM_XYZ" || got.SQLAuth != "windows" || got.SQLEncrypt != "true" || got.QueryTimeout != time.Minute {
		t.Errorf("defaults: %+v", got)
	}

	for src, want := range map[string]string{
		`site_code = "ABCD"`:                                                      "is not a site code",
		"site_code = \"ABC\"\nsql_auth = \"kerberos\"":                            `sql_auth "kerberos"`,
		"site_code = \"ABC\"\nsql_auth = \"sql\"\nsql_password = \"Sql-S3cret!\"": "needs sql_user",
		"site_code = \"ABC\"\nsql_encrypt = \"yes\"":                              `sql_encrypt "yes"`,
		"site_code = \"ABC\"\nsql_server = \"sql1:1433\"":                         `sql_server "sql1:1433"`,
		"site_code = \"ABC\"\nquery_timeout = \"0s\"":                             "query_timeout",
		"site_code = \"ABC\"\nprovider = \"https://m1\"":                          "provider",
	} {
		_, err := DecodeTarget(decode(t, tk.Spec(), src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", src, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "Sql-S3cret!") {
			t.Errorf("%q: password in error", src)
		}
	}
}

func TestParseSQLServer(t *testing.T) {
	type r struct {
		Host     string
		Port     int
		Instance string
	}
	for in, want := range map[string]r{
		"sql1":                     {"sql1", 0, ""},
		"sql1.contoso.com,1433":    {"sql1.contoso.com", 1433, ""},
		`sql1\CM`:                  {"sql1", 0, "CM"},
		`sql1\CM,1500`:             {"sql1", 1500, "CM"},
		"10.0.0.5":                 {"10.0.0.5", 0, ""},
		"sql1.contoso.com , 1433 ": {"sql1.contoso.com", 1433, ""},
	} {
		h, p, i, err := ParseSQLServer(in)
		if err != nil || (r{h, p, i}) != want {
			t.Errorf("ParseSQLServer(%q) = %q %d %q %v; want %+v", in, h, p, i, err, want)
		}
	}
	for _, in := range []string{"", ",1433", "sql1,", "sql1,x", "sql1,70000", `sql1\`, `\CM`, "sql 1", "sql1;x=y"} {
		if _, _, _, err := ParseSQLServer(in); err == nil {
			t.Errorf("ParseSQLServer(%q): no error", in)
		}
	}
}

func TestTargetOpen(t *testing.T) {
	var gotCfg TargetConfig
	site := &fakeSite{}
	tk := NewTargetKind(func(ctx context.Context, cfg TargetConfig, log hclog.Logger) (Site, error) {
		gotCfg = cfg
		return site, nil
	})
	target, err := tk.Open(context.Background(), decode(t, tk.Spec(), `site_code = "ABC"`), hclog.NewNullLogger())
	if err != nil || target != site || gotCfg.SiteCode != "ABC" {
		t.Fatalf("Open = %v, %v, cfg %+v", target, err, gotCfg)
	}

	boom := errors.New("login failed")
	tk = NewTargetKind(func(context.Context, TargetConfig, hclog.Logger) (Site, error) { return nil, boom })
	if _, err := tk.Open(context.Background(), decode(t, tk.Spec(), `site_code = "ABC"`), nil); !errors.Is(err, boom) || !strings.Contains(err.Error(), "configmgr target ABC") {
		t.Errorf("opener error: %v", err)
	}
	if _, err := tk.Open(context.Background(), decode(t, tk.Spec(), `site_code = "AB"`), nil); err == nil {
		t.Error("invalid site code accepted")
	}

	SetLiveOpener(nil)
	tk = NewTargetKind(nil)
	if _, err := tk.Open(context.Background(), decode(t, tk.Spec(), `site_code = "ABC"`), nil); err == nil || !strings.Contains(err.Error(), "not linked") {
		t.Errorf("no opener: %v", err)
	}
	SetLiveOpener(func(context.Context, TargetConfig, hclog.Logger) (Site, error) { return site, nil })
	defer SetLiveOpener(nil)
	if got, err := tk.Open(context.Background(), decode(t, tk.Spec(), `site_code = "ABC"`), nil); err != nil || got != site {
		t.Errorf("registered opener: %v, %v", got, err)
	}
}

func TestSemantics(t *testing.T) {
	for state, want := range map[int]string{
		0: StatusUnknown, 131071: StatusInstallFailed, 196607: StatusPrereqFailed,
		196611: StatusOK, 0x00030000: StatusOK, 0x0003FFFF: StatusOK, 65536: StatusInstalling, 131072: StatusInstalling, 0x00040001: StatusInstalling,
	} {
		if got, detail := DecodeServerState(state); got != want || detail == "" {
			t.Errorf("DecodeServerState(%d) = %q, %q; want %q", state, got, detail, want)
		}
	}
	if _, d := DecodeServerState(131071); !strings.Contains(d, "community") || !strings.Contains(d, "0x0001FFFF") {
		t.Errorf("detail %q", d)
	}
	for state, want := range map[int]string{196612: "installed", 196609: "installing", 196620: "installing", 262143: "failed", 131073: "prereq_running", 42: "state_42"} {
		if got := UpdateStateName(state); got != want {
			t.Errorf("UpdateStateName(%d) = %q, want %q", state, got, want)
		}
	}
	for _, c := range []struct {
		u                  SiteUpdate
		installed, running bool
	}{
		{SiteUpdate{State: 196612}, true, false},
		{SiteUpdate{State: 196609}, false, true},
		{SiteUpdate{State: 196629}, false, true},
		{SiteUpdate{State: 131073}, false, true},
		{SiteUpdate{State: 65537}, false, true},
		{SiteUpdate{State: 262143}, false, false},
		{SiteUpdate{State: 2}, false, false},
		{SiteUpdate{StateName: "installed"}, true, false},
		{SiteUpdate{StateName: "installing"}, false, true},
	} {
		if UpdateIsInstalled(c.u) != c.installed || UpdateIsInProgress(c.u) != c.running {
			t.Errorf("%+v: installed %v running %v", c.u, UpdateIsInstalled(c.u), UpdateIsInProgress(c.u))
		}
	}
	for status, want := range map[int]string{2: "active", 3: "active", 4: "initializing", 8: "degraded", 9: "failed", 7: "unknown"} {
		if got := ReplicationLinkState(status); got != want {
			t.Errorf("ReplicationLinkState(%d) = %q", status, got)
		}
	}
	for in, want := range map[string]string{
		`["Display=\\dp1.contoso.com\"]MSWNET:["SMS_SITE=ABC"]\\dp1.contoso.com\`: "dp1.contoso.com",
		`\\dp2\`: "dp2",
		`\\dp3`:  "dp3",
		"dp4":    "dp4",
		`\\`:     `\\`,
	} {
		if got := ServerFromNALPath(in); got != want {
			t.Errorf("ServerFromNALPath(%q) = %q, want %q", in, got, want)
		}
	}
	for s, ok := range map[string]bool{"m1.contoso.com": true, "M1": true, "10.0.0.1": true, "": false, "m1 x": false, "m1;rm": false, "-m1": false, "a'b": false} {
		if ValidHost(s) != ok {
			t.Errorf("ValidHost(%q) != %v", s, ok)
		}
	}
	if !ValidPackageID("ABC00012") || ValidPackageID("ABC0001") || ValidPackageID("ABC0001'") {
		t.Error("ValidPackageID")
	}
	if err := NotAutomatedError("x", "do y"); !errors.Is(err, ErrNotAutomated) {
		t.Error("NotAutomatedError does not wrap ErrNotAutomated")
	}
	if q := AdminServiceSiteQuery("ABC"); q != "%24filter=SiteCode+eq+%27ABC%27" {
		t.Errorf("AdminServiceSiteQuery = %q", q)
	}
	for _, opt := range []string{SourceNetwork, SourceCopy, SourceLocal} {
		s, err := ScriptAddPassive(opt)
		if err != nil || !strings.Contains(s.Text, "Add-CMPassiveSite") {
			t.Errorf("ScriptAddPassive(%q): %v", opt, err)
		}
	}
	if _, err := ScriptAddPassive("usb"); err == nil {
		t.Error("ScriptAddPassive(usb): no error")
	}
}
