package sim_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/batonhq/baton/engine/clock"
	"github.com/batonhq/baton/fixtures"
	"github.com/batonhq/baton/steps/configmgr"
	"github.com/batonhq/baton/steps/configmgr/sim"
)

// facts reads every fact; err is the first error.
type facts struct {
	site       configmgr.SiteInfo
	hierarchy  []configmgr.SiteInfo
	servers    []configmgr.SiteServer
	roles      []configmgr.Role
	library    configmgr.ContentLibrary
	links      []configmgr.ReplicationLink
	updates    []configmgr.SiteUpdate
	dists      []configmgr.Distribution
	providers  []configmgr.Provider
	components []configmgr.Component
	features   configmgr.Features
	configs    map[string]configmgr.ServerConfig // cm01, cm02, dp02, sql01
	bootImages []configmgr.BootImage
	errs       []error
}

func readFacts(ctx context.Context, s configmgr.Site) facts {
	var f facts
	var err error
	add := func(e error) { f.errs = append(f.errs, e) }
	f.site, err = s.Site(ctx)
	add(err)
	f.hierarchy, err = s.Hierarchy(ctx)
	add(err)
	f.servers, err = s.SiteServers(ctx)
	add(err)
	f.roles, err = s.Roles(ctx)
	add(err)
	f.library, err = s.ContentLibrary(ctx)
	add(err)
	f.links, err = s.ReplicationLinks(ctx)
	add(err)
	f.updates, err = s.Updates(ctx)
	add(err)
	f.dists, err = s.Distributions(ctx)
	add(err)
	f.providers, err = s.Providers(ctx)
	add(err)
	f.components, err = s.Components(ctx)
	add(err)
	f.features, err = s.Features(ctx)
	add(err)
	f.bootImages, err = s.BootImages(ctx)
	add(err)
	cfgs, err := s.ServerConfigs(ctx, []string{cm01, cm02, "dp02.contoso.com", "sql01.contoso.com"})
	add(err)
	f.configs = map[string]configmgr.ServerConfig{}
	for _, c := range cfgs {
		f.configs[c.Server] = c
	}
	return f
}

func (f facts) component(server, name string) (configmgr.Component, bool) {
	for _, c := range f.components {
		if c.Server == server && c.Name == name {
			return c, true
		}
	}
	return configmgr.Component{}, false
}

func (f facts) hasRole(site, server, role string) bool {
	for _, r := range f.roles {
		if r.SiteCode == site && r.Server == server && r.Role == role {
			return true
		}
	}
	return false
}

func (f facts) provider(server string) (reachable, ok bool) {
	for _, p := range f.providers {
		if p.Server == server {
			return p.Reachable, true
		}
	}
	return false, false
}

func servers(f facts) []string {
	var out []string
	for _, s := range f.servers {
		out = append(out, s.Name+" "+s.Mode+" "+s.Status)
	}
	return out
}

