package live

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/batonhq/baton/steps/configmgr"
	"github.com/batonhq/baton/steps/shell"
)

// call is one captured PowerShell invocation.
type call struct {
	Script string
	Params map[string]string
	Opts   shell.PSOptions
}

// capture makes s's runner record each call and answer res, err.
func capture(s *Site, res shell.Result, err error) *[]call {
	var mu sync.Mutex
	calls := &[]call{}
	s.RunScript = func(ctx context.Context, script string, params map[string]string, opts shell.PSOptions) (shell.Result, error) {
		mu.Lock()
		defer mu.Unlock()
		*calls = append(*calls, call{script, params, opts})
		return res, err
	}
	return calls
}

func ok(result string) shell.Result {
	return shell.Result{Stdout: "WARNING: something the host printed\n" + shell.ResultMarker + "\n" + result + "\n"}
}

var cmOpts = shell.PSOptions{Executable: "C:\\PS7\\pwsh.exe", ImportConfigMgr: true, SiteCode: "ABC", ProviderMachine: "m1.contoso.com"}

func liveSite(t *testing.T) *Site {
	t.Helper()
	cfg := testConfig()
	cfg.PowerShell = `C:\PS7\pwsh.exe`
	return New(nil, cfg, nil)
}

func TestActionsRenderScripts(t *testing.T) {
	addNet, _ := configmgr.ScriptAddPassive(configmgr.SourceNetwork)
	addCopy, _ := configmgr.ScriptAddPassive(configmgr.SourceCopy)
	addLocal, _ := configmgr.ScriptAddPassive(configmgr.SourceLocal)
	cases := []struct {
		name   string
		do     func(*Site) error
		script string
		params map[string]string
	}{
		{"move", func(s *Site) error { return s.MoveContentLibrary(context.Background(), `\\files\CL$\ABC`) },
			configmgr.ScriptMoveContentLibrary.Text, map[string]string{"SiteCode": "ABC", "Destination": `\\files\CL$\ABC`}},
		{"add passive network", func(s *Site) error {
			return s.AddPassiveSiteServer(context.Background(), configmgr.AddPassive{Server: "m2.contoso.com", InstallDirectory: `C:\CM`, SourceOption: "network", SourcePath: `\\m1\SMS_ABC\CD.Latest`})
		}, addNet.Text, map[string]string{"SiteCode": "ABC", "Server": "m2.contoso.com", "InstallDirectory": `C:\CM`, "SourcePath": `\\m1\SMS_ABC\CD.Latest`}},
		{"add passive copy", func(s *Site) error {
			return s.AddPassiveSiteServer(context.Background(), configmgr.AddPassive{Server: "m2.contoso.com", InstallDirectory: `C:\CM`, SourceOption: "copy"})
		}, addCopy.Text, map[string]string{"SiteCode": "ABC", "Server": "m2.contoso.com", "InstallDirectory": `C:\CM`}},
		{"add passive local", func(s *Site) error {
			return s.AddPassiveSiteServer(context.Background(), configmgr.AddPassive{Server: "m2.contoso.com", InstallDirectory: `C:\CM`, SourceOption: "local", SourcePath: `D:\CD.Latest`})
		}, addLocal.Text, map[string]string{"SiteCode": "ABC", "Server": "m2.contoso.com", "InstallDirectory": `C:\CM`, "SourcePath": `D:\CD.Latest`}},
		{"retry", func(s *Site) error { return s.RetryPassiveInstall(context.Background()) },
			configmgr.ScriptRetryPassiveInstall.Text, map[string]string{"SiteCode": "ABC"}},
		{"promote", func(s *Site) error { return s.Promote(context.Background(), "m2.contoso.com") },
			configmgr.ScriptPromote.Text, map[string]string{"SiteCode": "ABC", "Server": "m2.contoso.com"}},
		{"remove site server", func(s *Site) error { return s.RemoveSiteServerRole(context.Background(), "m2.contoso.com") },
			configmgr.ScriptRemoveSiteServer.Text, map[string]string{"SiteCode": "ABC", "Server": "m2.contoso.com"}},
		{"remove role", func(s *Site) error { return s.RemoveRole(context.Background(), "m1.contoso.com", "SMS Dmp Connector") },
			configmgr.ScriptRemoveRole.Text, map[string]string{"SiteCode": "ABC", "Server": "m1.contoso.com", "RoleName": "SMS Dmp Connector"}},
		{"reimport", func(s *Site) error {
			return s.ReimportDPCertificate(context.Background(), "dp1.contoso.com", `\\files\dp1.pfx`, "Pfx-S3cret!")
		}, configmgr.ScriptReimportDPCertificate.Text, map[string]string{"SiteCode": "ABC", "DistributionPoint": "dp1.contoso.com", "CertificatePath": `\\files\dp1.pfx`, "CertificatePassword": "Pfx-S3cret!"}},
		{"redistribute", func(s *Site) error {
			return s.RedistributeContent(context.Background(), []string{"ABC00014", "ABC00015"}, "dp1.contoso.com")
		}, configmgr.ScriptRedistributeContent.Text, map[string]string{"SiteCode": "ABC", "PackageIds": "ABC00014,ABC00015", "DistributionPoint": "dp1.contoso.com", "Provider": "m1.contoso.com"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := liveSite(t)
			calls := capture(s, ok(`"submitted"`), nil)
			if err := c.do(s); err != nil {
				t.Fatal(err)
			}
			want := []call{{c.script, c.params, cmOpts}}
			if diff := cmp.Diff(want, *calls); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			// The script text never contains a parameter value.
			for k, v := range c.params {
				if k != "SiteCode" && strings.Contains((*calls)[0].Script, v) {
					t.Errorf("value of %s appears in the script text", k)
				}
			}
			// The wrapper steps/shell builds from it keeps values out too.
			rendered := shell.RenderPowerShell((*calls)[0].Script, (*calls)[0].Params, (*calls)[0].Opts)
			if strings.Contains(rendered, "Pfx-S3cret!") {
				t.Error("password in the rendered PowerShell")
			}
		})
	}
}

