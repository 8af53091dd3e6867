package configmgr

import (
	"context"
	"sync"
	"time"
)

// fakeSite is a Site with canned facts that records the actions it was
// asked to perform. A non-nil err makes every method fail.
type fakeSite struct {
	mu sync.Mutex

	site        SiteInfo
	hierarchy   []SiteInfo
	servers     []SiteServer
	roles       []Role
	library     ContentLibrary
	links       []ReplicationLink
	updates     []SiteUpdate
	dists       []Distribution
	providers   []Provider
	components  []Component
	features    Features
	reachable   Reachability
	configs     map[string]ServerConfig // by lower-case server name
	bootImages  []BootImage
	err         error
	calls       []string
	lastPassive AddPassive
	lastArgs    []string
}

func (f *fakeSite) record(call string, args ...string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
	f.lastArgs = args
	return f.err
}

func (f *fakeSite) Site(ctx context.Context) (SiteInfo, error) { return f.site, f.record("Site") }
func (f *fakeSite) Hierarchy(ctx context.Context) ([]SiteInfo, error) {
	return f.hierarchy, f.record("Hierarchy")
}
func (f *fakeSite) SiteServers(ctx context.Context) ([]SiteServer, error) {
	return f.servers, f.record("SiteServers")
}
func (f *fakeSite) Roles(ctx context.Context) ([]Role, error) { return f.roles, f.record("Roles") }
func (f *fakeSite) ContentLibrary(ctx context.Context) (ContentLibrary, error) {
	return f.library, f.record("ContentLibrary")
}
func (f *fakeSite) ReplicationLinks(ctx context.Context) ([]ReplicationLink, error) {
	return f.links, f.record("ReplicationLinks")
}
func (f *fakeSite) Updates(ctx context.Context) ([]SiteUpdate, error) {
	return f.updates, f.record("Updates")
}
func (f *fakeSite) Distributions(ctx context.Context) ([]Distribution, error) {
	return f.dists, f.record("Distributions")
}
func (f *fakeSite) Providers(ctx context.Context) ([]Provider, error) {
	return f.providers, f.record("Providers")
}
func (f *fakeSite) Components(ctx context.Context) ([]Component, error) {
	return f.components, f.record("Components")
}
func (f *fakeSite) Features(ctx context.Context) (Features, error) {
	return f.features, f.record("Features")
}
func (f *fakeSite) Reachable(ctx context.Context, server string) (Reachability, error) {
	return f.reachable, f.record("Reachable", server)
}
func (f *fakeSite) ServerConfigs(ctx context.Context, servers []string) ([]ServerConfig, error) {
	out := make([]ServerConfig, 0, len(servers))
	for _, s := range servers {
		c, ok := f.configs[s]
		if !ok {
			c = ServerConfig{Server: s, Error: "WinRM cannot reach " + s}
		}
		out = append(out, c)
	}
	return out, f.record("ServerConfigs", servers...)
}
func (f *fakeSite) BootImages(ctx context.Context) ([]BootImage, error) {
	return f.bootImages, f.record("BootImages")
}
func (f *fakeSite) MoveContentLibrary(ctx context.Context, destination string) error {
	return f.record("MoveContentLibrary", destination)
}
func (f *fakeSite) AddPassiveSiteServer(ctx context.Context, req AddPassive) error {
	f.lastPassive = req
	return f.record("AddPassiveSiteServer", req.Server)
}
func (f *fakeSite) RetryPassiveInstall(ctx context.Context) error {
	return f.record("RetryPassiveInstall")
}
func (f *fakeSite) Promote(ctx context.Context, server string) error {
	return f.record("Promote", server)
}
func (f *fakeSite) RemoveSiteServerRole(ctx context.Context, server string) error {
	return f.record("RemoveSiteServerRole", server)
}
func (f *fakeSite) RemoveRole(ctx context.Context, server, role string) error {
	return f.record("RemoveRole", server, role)
}
func (f *fakeSite) ReimportDPCertificate(ctx context.Context, dp string, pfxPath string, password string) error {
	return f.record("ReimportDPCertificate", dp, pfxPath, password)
}
func (f *fakeSite) RedistributeContent(ctx context.Context, packageIDs []string, dp string) error {
	return f.record("RedistributeContent", append(append([]string{}, packageIDs...), dp)...)
}
func (f *fakeSite) ReinitializeSecondary(ctx context.Context, siteCode string) error {
	return f.record("ReinitializeSecondary", siteCode)
}
func (f *fakeSite) ReconnectStoreForBusiness(ctx context.Context) error {
	return f.record("ReconnectStoreForBusiness")
}
func (f *fakeSite) Close() error { return nil }

// fixedClock is a steps.Clock stopped at one instant.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time                                   { return c.t }
func (c fixedClock) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

var testNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// populatedSite is a fakeSite describing a healthy HA primary site with a
// few problems, so that every conversion has something to convert.
func populatedSite() *fakeSite {
	return &fakeSite{
		site: SiteInfo{Code: "ABC", Name: "Contoso Primary", Type: SitePrimary, Status: 1,
			ServerName: "m1.contoso.com", Version: "5.00.9128.1000", BuildNumber: 9128, ReportingSite: "CAS"},
		hierarchy: []SiteInfo{
			{Code: "CAS", Name: "Central", Type: SiteCAS, Status: 1, ServerName: "cas.contoso.com", BuildNumber: 9128},
			{Code: "S01", Name: "Branch", Type: SiteSecondary, Status: 1, ServerName: "s01.contoso.com", ReportingSite: "ABC", Maintenance: true},
		},
		servers: []SiteServer{
			{Name: "m1.contoso.com", Mode: ModeActive, Status: StatusOK, ServerState: 196611, Detail: "ready"},
			{Name: "m2.contoso.com", Mode: ModePassive, Status: StatusInstallFailed, ServerState: 131071, Detail: "install failed"},
		},
		roles: []Role{
			{SiteCode: "ABC", Server: "m1.contoso.com", Role: RoleSiteServer},
			{SiteCode: "ABC", Server: "m1.contoso.com", Role: RoleDistributionPoint},
			{SiteCode: "ABC", Server: "m2.contoso.com", Role: RoleSiteServer},
			{SiteCode: "ABC", Server: "dp1.contoso.com", Role: RoleDistributionPoint},
		},
		library: ContentLibrary{Location: `\\files.contoso.com\CL$\ABC`, Remote: true, MoveProgress: 100, MoveStatus: "done"},
		links: []ReplicationLink{
			{From: "ABC", To: "CAS", Group: "Configuration Data", Status: 2, State: "active", UpdatedAt: testNow.Add(-5 * time.Minute)},
			{From: "ABC", To: "S01", Group: "Secondary Site Data", Status: 2, UpdatedAt: testNow.Add(-2 * time.Hour)},
			{From: "S01", To: "ABC", Group: "Secondary Site Data", Status: 9, State: "failed"},
		},
		updates: []SiteUpdate{
			{Name: "Configuration Manager 2403", Version: "5.00.9128.1000", State: UpdateInstalled, UpdatedAt: testNow.Add(-48 * time.Hour)},
			{Name: "Configuration Manager 2309", Version: "5.00.9122.1000", State: UpdateInstalled, UpdatedAt: testNow.Add(-200 * 24 * time.Hour)},
			{Name: "Hotfix KB1", Version: "5.00.9128.1010", State: 196609, UpdatedAt: testNow.Add(-time.Hour)},
			{Name: "Sim update", StateName: "installing"},
		},
		dists: []Distribution{
			{PackageID: "ABC00012", Server: "dp1.contoso.com", InProgress: 1},
			{PackageID: "ABC00013", Server: "dp1.contoso.com", Errors: 1},
			{PackageID: "ABC00014", InProgress: 2, SiteToSite: true},
			{PackageID: "ABC00014", InProgress: 1, SiteToSite: true},
		},
		providers: []Provider{{Server: "m1.contoso.com", Reachable: true}, {Server: "m2.contoso.com"}},
		components: []Component{
			{Server: "m1.contoso.com", Name: "SMS_EXECUTIVE", Status: 0, Available: true},
			{Server: "m1.contoso.com", Name: "SMS_FAILOVER_MANAGER", Status: 2, Available: true},
		},
		features:  Features{DPCertificateMode: "self-signed", PXEDistribution: true},
		reachable: Reachability{Server: "m1.contoso.com", Reachable: true, Detail: "smb 445: open"},
		configs: map[string]ServerConfig{
			"m1.contoso.com": {Server: "m1.contoso.com", Readable: true, SQLNativeClient: true, SMBSigningRequired: true,
				ConfigMgrVersion: "5.00.9128.1000", Administrators: []string{`BUILTIN\Administrators`, `CONTOSO\M2$`}, ConfigurationMOF: "AA11"},
			"m2.contoso.com": {Server: "m2.contoso.com", Readable: true, ClusterNode: true, ConfigMgrVersion: "5.00.9122.1000",
				Administrators: []string{`CONTOSO\M1$`}, ConfigurationMOF: "BB22",
				Signals: []LogSignal{{ID: "CheckAdminOnSQL", Log: "FailoverMgr.log", Pattern: "CheckAdminOnSQL has failed"}}},
			"dp1.contoso.com": {Server: "dp1.contoso.com", Readable: true, Administrators: []string{`contoso\m1$`, `CONTOSO\M2$`}},
		},
		bootImages: []BootImage{
			{PackageID: "ABC00004", Name: "Boot image (x64)", SourcePath: `\\M1.contoso.com\SMS_ABC\osd\boot\x64\boot.wim`},
			{PackageID: "ABC00020", Name: "Custom WinPE", SourcePath: `\\fs01\osd\winpe.wim`},
			{PackageID: "ABC00021", Name: "Local", SourcePath: `D:\osd\winpe.wim`},
		},
	}
}
