package configmgr

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/batonhq/baton/steps"
)

// Reachability probes of the live backend (Site.Reachable), shared with
// the descriptions.
const (
	// ProbeTimeout bounds each probe.
	ProbeTimeout = 3 * time.Second
	// PortSMB and PortRPC are probed with a TCP connect.
	PortSMB = 445
	PortRPC = 135
)

// Defaults of fact arguments.
const (
	DefaultRecentWithin = "7d"
	DefaultStaleAfter   = "30m"
)

const probesText = `TCP connect to <server>:445 (SMB) and <server>:135 (RPC endpoint mapper), 3s each;
GET https://<server>/AdminService/wmi/SMS_Site (3s; any HTTP answer counts, even 401: baton does not authenticate).
reachable = at least one probe answered; detail lists each probe's result.`

func factKinds() []steps.Kind {
	return append([]steps.Kind{
		&kind{
			name: "configmgr_site", effect: steps.ReadOnly, spec: hcldec.ObjectSpec{}, out: siteType,
			doc: "Reads the target's site: type, status, active site server, version, maintenance mode.",
			desc: func(cty.Value) steps.Description {
				return describeQuery("read the target site from the site database (v_Site)", QuerySite)
			},
			run: func(ctx context.Context, s Site, _ steps.Request) (cty.Value, error) {
				info, err := s.Site(ctx)
				if err != nil {
					return cty.NilVal, err
				}
				return siteValue(info), nil
			},
		},
		&kind{
			name: "configmgr_hierarchy", effect: steps.ReadOnly, spec: hcldec.ObjectSpec{}, out: hierarchyType,
			doc: "Reads the sites related to the target's site (its parent, child primaries, secondaries).",
			desc: func(cty.Value) steps.Description {
				return describeQuery("read the parent, child and secondary sites of the target site (v_Site)", QueryHierarchy)
			},
			run: func(ctx context.Context, s Site, _ steps.Request) (cty.Value, error) {
				sites, err := s.Hierarchy(ctx)
				if err != nil {
					return cty.NilVal, err
				}
				return hierarchyValue(sites), nil
			},
		},
		&kind{
			name: "configmgr_site_servers", effect: steps.ReadOnly, spec: hcldec.ObjectSpec{}, out: siteServersType,
			doc: "Reads the site's HA site servers (active and passive) with mode and status.",
			desc: func(cty.Value) steps.Description {
				return describeQuery("read the active and passive site servers of the target site (vSMS_SC_SysResUse)", QuerySiteServers,
					steps.Detail{Label: "evaluation", Text: `mode = active when ServerName equals v_Site.ServerName (case-insensitive), else passive.
status from ServerState [COMMUNITY]: 131071 InstallFailed, 196607 PrereqFailed, 0x0003xxxx OK, 0 Unknown, other Installing.
all_ok = at least one server and every server OK; passive = the first passive server ("" when none).`})
			},
			run: func(ctx context.Context, s Site, _ steps.Request) (cty.Value, error) {
				servers, err := s.SiteServers(ctx)
				if err != nil {
					return cty.NilVal, err
				}
				return siteServersValue(servers), nil
			},
		},
		&kind{
			name: "configmgr_roles", effect: steps.ReadOnly, out: rolesType,
			spec: hcldec.ObjectSpec{"servers": optStringList("servers"), "roles": optStringList("roles")},
			doc:  "Reads the site system roles of the site, optionally only those of some servers or some role names.",
			desc: func(args cty.Value) steps.Description {
				return describeQuery("read the site system roles of the target site (v_SystemResourceList)", QueryRoles,
					steps.Detail{Label: "filter", Text: fmt.Sprintf("applied by baton after the read, case-insensitive; an empty or null list keeps everything\nservers = %s\nroles = %s",
						steps.Show(attr(args, "servers")), steps.Show(attr(args, "roles")))})
			},
			run: func(ctx context.Context, s Site, req steps.Request) (cty.Value, error) {
				roles, err := s.Roles(ctx)
				if err != nil {
					return cty.NilVal, err
				}
				return rolesValue(roles, strs(req.Args, "servers"), strs(req.Args, "roles")), nil
			},
		},
		&kind{
			name: "configmgr_content_library", effect: steps.ReadOnly, spec: hcldec.ObjectSpec{}, out: contentLibraryType,
			doc: "Reads the content library location (remote = a UNC path) and the state of a move.",
			desc: func(cty.Value) steps.Description {
				return steps.Description{
					Summary: "read the content library location of the target site from the AdminService (SMS_Site)",
					Details: []steps.Detail{
						{Label: "request", Text: "GET https://<provider>" + AdminServiceSiteRoute + "?$filter=SiteCode eq '<site_code>'\n(URL-encoded on the wire; <provider> and <site_code> are the target's)"},
						{Label: "fallback", Text: "when the AdminService refuses baton's HTTP client (401: it wants Windows authentication), the same request with the runner's Windows credentials, in PowerShell:\n" + ScriptContentLibraryFallback.Text},
						{Label: "evaluation", Text: `location = ContentLibraryLocation; remote = it starts with \\ ; move_progress = ContentLibraryMoveProgress;
move_status = "moving" while 0 < progress < 100, "done" at 100 with a remote location, "" otherwise.`},
						{Label: "notes", Text: `No verified SQL source holds the location (domain reference §4.7).
[UNVERIFIED] ContentLibraryLocation, ContentLibraryMoveProgress and ContentLibraryStatus are undocumented SMS_Site properties (seen in Get-CMSite output and memlabs); ContentLibraryStatus is not interpreted.
[UNVERIFIED] this AdminService route follows the documented pattern but was not seen used for HA.`},
					},
				}
			},
			run: func(ctx context.Context, s Site, _ steps.Request) (cty.Value, error) {
				c, err := s.ContentLibrary(ctx)
				if err != nil {
					return cty.NilVal, err
				}
				return contentLibraryValue(c), nil
			},
		},
		&kind{
			name: "configmgr_replication", effect: steps.ReadOnly, out: replicationType,
			spec: hcldec.ObjectSpec{"stale_after": defString("stale_after", DefaultStaleAfter)},
			doc:  "Reads the database replication links of the site; unhealthy = not active, or not updated within stale_after (default 30m).",
			desc: func(args cty.Value) steps.Description {
				return describeQuery("read the database replication links of the target site (RCM_ReplicationLinkStatus)", QueryReplication,
					steps.Detail{Label: "evaluation", Text: fmt.Sprintf(`unhealthy = state other than "active", or UpdateTime older than stale_after before the run's clock (a link without a time is not judged on age)
stale_after = %s
healthy = no unhealthy link`, show(args, "stale_after", DefaultStaleAfter))})
			},
			run: func(ctx context.Context, s Site, req steps.Request) (cty.Value, error) {
				stale, err := durationArg(req.Args, "stale_after", DefaultStaleAfter)
				if err != nil {
					return cty.NilVal, err
				}
				t, err := now(req)
				if err != nil {
					return cty.NilVal, err
				}
				links, err := s.ReplicationLinks(ctx)
				if err != nil {
					return cty.NilVal, err
				}
				return replicationValue(links, t, stale), nil
			},
		},
		&kind{
			name: "configmgr_updates", effect: steps.ReadOnly, out: updatesType,
			spec: hcldec.ObjectSpec{"recent_within": defString("recent_within", DefaultRecentWithin)},
			doc:  "Reads the site's Updates and Servicing state: updates installed within recent_within (default 7d) and updates in progress.",
			desc: func(args cty.Value) steps.Description {
				return describeQuery("read the Updates and Servicing state of the target site (CM_UpdatePackageSiteStatus)", QueryUpdates,
					steps.Detail{Label: "evaluation", Text: fmt.Sprintf(`recent = State 196612 (installed) with LastUpdateTime within recent_within before the run's clock
in_progress = State 196609..196629 except 196612, or 131073 (prerequisite check), or 65537 (content replication)
clear = no recent and no in-progress update
recent_within = %s`, show(args, "recent_within", DefaultRecentWithin))})
			},
			run: func(ctx context.Context, s Site, req steps.Request) (cty.Value, error) {
				within, err := durationArg(req.Args, "recent_within", DefaultRecentWithin)
				if err != nil {
					return cty.NilVal, err
				}
				t, err := now(req)
				if err != nil {
					return cty.NilVal, err
				}
				updates, err := s.Updates(ctx)
				if err != nil {
					return cty.NilVal, err
				}
				return updatesValue(updates, t, within), nil
			},
		},
		&kind{
			name: "configmgr_distributions", effect: steps.ReadOnly, spec: hcldec.ObjectSpec{}, out: distributionsType,
			doc: "Reads content distributions that are not complete, per distribution point and between sites.",
			desc: func(cty.Value) steps.Description {
				return describeQuery("read unfinished content distributions of the target site (v_PackageStatusDistPointsSumm, v_ContDistStatSummary)", QueryDistributions,
					steps.Detail{Label: "evaluation", Text: "in_progress and errors are sums over the rows; site_to_site = the package ids of site-to-site rows; clear = in_progress is 0 (errors do not block)"})
			},
			run: func(ctx context.Context, s Site, _ steps.Request) (cty.Value, error) {
				ds, err := s.Distributions(ctx)
				if err != nil {
					return cty.NilVal, err
				}
				return distributionsValue(ds), nil
			},
		},
		&kind{
			name: "configmgr_providers", effect: steps.ReadOnly, spec: hcldec.ObjectSpec{}, out: providersType,
			doc: "Lists the site's SMS Providers and probes whether each answers from the runner.",
			desc: func(cty.Value) steps.Description {
				return describeQuery("list the SMS Providers of the target site (v_SystemResourceList) and probe each from the runner", QueryProviders,
					steps.Detail{Label: "probes", Text: strings.ReplaceAll(probesText, "<server>", "<provider>")})
			},
			run: func(ctx context.Context, s Site, _ steps.Request) (cty.Value, error) {
				ps, err := s.Providers(ctx)
				if err != nil {
					return cty.NilVal, err
				}
				return providersValue(ps), nil
			},
		},
		&kind{
			name: "configmgr_components", effect: steps.ReadOnly, spec: hcldec.ObjectSpec{}, out: componentsType,
			doc: "Reads component status of the site; healthy = no component in critical state.",
			desc: func(cty.Value) steps.Description {
				return describeQuery("read component status of the target site (v_ComponentSummarizer)", QueryComponents,
					steps.Detail{Label: "evaluation", Text: "critical = Status 2; healthy = no critical component; available = AvailabilityState 0"})
			},
			run: func(ctx context.Context, s Site, _ steps.Request) (cty.Value, error) {
				cs, err := s.Components(ctx)
				if err != nil {
					return cty.NilVal, err
				}
				return componentsValue(cs), nil
			},
		},
		&kind{
			name: "configmgr_features", effect: steps.ReadOnly, out: featuresType,
			spec: hcldec.ObjectSpec{
				"dp_certificate_mode":   optString("dp_certificate_mode"),
				"pki_clients":           optBool("pki_clients"),
				"store_for_business":    optBool("store_for_business"),
				"pre_production_client": optBool("pre_production_client"),
				"pxe_distribution":      optBool("pxe_distribution"),
				"boot_media_in_use":     optBool("boot_media_in_use"),
			},
			doc: "Reads the site settings that decide post-promotion tasks; an argument, when set, declares a setting and replaces what the site reports.",
			desc: func(args cty.Value) steps.Description {
				var lines []string
				for _, n := range featureNames {
					lines = append(lines, fmt.Sprintf("%s = %s", n, steps.Show(attr(args, n))))
				}
				return describeQuery("read the settings that decide post-promotion tasks (site control tables)", QueryFeatures,
					steps.Detail{Label: "evaluation", Text: `pxe_distribution = a DP property IsPXE with Value3 = 1
dp_certificate_mode = "pki-imported" when a DP property CertificateType has Value3 = 2, else "self-signed"
pki_clients = a management point with SslState <> 0
store_for_business, pre_production_client, boot_media_in_use: not read from the site by the live backend (false) — declare them`},
					steps.Detail{Label: "declared (null = from the site)", Text: strings.Join(lines, "\n")})
			},
			run: func(ctx context.Context, s Site, req steps.Request) (cty.Value, error) {
				f, err := s.Features(ctx)
				if err != nil {
					return cty.NilVal, err
				}
				if m := str(req.Args, "dp_certificate_mode"); m != "" {
					if m != "pki-imported" && m != "self-signed" {
						return cty.NilVal, fmt.Errorf("dp_certificate_mode %q is not \"pki-imported\" or \"self-signed\"", m)
					}
					f.DPCertificateMode = m
				}
				for name, field := range map[string]*bool{
					"pki_clients": &f.PKIClients, "store_for_business": &f.StoreForBusiness,
					"pre_production_client": &f.PreProductionClient, "pxe_distribution": &f.PXEDistribution,
					"boot_media_in_use": &f.BootMediaInUse,
				} {
					if v, set := optBoolArg(req.Args, name); set {
						*field = v
					}
				}
				return featuresValue(f), nil
			},
		},
		&kind{
			name: "configmgr_reachable", effect: steps.ReadOnly, out: reachableType,
			spec: hcldec.ObjectSpec{"server": reqString("server")},
			doc:  "Probes a server from the runner: SMB (445), RPC (135) and the AdminService.",
			desc: func(args cty.Value) steps.Description {
				return steps.Description{
					Summary: "probe " + steps.Show(attr(args, "server")) + " from the runner",
					Details: []steps.Detail{
						{Label: "probes", Text: probesText},
						{Label: "parameters", Text: "server = " + steps.Show(attr(args, "server"))},
						{Label: "notes", Text: "A TCP answer on 135 does not prove that WMI/DCOM works (dynamic RPC ports are not probed)."},
					},
				}
			},
			run: func(ctx context.Context, s Site, req steps.Request) (cty.Value, error) {
				server := str(req.Args, "server")
				if !ValidHost(server) {
					return cty.NilVal, fmt.Errorf("server %q is not a host name: give the server's FQDN", server)
				}
				r, err := s.Reachable(ctx, server)
				if err != nil {
					return cty.NilVal, err
				}
				if r.Server == "" {
					r.Server = server
				}
				return reachableValue(r), nil
			},
		},
	}, fieldFactKinds()...)
}

var featureNames = []string{"dp_certificate_mode", "pki_clients", "store_for_business", "pre_production_client", "pxe_distribution", "boot_media_in_use"}

func durationArg(args cty.Value, name, def string) (time.Duration, error) {
	s := str(args, name)
	if s == "" {
		s = def
	}
	d, err := ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return d, nil
}

// now reads the run's clock; a request without one is a programming error
// in the caller, reported rather than replaced by the wall clock.
func now(req steps.Request) (time.Time, error) {
	if req.Clock == nil {
		return time.Time{}, fmt.Errorf("no clock in the request: the engine must give steps a clock")
	}
	return req.Clock.Now(), nil
}