func TestActionFailures(t *testing.T) {
	t.Run("non-zero exit carries stderr and a hint", func(t *testing.T) {
		s := liveSite(t)
		capture(s, shell.Result{ExitCode: 1, Stderr: "Set-CMSite : The passive site server is not ready.\nAt line:30 char:9"}, nil)
		err := s.Promote(context.Background(), "m2.contoso.com")
		for _, w := range []string{"PowerShell script promote exited with status 1", "The passive site server is not ready", "SMS Provider m1.contoso.com", "ConfigMgr administrator"} {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("error %v does not contain %q", err, w)
			}
		}
	})
	t.Run("stderr is bounded", func(t *testing.T) {
		s := liveSite(t)
		capture(s, shell.Result{ExitCode: 1, Stderr: strings.Repeat("é", 10000)}, nil)
		err := s.RetryPassiveInstall(context.Background())
		if err == nil || len(err.Error()) > 3000 || !strings.Contains(err.Error(), "more bytes)") {
			t.Errorf("error length %d: %.200v", len(fmt.Sprint(err)), err)
		}
	})
	t.Run("password never in errors", func(t *testing.T) {
		s := liveSite(t)
		capture(s, shell.Result{ExitCode: 1, Stderr: "bad password Pfx-S3cret! for dp1.pfx"}, nil)
		err := s.ReimportDPCertificate(context.Background(), "dp1.contoso.com", `\\files\dp1.pfx`, "Pfx-S3cret!")
		if err == nil || strings.Contains(err.Error(), "Pfx-S3cret!") || !strings.Contains(err.Error(), "bad password (sensitive)") {
			t.Errorf("err = %v", err)
		}
		capture(s, shell.Result{}, errors.New("pwsh died with Pfx-S3cret!"))
		err = s.ReimportDPCertificate(context.Background(), "dp1.contoso.com", `\\files\dp1.pfx`, "Pfx-S3cret!")
		if err == nil || strings.Contains(err.Error(), "Pfx-S3cret!") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("runner error wrapped", func(t *testing.T) {
		s := liveSite(t)
		boom := context.DeadlineExceeded
		capture(s, shell.Result{}, fmt.Errorf("pwsh was stopped: %w", boom))
		if err := s.RetryPassiveInstall(context.Background()); !errors.Is(err, boom) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("no result marker", func(t *testing.T) {
		s := liveSite(t)
		capture(s, shell.Result{Stdout: "half", Stderr: "killed"}, nil)
		if err := s.RetryPassiveInstall(context.Background()); err == nil || !strings.Contains(err.Error(), "printed no result") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("no provider", func(t *testing.T) {
		s := liveSite(t)
		s.cfg.Provider = ""
		calls := capture(s, ok("null"), nil)
		if err := s.RetryPassiveInstall(context.Background()); err == nil || !strings.Contains(err.Error(), "set provider") || len(*calls) != 0 {
			t.Errorf("err = %v, calls %d", err, len(*calls))
		}
	})
	t.Run("validation before PowerShell", func(t *testing.T) {
		s := liveSite(t)
		calls := capture(s, ok("null"), nil)
		for _, err := range []error{
			s.Promote(context.Background(), "m2'; Remove-Item"),
			s.RedistributeContent(context.Background(), []string{"ABC0001' OR 1=1"}, "dp1"),
			s.RedistributeContent(context.Background(), nil, "dp1"),
			s.RedistributeContent(context.Background(), []string{"ABC00012"}, `dp1\x`),
			s.RemoveRole(context.Background(), "m1", "SMS Site Server"),
			s.AddPassiveSiteServer(context.Background(), configmgr.AddPassive{Server: "m2", InstallDirectory: `C:\CM`, SourceOption: "usb"}),
		} {
			if err == nil {
				t.Error("invalid input accepted")
			}
		}
		if len(*calls) != 0 {
			t.Errorf("%d PowerShell calls for invalid input", len(*calls))
		}
	})
	t.Run("not automated", func(t *testing.T) {
		s := liveSite(t)
		calls := capture(s, ok("null"), nil)
		for _, err := range []error{s.ReinitializeSecondary(context.Background(), "S01"), s.ReconnectStoreForBusiness(context.Background())} {
			if !errors.Is(err, configmgr.ErrNotAutomated) || !strings.Contains(err.Error(), "In the console") {
				t.Errorf("err = %v", err)
			}
		}
		if len(*calls) != 0 {
			t.Error("PowerShell ran")
		}
	})
}

// adminService imitates the provider's AdminService SMS_Site route.
func adminService(t *testing.T, status int, body string) (*httptest.Server, *[]string) {
	t.Helper()
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.RequestURI())
		mu.Unlock()
		if r.URL.Path != "/AdminService/wmi/SMS_Site" {
			http.NotFound(w, r)
			return
		}
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", "Negotiate")
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func withAdminService(s *Site, srv *httptest.Server) {
	s.HTTPClient = srv.Client()
	s.AdminServiceBase = func(string) string { return srv.URL }
}

func TestContentLibrary(t *testing.T) {
	t.Run("AdminService", func(t *testing.T) {
		srv, seen := adminService(t, 200, `{"@odata.context":"x","value":[{"SiteCode":"ABC","ContentLibraryLocation":"\\\\files.contoso.com\\CL$\\ABC","ContentLibraryMoveProgress":42,"ContentLibraryStatus":1}]}`)
		s := liveSite(t)
		withAdminService(s, srv)
		got, err := s.ContentLibrary(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := configmgr.ContentLibrary{Location: `\\files.contoso.com\CL$\ABC`, Remote: true, MoveProgress: 42, MoveStatus: "moving"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"GET /AdminService/wmi/SMS_Site?%24filter=SiteCode+eq+%27ABC%27"}, *seen); diff != "" {
			t.Errorf("requests (-want +got):\n%s", diff)
		}
	})
	t.Run("local library", func(t *testing.T) {
		srv, _ := adminService(t, 200, `{"value":[{"SiteCode":"ABC","ContentLibraryLocation":null,"ContentLibraryMoveProgress":"100","ContentLibraryStatus":3}]}`)
		s := liveSite(t)
		withAdminService(s, srv)
		got, err := s.ContentLibrary(context.Background())
		if err != nil || got != (configmgr.ContentLibrary{MoveProgress: 100}) {
			t.Errorf("got %+v, %v", got, err)
		}
	})
	t.Run("401 falls back to PowerShell with Windows credentials", func(t *testing.T) {
		srv, _ := adminService(t, 401, `{"error":"unauthorized"}`)
		s := liveSite(t)
		withAdminService(s, srv)
		calls := capture(s, ok(`{"SiteCode":"ABC","ContentLibraryLocation":"\\\\files\\CL$\\ABC","ContentLibraryMoveProgress":100,"ContentLibraryStatus":3}`), nil)
		got, err := s.ContentLibrary(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got != (configmgr.ContentLibrary{Location: `\\files\CL$\ABC`, Remote: true, MoveProgress: 100, MoveStatus: "done"}) {
			t.Errorf("got %+v", got)
		}
		want := []call{{configmgr.ScriptContentLibraryFallback.Text,
			map[string]string{"Uri": srv.URL + "/AdminService/wmi/SMS_Site?%24filter=SiteCode+eq+%27ABC%27"},
			shell.PSOptions{Executable: `C:\PS7\pwsh.exe`}}}
		if diff := cmp.Diff(want, *calls); diff != "" {
			t.Errorf("fallback call (-want +got):\n%s", diff)
		}
	})
	for _, c := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"server error", `{"error":"boom"}`, 500, "HTTP 500"},
		{"not json", `<html>`, 200, "not the expected OData JSON"},
		{"no instance", `{"value":[]}`, 200, "no SMS_Site instance for site ABC"},
		{"bad progress", `{"value":[{"ContentLibraryMoveProgress":"lots"}]}`, 200, "ContentLibraryMoveProgress"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv, _ := adminService(t, c.status, c.body)
			s := liveSite(t)
			withAdminService(s, srv)
			if _, err := s.ContentLibrary(context.Background()); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
	t.Run("untrusted certificate", func(t *testing.T) {
		srv, _ := adminService(t, 200, `{"value":[]}`)
		s := liveSite(t)
		s.AdminServiceBase = func(string) string { return srv.URL } // default client: does not trust the test CA
		if _, err := s.ContentLibrary(context.Background()); err == nil || !strings.Contains(err.Error(), "trusts its HTTPS certificate") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("no provider", func(t *testing.T) {
		s := liveSite(t)
		s.cfg.Provider = ""
		if _, err := s.ContentLibrary(context.Background()); err == nil || !strings.Contains(err.Error(), "set provider") {
			t.Errorf("err = %v", err)
		}
	})
}

// listen opens a local TCP listener standing in for a server port.
func listen(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return l.Addr().String()
}

// closedPort returns a local address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// routeDial sends the probe of host:port to routes[port] and records the
// addresses asked for.
func routeDial(routes map[string]string, asked *[]string, mu *sync.Mutex) func(context.Context, string, string) (net.Conn, error) {
	var d net.Dialer
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		*asked = append(*asked, addr)
		mu.Unlock()
		_, port, _ := net.SplitHostPort(addr)
		target, ok := routes[port]
		if !ok {
			return nil, errors.New("no route in test")
		}
		if target == "blackhole" {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return d.DialContext(ctx, network, target)
	}
}

func TestReachable(t *testing.T) {
	t.Run("all answer", func(t *testing.T) {
		srv, seen := adminService(t, 401, "")
		s := liveSite(t)
		withAdminService(s, srv)
		var asked []string
		var mu sync.Mutex
		s.Dial = routeDial(map[string]string{"445": listen(t), "135": listen(t)}, &asked, &mu)
		r, err := s.Reachable(context.Background(), "m1.contoso.com")
		if err != nil {
			t.Fatal(err)
		}
		want := configmgr.Reachability{Server: "m1.contoso.com", Reachable: true, Detail: "smb 445: open; rpc 135: open; adminservice: HTTP 401"}
		if diff := cmp.Diff(want, r); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"m1.contoso.com:135", "m1.contoso.com:445"}, sortStrings(asked)); diff != "" {
			t.Errorf("dialled (-want +got):\n%s", diff)
		}
		if len(*seen) != 1 || (*seen)[0] != "GET /AdminService/wmi/SMS_Site" {
			t.Errorf("AdminService requests %v", *seen)
		}
	})
	t.Run("nothing answers", func(t *testing.T) {
		s := liveSite(t)
		s.ProbeTimeout = 100 * time.Millisecond
		s.AdminServiceBase = func(string) string { return "https://" + closedPort(t) }
		var asked []string
		var mu sync.Mutex
		s.Dial = routeDial(map[string]string{"445": closedPort(t), "135": "blackhole"}, &asked, &mu)
		start := time.Now()
		r, err := s.Reachable(context.Background(), "m1.contoso.com")
		if err != nil {
			t.Fatal(err)
		}
		want := configmgr.Reachability{Server: "m1.contoso.com", Detail: "smb 445: connection refused; rpc 135: no answer within the probe timeout; adminservice: connection refused"}
		if diff := cmp.Diff(want, r); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if time.Since(start) > 2*time.Second {
			t.Errorf("probes took %s", time.Since(start))
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		s := liveSite(t)
		var asked []string
		var mu sync.Mutex
		s.Dial = routeDial(map[string]string{"445": "blackhole", "135": "blackhole"}, &asked, &mu)
		s.AdminServiceBase = func(string) string { return "https://" + closedPort(t) }
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(20*time.Millisecond, cancel)
		if _, err := s.Reachable(ctx, "m1.contoso.com"); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("invalid server", func(t *testing.T) {
		s := liveSite(t)
		if _, err := s.Reachable(context.Background(), "m1 contoso"); err == nil {
			t.Error("no error")
		}
	})
}

func TestProviders(t *testing.T) {
	srv, _ := adminService(t, 200, `{"value":[]}`)
	s, mock := newMock(t)
	withAdminService(s, srv)
	s.ProbeTimeout = 200 * time.Millisecond
	up := listen(t)
	var asked []string
	var mu sync.Mutex
	var d net.Dialer
	s.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		asked = append(asked, addr)
		mu.Unlock()
		if strings.HasPrefix(addr, "m1.contoso.com:") {
			return d.DialContext(ctx, network, up)
		}
		return nil, errors.New("connection refused")
	}
	// m2's AdminService is down: only m1's answers.
	s.AdminServiceBase = func(server string) string {
		if server == "m1.contoso.com" {
			return srv.URL
		}
		return "https://" + closedPort(t)
	}
	mock.ExpectQuery(configmgr.QueryProviders.Text).WithArgs(site()).WillReturnRows(
		sqlmock.NewRows([]string{"ServerName"}).AddRow("m1.contoso.com").AddRow("m2.contoso.com"))
	got, err := s.Providers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []configmgr.Provider{{Server: "m1.contoso.com", Reachable: true}, {Server: "m2.contoso.com"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if len(asked) != 4 {
		t.Errorf("dialled %v", asked)
	}
}

func TestOpen(t *testing.T) {
	cfg := testConfig()
	cfg.SQLServer = ""
	if _, err := Open(context.Background(), cfg, nil); err == nil || !strings.Contains(err.Error(), "sql_server is required") {
		t.Errorf("err = %v", err)
	}
	// A real go-mssqldb connection to a closed port: the error is
	// classified and never shows the password.
	host, port, _ := net.SplitHostPort(closedPort(t))
	cfg = testConfig()
	cfg.SQLServer, cfg.SQLHost = host, host
	fmt.Sscan(port, &cfg.SQLPort)
	cfg.SQLAuth, cfg.SQLUser, cfg.SQLPassword = "sql", "reader", "Sql-S3cret!"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Open(ctx, cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "opening site database CM_ABC") || strings.Contains(err.Error(), "Sql-S3cret!") {
		t.Errorf("err = %v", err)
	}
}

// TestRegistersOpener: linking the package registers the live opener with
// the configmgr target type.
func TestRegistersOpener(t *testing.T) {
	tk := configmgr.NewTargetKind(nil)
	_, err := tk.Open(context.Background(), mustObject(map[string]string{"site_code": "ABC"}), nil)
	if err == nil || !strings.Contains(err.Error(), "sql_server is required by the live backend") {
		t.Errorf("err = %v", err)
	}
}

func sortStrings(s []string) []string { return slices.Sorted(slices.Values(s)) }

func mustObject(m map[string]string) cty.Value {
	vals := map[string]cty.Value{}
	for k, v := range m {
		vals[k] = cty.StringVal(v)
	}
	return cty.ObjectVal(vals)
}