func TestFactsPerScenario(t *testing.T) {
	healthyServers := []string{cm01 + " active OK", cm02 + " passive OK"}
	onlyActive := []string{cm01 + " active OK"}
	for scenario, check := range map[string]func(t *testing.T, f facts){
		"healthy": func(t *testing.T, f facts) {
			want := configmgr.SiteInfo{Code: "PS1", Name: "Contoso Primary Site", Type: configmgr.SitePrimary, Status: 1,
				ServerName: cm01, Version: "5.00.9132.1000", BuildNumber: 9132}
			if diff := cmp.Diff(want, f.site); diff != "" {
				t.Errorf("site (-want +got):\n%s", diff)
			}
			if len(f.hierarchy) != 2 || f.hierarchy[0].Code != "SS1" || f.hierarchy[0].Type != configmgr.SiteSecondary ||
				f.hierarchy[0].ReportingSite != "PS1" || f.hierarchy[1].ServerName != "ss2.contoso.com" {
				t.Errorf("hierarchy %+v", f.hierarchy)
			}
			if diff := cmp.Diff(healthyServers, servers(f)); diff != "" {
				t.Errorf("servers %s", diff)
			}
			for _, r := range [][3]string{
				{"PS1", cm01, configmgr.RoleSiteServer}, {"PS1", cm02, configmgr.RoleSiteServer},
				{"PS1", cm01, configmgr.RoleProvider}, {"PS1", cm02, configmgr.RoleProvider},
				{"PS1", "sql01.contoso.com", configmgr.RoleSQLServer}, {"PS1", "mp01.contoso.com", configmgr.RoleManagementPoint},
				{"PS1", "sup01.contoso.com", configmgr.RoleServiceConnection}, {"PS1", "dp01.contoso.com", configmgr.RoleDistributionPoint},
				{"PS1", "mp01.contoso.com", configmgr.RoleSiteSystem}, {"SS1", "ss1.contoso.com", configmgr.RoleSiteServer},
				{"SS1", "ss1.contoso.com", configmgr.RoleDistributionPoint}, {"PS1", "rpt01.contoso.com", configmgr.RoleReportingPoint},
			} {
				if !f.hasRole(r[0], r[1], r[2]) {
					t.Errorf("missing role %v", r)
				}
			}
			for _, srv := range []string{cm01, cm02} {
				if f.hasRole("PS1", srv, configmgr.RoleDistributionPoint) || f.hasRole("PS1", srv, configmgr.RoleServiceConnection) {
					t.Errorf("DP/SCP on %s", srv)
				}
			}
			if diff := cmp.Diff(configmgr.ContentLibrary{Location: `\\fs01\cmcontent\PS1`, Remote: true, MoveProgress: 100}, f.library); diff != "" {
				t.Errorf("library %s", diff)
			}
			if len(f.links) != 4 {
				t.Errorf("links %+v", f.links)
			}
			for _, l := range f.links {
				if l.State != "active" || l.Status != 2 || t0.Sub(l.UpdatedAt) > 5*m {
					t.Errorf("link %+v", l)
				}
			}
			if len(f.updates) != 3 || f.updates[2].State != 196612 || !f.updates[2].UpdatedAt.Equal(t0.Add(-45*24*time.Hour)) {
				t.Errorf("updates %+v", f.updates)
			}
			if len(f.dists) != 0 {
				t.Errorf("distributions %+v", f.dists)
			}
			if up1, _ := f.provider(cm01); !up1 {
				t.Errorf("providers %+v", f.providers)
			}
			if up2, _ := f.provider(cm02); !up2 {
				t.Errorf("providers %+v", f.providers)
			}
			for _, c := range f.components {
				if c.Status != 0 || !c.Available {
					t.Errorf("component %+v", c)
				}
			}
			if f.features != (configmgr.Features{DPCertificateMode: "self-signed"}) {
				t.Errorf("features %+v", f.features)
			}
		},
		"recent-site-update": func(t *testing.T, f facts) {
			u := f.updates[len(f.updates)-1]
			if u.Name != "Configuration Manager 2503" || u.StateName != "installed" || !u.UpdatedAt.Equal(t0.Add(-24*time.Hour)) || f.site.BuildNumber != 9135 {
				t.Errorf("last update %+v, build %d", u, f.site.BuildNumber)
			}
		},
		"secondary-replication-degraded": func(t *testing.T, f facts) {
			for _, l := range f.links {
				if l.From == "SS1" && (l.State != "degraded" || l.Status != 8 || !l.UpdatedAt.Equal(t0.Add(-3*time.Hour))) {
					t.Errorf("link %+v", l)
				}
			}
		},
		"dp-on-site-server": func(t *testing.T, f facts) {
			if !f.hasRole("PS1", cm01, configmgr.RoleDistributionPoint) {
				t.Error("no DP on cm01")
			}
			if diff := cmp.Diff(onlyActive, servers(f)); diff != "" {
				t.Errorf("servers %s", diff)
			}
		},
		"content-library-local": func(t *testing.T, f facts) {
			if diff := cmp.Diff(configmgr.ContentLibrary{Location: `D:\SCCMContentLib`}, f.library); diff != "" {
				t.Errorf("library %s", diff)
			}
		},
		"content-library-share-root": func(t *testing.T, f facts) {
			if diff := cmp.Diff(configmgr.ContentLibrary{Location: `D:\SCCMContentLib`}, f.library); diff != "" {
				t.Errorf("library %s", diff)
			}
			if diff := cmp.Diff(onlyActive, servers(f)); diff != "" {
				t.Errorf("servers %s", diff)
			}
		},
		"no-passive-yet": func(t *testing.T, f facts) {
			if diff := cmp.Diff(onlyActive, servers(f)); diff != "" {
				t.Errorf("servers %s", diff)
			}
			if _, ok := f.provider(cm02); ok || f.hasRole("PS1", cm02, configmgr.RoleSiteSystem) {
				t.Errorf("cm02 is not clean: %+v", f.roles)
			}
		},
		"passive-already-installed": func(t *testing.T, f facts) {
			if diff := cmp.Diff(healthyServers, servers(f)); diff != "" {
				t.Errorf("servers %s", diff)
			}
		},
		"secondary-site-target": func(t *testing.T, f facts) {
			if f.hierarchy[0].ServerName != "ss1.contoso.com" || len(f.servers) != 1 {
				t.Errorf("hierarchy %+v servers %+v", f.hierarchy, f.servers)
			}
		},
		"active-offline-back-in-10m":       activeOffline,
		"active-offline-for-good":          activeOffline,
		"active-offline-returns-after-45m": activeOffline,
		"promotion-fails-midway": func(t *testing.T, f facts) {
			if diff := cmp.Diff(healthyServers, servers(f)); diff != "" {
				t.Errorf("servers %s", diff)
			}
		},
		"promotion-fails-twice": func(t *testing.T, f facts) {
			if diff := cmp.Diff(healthyServers, servers(f)); diff != "" {
				t.Errorf("servers %s", diff)
			}
		},
		"passive-install-prereq-fails": func(t *testing.T, f facts) {
			if diff := cmp.Diff(onlyActive, servers(f)); diff != "" {
				t.Errorf("servers %s", diff)
			}
		},
		"passive-install-account-not-admin": func(t *testing.T, f facts) {
			if diff := cmp.Diff(onlyActive, servers(f)); diff != "" {
				t.Errorf("servers %s", diff)
			}
		},
		"content-library-move-in-progress": func(t *testing.T, f facts) {
			if diff := cmp.Diff(configmgr.ContentLibrary{Location: `D:\SCCMContentLib`, MoveProgress: 35, MoveStatus: "moving"}, f.library); diff != "" {
				t.Errorf("library %s", diff)
			}
		},
		"scp-on-site-server": func(t *testing.T, f facts) {
			if !f.hasRole("PS1", cm01, configmgr.RoleServiceConnection) || f.hasRole("PS1", "sup01.contoso.com", configmgr.RoleServiceConnection) {
				t.Errorf("roles %+v", f.roles)
			}
		},
		"content-distribution-in-progress": func(t *testing.T, f facts) {
			want := []configmgr.Distribution{
				{PackageID: "PS100045", Server: "dp01.contoso.com", InProgress: 1},
				{PackageID: "PS100046", InProgress: 1, SiteToSite: true},
			}
			if diff := cmp.Diff(want, f.dists); diff != "" {
				t.Errorf("distributions %s", diff)
			}
		},
		"dp-pki-certificates": func(t *testing.T, f facts) {
			if f.features.DPCertificateMode != "pki-imported" || !f.features.PKIClients {
				t.Errorf("features %+v", f.features)
			}
		},
		"store-for-business": func(t *testing.T, f facts) {
			if !f.features.StoreForBusiness {
				t.Errorf("features %+v", f.features)
			}
			found := false
			for _, c := range f.components {
				found = found || (c.Server == cm01 && c.Name == "SMS_CLOUD_SERVICES_MANAGER" && c.Status == 0)
			}
			if !found {
				t.Error("no SMS_CLOUD_SERVICES_MANAGER on cm01")
			}
		},
		"pre-production-client": func(t *testing.T, f facts) {
			if !f.features.PreProductionClient {
				t.Errorf("features %+v", f.features)
			}
		},
		"sql-down": func(t *testing.T, f facts) {
			// Every fact of the site database fails; PowerShell remoting
			// (the last read) does not need it.
			for i, err := range f.errs[:len(f.errs)-1] {
				if !errors.Is(err, sim.ErrDatabaseUnavailable) {
					t.Errorf("fact %d: %v", i, err)
				}
			}
			if err := f.errs[len(f.errs)-1]; err != nil || !f.configs[cm02].Readable {
				t.Errorf("server configuration without the database: %v, %+v", err, f.configs[cm02])
			}
		},
		"passive-install-not-sysadmin": func(t *testing.T, f facts) {
			if c := f.configs[cm02]; !c.Readable || !c.SQLNativeClient || len(c.Signals) != 0 {
				t.Errorf("cm02 before the install: %+v", c)
			}
		},
		"passive-regresses-after-ready": func(t *testing.T, f facts) {
			if diff := cmp.Diff(onlyActive, servers(f)); diff != "" {
				t.Errorf("servers %s", diff)
			}
		},
		"passive-lags-site-version": func(t *testing.T, f facts) {
			if diff := cmp.Diff(healthyServers, servers(f)); diff != "" {
				t.Errorf("a lagging passive still shows OK: %s", diff)
			}
			if f.configs[cm02].ConfigMgrVersion != "5.00.9128.1000" || f.configs[cm01].ConfigMgrVersion != f.site.Version {
				t.Errorf("versions: cm01 %q, cm02 %q, site %q", f.configs[cm01].ConfigMgrVersion, f.configs[cm02].ConfigMgrVersion, f.site.Version)
			}
		},
		"site-system-admin-missing": func(t *testing.T, f facts) {
			admins := f.configs["dp02.contoso.com"].Administrators
			if !slices.Contains(admins, `CONTOSO\CM01$`) || slices.Contains(admins, `CONTOSO\CM02$`) {
				t.Errorf("dp02 administrators %v", admins)
			}
			if c, ok := f.component(cm01, "SMS_SITE_SYSTEM_STATUS_SUMMARIZER"); ok && c.Status == 2 {
				t.Errorf("cm01 has its rights: %+v", c)
			}
		},
		"scp-on-passive": func(t *testing.T, f facts) {
			if c, ok := f.component(cm02, "SMS_CLOUD_SERVICES_MANAGER"); !ok || c.Status != 2 || c.Available {
				t.Errorf("SMS_CLOUD_SERVICES_MANAGER on the passive with the SCP: %+v", c)
			}
		},
		"hinv-customized": func(t *testing.T, f facts) {
			if a, p := f.configs[cm01].ConfigurationMOF, f.configs[cm02].ConfigurationMOF; a == "" || p == "" || a == p {
				t.Errorf("configuration.mof: cm01 %q, cm02 %q", a, p)
			}
		},
		"default-boot-images": func(t *testing.T, f facts) {
			if len(f.bootImages) != 2 || !strings.HasPrefix(f.bootImages[0].SourcePath, `\\cm01.contoso.com\SMS_PS1\`) {
				t.Errorf("boot images %+v", f.bootImages)
			}
		},
		"passive-on-cluster-node": func(t *testing.T, f facts) {
			if !f.configs[cm02].ClusterNode || f.configs[cm01].ClusterNode {
				t.Errorf("cluster nodes: cm01 %v, cm02 %v", f.configs[cm01].ClusterNode, f.configs[cm02].ClusterNode)
			}
		},
		"provider-removed-by-hand": func(t *testing.T, f facts) {
			if diff := cmp.Diff(healthyServers, servers(f)); diff != "" {
				t.Errorf("servers %s", diff)
			}
			if up, ok := f.provider(cm02); !ok || !up {
				t.Errorf("cm02's provider is there until 30m: %+v", f.providers)
			}
		},
		"smb-signing-not-required": func(t *testing.T, f facts) {
			if f.configs[cm01].SMBSigningRequired || !f.configs[cm02].SMBSigningRequired {
				t.Errorf("SMB signing: cm01 %v, cm02 %v", f.configs[cm01].SMBSigningRequired, f.configs[cm02].SMBSigningRequired)
			}
		},
		"provider-only-on-active": func(t *testing.T, f facts) {
			if diff := cmp.Diff([]configmgr.Provider{{Server: cm01}}, f.providers); diff != "" {
				t.Errorf("providers %s", diff)
			}
		},
	} {
		t.Run(scenario, func(t *testing.T) {
			r := newRig(t, scenario)
			f := readFacts(r.ctx, r.s)
			if scenario != "sql-down" {
				for i, err := range f.errs {
					if err != nil {
						t.Fatalf("fact %d: %v", i, err)
					}
				}
			}
			check(t, f)
			// Reachable never needs the database.
			rc, err := r.s.Reachable(r.ctx, "fs01.contoso.com")
			if err != nil || !rc.Reachable {
				t.Errorf("Reachable(fs01) = %+v, %v", rc, err)
			}
		})
	}
}

func activeOffline(t *testing.T, f facts) {
	if f.site.Status != sim.SiteStatusFailed || f.site.ServerName != cm01 {
		t.Errorf("site %+v", f.site)
	}
	if diff := cmp.Diff([]string{cm01 + " active Unknown", cm02 + " passive OK"}, servers(f)); diff != "" {
		t.Errorf("servers %s", diff)
	}
	if up, ok := f.provider(cm01); up || !ok {
		t.Errorf("providers %+v", f.providers)
	}
	if up, _ := f.provider(cm02); !up {
		t.Errorf("providers %+v", f.providers)
	}
	for _, c := range f.components {
		if c.Server == cm01 && (c.Available || c.Status != 2) {
			t.Errorf("component %+v", c)
		}
	}
}

func TestScenarioCoverage(t *testing.T) {
	// Every contoso scenario has a facts check above.
	if n := len(contosoFixture(t).Scenarios()); n != 34 {
		t.Fatalf("%d scenarios; add the new ones to TestFactsPerScenario", n)
	}
}

func TestActiveReturnsWithoutPromotion(t *testing.T) {
	r := newRig(t, "active-offline-back-in-10m")
	r.to(10 * m)
	if si := r.site(); si.Status != sim.SiteStatusActive {
		t.Fatalf("site %+v", si)
	}
	r.checks([]check{{10 * m, cm01, "active", "OK", ""}})
	r.must(r.s.RemoveRole(r.ctx, "dp01.contoso.com", "dp"))
}

func TestReachable(t *testing.T) {
	r := newRig(t, "active-offline-for-good")
	for server, want := range map[string]bool{cm01: false, cm02: true, "nope.contoso.com": false, "MP01.contoso.com": true} {
		got, err := r.s.Reachable(r.ctx, server)
		r.must(err)
		if got.Reachable != want || got.Detail == "" {
			t.Errorf("Reachable(%s) = %+v", server, got)
		}
	}
}

func TestFabrikamCAS(t *testing.T) {
	f, err := sim.Load(fixtures.FS, "fabrikam-cas")
	if err != nil {
		t.Fatal(err)
	}
	r := newRigFrom(t, f, "healthy")
	fs := readFacts(r.ctx, r.s)
	for _, err := range fs.errs {
		r.must(err)
	}
	if fs.site.Type != configmgr.SiteCAS || fs.site.Code != "CAS" || fs.site.ReportingSite != "" {
		t.Errorf("site %+v", fs.site)
	}
	if len(fs.hierarchy) != 1 || fs.hierarchy[0].Code != "FB1" || fs.hierarchy[0].Type != configmgr.SitePrimary || fs.hierarchy[0].ReportingSite != "CAS" {
		t.Errorf("hierarchy %+v", fs.hierarchy)
	}
	if len(fs.providers) != 2 {
		t.Errorf("providers %+v (FB1's provider belongs to FB1)", fs.providers)
	}
	r.must(r.s.Promote(r.ctx, "cas02.fabrikam.com"))
	r.checks([]check{{14 * m, "cas02.fabrikam.com", "active", "OK", ""}})
}

func TestContextAndClose(t *testing.T) {
	r := newRig(t, "healthy")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.s.Site(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: %v", err)
	}
	if err := r.s.Promote(ctx, cm02); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: %v", err)
	}
	r.must(r.s.Close())
	if _, err := r.s.Site(r.ctx); !errors.Is(err, sim.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
	if err := r.s.Promote(r.ctx, cm02); !errors.Is(err, sim.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
	_ = r.s.Snapshot() // still readable for the report
}

func TestSnapshotAndEvents(t *testing.T) {
	r := newRig(t, "no-passive-yet")
	r.must(r.s.AddPassiveSiteServer(r.ctx, network))
	r.to(10 * m)
	st := r.s.Snapshot()
	if st.Fixture != "contoso" || st.Scenario != "no-passive-yet" || st.Elapsed != 10*m || !st.DatabaseUp {
		t.Errorf("snapshot header %+v", st)
	}
	if len(st.Operations) != 1 || st.Operations[0] != "passive install of cm02.contoso.com: PSV-04" {
		t.Errorf("operations %v", st.Operations)
	}
	var cm02srv sim.Server
	for _, s := range st.Servers {
		if s.Name == cm02 {
			cm02srv = s
		}
	}
	if cm02srv.Mode != "passive" || cm02srv.Status != "Installing" || !cm02srv.Online {
		t.Errorf("server %+v", cm02srv)
	}
	ev := r.s.Events()
	for i := 1; i < len(ev); i++ {
		if ev[i].At.Before(ev[i-1].At) {
			t.Fatalf("events out of order: %v then %v", ev[i-1], ev[i])
		}
	}
	if got := ev[len(ev)-1].String(); got != "+8m install: cm02.contoso.com will use the source files at \\\\cm01.contoso.com\\SMS_PS1\\CD.Latest (PSV-03b)" {
		t.Errorf("last event %q", got)
	}
}

// TestParallelReaders runs readers and actions from several goroutines
// while the clock moves (run with -race).
func TestParallelReaders(t *testing.T) {
	v := clock.NewVirtual(t0)
	s, err := sim.New(contosoFixture(t), "active-offline-returns-after-45m", v)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Promote(ctx, cm02); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_ = readFacts(ctx, s)
				_ = s.Snapshot()
				_ = s.Events()
				_ = s.Promote(ctx, cm02)
			}
		}()
	}
	for i := 0; i < 60; i++ {
		v.Advance(m)
	}
	close(stop)
	wg.Wait()
	st := s.Snapshot()
	if diff := cmp.Diff([]configmgr.SiteServer{
		{Name: cm02, Mode: "active", Status: "OK", ServerState: sim.ServerStateOK, Detail: "now the site server in active mode"},
		{Name: cm01, Mode: "passive", Status: "OK", ServerState: sim.ServerStateOK, Detail: "now the site server in passive mode (PRU-M1-4)"},
	}, st.SiteServers); diff != "" {
		t.Errorf("after 60m (-want +got):\n%s", diff)
	}
}
