package live

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/google/go-cmp/cmp"

	"github.com/batonhq/baton/steps/configmgr"
	"github.com/batonhq/baton/steps/shell"
)

func TestBootImagesThroughSQL(t *testing.T) {
	s, mock := newMock(t)
	mock.ExpectQuery(configmgr.QueryBootImages.Text).WithArgs(site()).WillReturnRows(
		sqlmock.NewRows([]string{"PackageID", "Name", "PkgSourcePath"}).
			AddRow("ABC00004", "Boot image (x64)", `\\m1.contoso.com\SMS_ABC\osd\boot\x64\boot.wim`).
			AddRow("ABC00005", nil, nil))
	got, err := s.BootImages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []configmgr.BootImage{
		{PackageID: "ABC00004", Name: "Boot image (x64)", SourcePath: `\\m1.contoso.com\SMS_ABC\osd\boot\x64\boot.wim`},
		{PackageID: "ABC00005"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestServerConfigs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		result string
		want   []configmgr.ServerConfig
	}{
		{"two servers, one unreachable",
			`[{"Server":"m1.contoso.com","Error":"","SqlNativeClient":true,"SmbSigningRequired":true,"ClusterNode":false,"ConfigMgrVersion":"5.00.9128.1000 ","Administrators":["CONTOSO\\M2$"," "],"ConfigurationMof":"ab12","CheckAdminOnSQL":true},` +
				`{"Server":"M2.contoso.com","Error":"WinRM cannot complete the operation"}]`,
			[]configmgr.ServerConfig{
				{Server: "m1.contoso.com", Readable: true, SQLNativeClient: true, SMBSigningRequired: true, ConfigMgrVersion: "5.00.9128.1000",
					Administrators: []string{`CONTOSO\M2$`}, ConfigurationMOF: "AB12", Signals: []configmgr.LogSignal{configmgr.KnownLogSignals[0].LogSignal}},
				{Server: "m2.contoso.com", Error: "WinRM cannot complete the operation; check WinRM on the server (Test-WSMan) and that the runner's account is a local administrator there"},
			}},
		{"one-element array unrolled to an object",
			`{"Server":"m1.contoso.com","ClusterNode":true}`,
			[]configmgr.ServerConfig{
				{Server: "m1.contoso.com", Readable: true, ClusterNode: true},
				{Server: "m2.contoso.com", Error: "the script returned nothing for this server"},
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := liveSite(t)
			calls := capture(s, ok(tc.result), nil)
			got, err := s.ServerConfigs(context.Background(), []string{"m1.contoso.com", "m2.contoso.com"})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if len(*calls) != 1 {
				t.Fatalf("%d calls", len(*calls))
			}
			c := (*calls)[0]
			if c.Script != configmgr.ScriptServerConfig.Text || c.Params[configmgr.ParamServers] != "m1.contoso.com,m2.contoso.com" {
				t.Errorf("call %+v", c)
			}
			if c.Opts.ImportConfigMgr {
				t.Errorf("the server configuration needs no ConfigurationManager module: %+v", c.Opts)
			}
		})
	}
}

func TestServerConfigsFailures(t *testing.T) {
	s := liveSite(t)
	if _, err := s.ServerConfigs(context.Background(), []string{"m1 contoso"}); err == nil || !strings.Contains(err.Error(), "not a host name") {
		t.Errorf("bad host: %v", err)
	}
	capture(s, ok(`"not an object"`), nil)
	if _, err := s.ServerConfigs(context.Background(), []string{"m1.contoso.com"}); err == nil || !strings.Contains(err.Error(), "expected JSON") {
		t.Errorf("bad JSON: %v", err)
	}
	boom := errors.New("powershell.exe not found")
	capture(s, shell.Result{}, boom)
	if _, err := s.ServerConfigs(context.Background(), []string{"m1.contoso.com"}); !errors.Is(err, boom) || !strings.Contains(err.Error(), "PowerShell remoting") {
		t.Errorf("runner failure: %v", err)
	}
}

// FuzzDecodeServerConfigs: whatever the script prints after the result
// marker, decoding returns entries or an error, never a panic.
func FuzzDecodeServerConfigs(f *testing.F) {
	for _, seed := range []string{
		`[{"Server":"m1","SqlNativeClient":true,"Administrators":["A\\B$"]}]`,
		`{"Server":"m1","Error":"denied"}`, `null`, ``, `[1,2]`, `{"Administrators":"x"}`, `[{"Server":null}]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		entries, err := decodeServerConfigs(raw)
		if err != nil && entries != nil {
			t.Fatalf("entries %v with error %v", entries, err)
		}
		for _, e := range entries {
			_ = serverConfigOf("m1.contoso.com", e)
		}
	})
}
