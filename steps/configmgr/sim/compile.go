package sim

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"

	"github.com/batonhq/baton/steps/configmgr"
)

// world is one scenario, merged and checked: everything New needs to
// build a fresh simulated site. It is never modified after compile.
type world struct {
	description string

	site      siteDef
	machines  []machineDef
	related   []relatedDef
	library   libraryDef
	links     []linkDef
	updates   []updateDef
	dists     []distDef
	comps     []compDef
	features  configmgr.Features
	problems  []problemDef
	events    []eventDef
	durations Durations
	failAt    string // fail_promotion_at
	failTimes int    // fail_promotion_times: how many attempts fail there
}

type siteDef struct {
	code, name    string
	typ           configmgr.SiteType
	version       string
	build         int
	parent        string
	sqlServer     string
	sqlDown       bool
	maintenance   bool
	clientVersion string
	preProdClient string
	hinvCustom    bool // F9: the hardware inventory's configuration.mof was customized on the active server
	bootImages    bool // F10: the default boot images exist, with the first active server as source
}

type machineDef struct {
	name, site           string
	mode, status, detail string
	roles                []string
	online               bool
	host                 hostDef
	defRange             hcl.Range // where the fixture declares it (zero when implied)
}

// hostDef is what PowerShell remoting reads on a server (§8).
type hostDef struct {
	remoting, nativeClient, smbSigning, clusterNode bool
	version                                         string   // installed ConfigMgr version, "" for none
	adminsMissing                                   []string // site servers whose accounts are not local admins here (F7)
}

type relatedDef struct {
	code, name, server, parent, version string
	typ                                 configmgr.SiteType
	status, build                       int
	maintenance                         bool
}

type libraryDef struct {
	location     string
	sizeGB       float64
	moveTo       string
	moveProgress int
}

type linkDef struct {
	name, from, to, group, state string
	updated                      time.Duration
}

type updateDef struct {
	name, version, state string
	at                   time.Duration
}

type distDef struct {
	pkg, server        string
	siteToSite         bool
	inProgress, errors int
	completesAt        time.Duration
	completes          bool
}

type compDef struct {
	server, name string
	status       int
	available    bool
}

type problemDef struct {
	name, kind, server, detail string
}

type eventDef struct {
	name, kind, server, problem, link, state string
	at                                       time.Duration
}

// maxPRUAttempts bounds the PRU-01 retries a fixture may ask for.
const maxPRUAttempts = 10000

// Role aliases accepted in fixtures besides the v_SystemResourceList names.
var roleAliases = map[string]string{
	"provider":         configmgr.RoleProvider,
	"sql":              configmgr.RoleSQLServer,
	"dp":               configmgr.RoleDistributionPoint,
	"mp":               configmgr.RoleManagementPoint,
	"scp":              configmgr.RoleServiceConnection,
	"sup":              configmgr.RoleSoftwareUpdate,
	"reporting":        configmgr.RoleReportingPoint,
	"fsp":              "SMS Fallback Status Point",
	"component_server": "SMS Component Server",
}

// canonicalRole maps an alias or a role name to the role name; ok is false
// for anything else.
func canonicalRole(r string) (string, bool) {
	if n, ok := roleAliases[strings.ToLower(strings.TrimSpace(r))]; ok {
		return n, true
	}
	for _, n := range roleAliases {
		if strings.EqualFold(n, r) {
			return n, true
		}
	}
	if strings.HasPrefix(r, "SMS ") && len(r) > 4 {
		return r, true
	}
	return "", false
}

// Replication link states and their RCM_ReplicationLinkStatus codes.
var linkStates = map[string]int{"active": 2, "initializing": 4, "degraded": 8, "failed": 9}

// Update states and their CM_UpdatePackageSiteStatus codes.
var updateStates = map[string]int{
	"available":     262146, // downloaded, ready to install
	"downloading":   262145,
	"prereq":        131073,
	"prereq_failed": 196607,
	"installing":    196609,
	"installed":     196612,
	"failed":        262143,
}

// Problem kinds: where in PSV they bite and what the console then says.
// Several messages are misleading on purpose, as in the product (§7.1,
// §7.8); the event log names the real cause.
type problemKind struct {
	stage   string // "PSV-01" prerequisite, "PSV-02", "PSV-03", "PSV-04", "PSV-05", "PSV-LATE" (after OK, F3)
	message string // the console/FailoverMgr.log text
	cause   string // what is really wrong
}

var problemKinds = map[string]problemKind{
	"sql_native_client_missing": {"PSV-01",
		"Prerequisite check failed: SQL Server sysadmin rights: the site server computer account must be a sysadmin on the SQL Server instance (see FailoverMgr.log on the active server)",
		"SQL Server Native Client is not installed on the target (P15, §7.1); the sysadmin message is misleading"},
	"passive_not_admin_on_active": {"PSV-01",
		"Prerequisite check failed: the computer account of the target is not a member of the local Administrators group on the active site server (P16)",
		"the target's computer account is not a local administrator on the active site server (P16)"},
	"active_not_admin_on_passive": {"PSV-01",
		"Prerequisite check failed: Verify that the operating system version of the target server is supported",
		"the active site server's computer account is not a local administrator on the target (§7.8); the OS-version message is misleading"},
	"adk_missing": {"PSV-01",
		"Prerequisite check failed: Windows Assessment and Deployment Kit (Windows ADK) is not installed on the target (P15)",
		"the Windows ADK is not installed on the target (P15, §7.1)"},
	"not_sysadmin": {"PSV-01",
		"Prerequisite check failed: SQL Server sysadmin rights: the target's computer account is not a sysadmin on the site database server (P22)",
		"the target's computer account has no sysadmin role on the SQL instance (P22)"},
	"ag_replica": {"PSV-01",
		"Prerequisite check failed: the target is a replica of the SQL Server Always On availability group that hosts the site database; a passive site server must be standalone (P08)",
		"the target hosts an availability-group replica of the site database (P08)"},
	"site_to_site_group_empty": {"PSV-02",
		"Installation failed: the active site server could not prepare the install job; access to the target was denied (SMS_SiteToSiteConnection group)",
		"the SMS_SiteToSiteConnection_<code> group does not contain the target's account (§7.8)"},
	"smb_blocked": {"PSV-03",
		"Installation failed: could not copy the installation source files to the target: the network path was not found",
		"SMB / File and Printer Sharing is blocked on the target (§7.8)"},
	"wsus_console_missing": {"PSV-04",
		"Installation failed: site server setup failed on the target; see ConfigMgrSetup.log (WSUS Administration Console not found)",
		"the WSUS Administration Console is not installed on the target (§7.8)"},
	"late_stage_blip": {"PSV-LATE",
		"Installation failed: stage 15, validate access to the remote site systems: SiteComp on the passive site server could not read install.map from the active site server (see hman.log and sitecomp.log on the active server)",
		"an SMB or content library blip during the asynchronous stages 14/15, after the server showed OK; ConfigMgr does not retry by itself (F3)"},
	"not_admin_on_site_systems": {"PSV-05",
		"Completed with warning: the active site server could not validate the passive site server; check FailoverMgr.log on both site servers",
		"the target's computer account is not a local administrator on every remote site system (P19, §7.2)"},
}

// Event (timeline) kinds.
var eventKinds = map[string]bool{
	"server_offline": true, "server_online": true, "fix_problem": true,
	"sql_down": true, "sql_up": true, "link_state": true,
	"provider_removed": true, // an administrator removed the server's SMS Provider (Setup > Site Maintenance, F11)
}

// Promotion stages a fixture may fail.
var failStages = map[string]bool{
	"PRP-01": true, "PRP-02": true, "PRP-03": true, "PRP-04": true, "PRP-05": true, "PRP-06": true, "PRP-07": true,
	"PRU-03": true, "PRU-04": true, "PRU-05": true, "PRU-06": true,
}

var siteCodeRE = regexp.MustCompile(`^[A-Z0-9]{3}$`)

func siteTypeOf(s string) (configmgr.SiteType, bool) {
	switch strings.ToLower(s) {
	case "primary":
		return configmgr.SitePrimary, true
	case "cas":
		return configmgr.SiteCAS, true
	case "secondary":
		return configmgr.SiteSecondary, true
	}
	return 0, false
}

var serverStatuses = map[string]bool{
	configmgr.StatusOK: true, configmgr.StatusInstalling: true, configmgr.StatusInstallFailed: true,
	configmgr.StatusPrereqFailed: true, configmgr.StatusPromoting: true, configmgr.StatusFailed: true,
	configmgr.StatusUnknown: true,
}

func str(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}

func boolv(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

func intv(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

// normUNC turns forward slashes of a UNC path into backslashes
// ("//fs01/share" and "\\fs01\share" are the same path).
func normUNC(p string) string {
	p = strings.TrimSpace(p)
	if strings.HasPrefix(p, "//") || strings.HasPrefix(p, `\\`) {
		return strings.ReplaceAll(p, "/", `\`)
	}
	return p
}

func isUNC(p string) bool { return strings.HasPrefix(normUNC(p), `\\`) }

// compile checks a merged scenario and turns it into a world; problems go
// to ds with their source position. It returns nil when it found errors.
func compile(ds *diagSet, b *bodySpec, scen hcl.Range) *world {
	before := len(ds.Diagnostics)
	c := &compiler{ds: ds, b: b, scen: scen, w: &world{durations: DefaultDurations()}}
	if !c.site() {
		return nil
	}
	c.related()
	c.servers()
	c.library()
	c.links()
	c.updates()
	c.distributions()
	c.components()
	c.features()
	probNames := c.problems()
	c.timeline(probNames)
	c.durations()
	c.promotionFailure()
	if len(ds.Diagnostics) > before {
		return nil
	}
	return c.w
}

// compiler holds what compile's parts share: the diagnostics, the merged
// body, the world being built, the site codes and the servers by name.
type compiler struct {
	ds     *diagSet
	b      *bodySpec
	scen   hcl.Range
	w      *world
	codes  map[string]bool
	byName map[string]int
}

// known tells whether name is a server of the fixture.
func (c *compiler) known(name string) bool {
	_, ok := c.byName[strings.ToLower(name)]
	return ok
}

// machineNames lists the fixture's servers, for messages.
func (c *compiler) machineNames() string {
	m := map[string]bool{}
	for n := range c.byName {
		m[n] = true
	}
	return knownList(m)
}

// site checks the site block; false when there is none.
func (c *compiler) site() bool {
	ds, w, b, scen := c.ds, c.w, c.b, c.scen
	if b.Site == nil {
		ds.add(scen, "Missing site block", `the fixture (or this scenario) needs a site { code = "PS1" type = "primary" ... } block`)
		return false
	}
	s := b.Site
	w.site = siteDef{
		code:          strings.ToUpper(str(s.Code, "")),
		name:          str(s.Name, ""),
		version:       str(s.Version, "5.00.9132.1000"),
		build:         intv(s.Build, 9132),
		parent:        strings.ToUpper(str(s.Parent, "")),
		sqlServer:     strings.ToLower(str(s.SQLServer, "")),
		sqlDown:       boolv(s.SQLDown, false),
		maintenance:   boolv(s.Maintenance, false),
		clientVersion: str(s.ClientVersion, ""),
		preProdClient: str(s.PreProductionClient, ""),
		hinvCustom:    boolv(s.HinvCustomized, false),
		bootImages:    boolv(s.DefaultBootImages, false),
	}
	if !siteCodeRE.MatchString(w.site.code) {
		ds.add(s.DefRange, "Invalid site code", fmt.Sprintf("site code %q must be three letters or digits, e.g. \"PS1\"", w.site.code))
	}
	if w.site.name == "" {
		w.site.name = w.site.code
	}
	typ, ok := siteTypeOf(str(s.Type, ""))
	if !ok {
		ds.add(s.DefRange, "Invalid site type", fmt.Sprintf("site type %q: use \"primary\", \"cas\" or \"secondary\"", str(s.Type, "")))
	}
	w.site.typ = typ
	if w.site.clientVersion == "" {
		w.site.clientVersion = w.site.version
	}
	codes := map[string]bool{w.site.code: true}

	c.codes = codes
	return true
}

// related checks the related sites (codes first, so that servers may name them).
func (c *compiler) related() {
	ds, w, b, s, codes := c.ds, c.w, c.b, c.b.Site, c.codes
	for _, r := range b.RelatedSites {
		code := strings.ToUpper(r.Code)
		if !siteCodeRE.MatchString(code) {
			ds.add(r.DefRange, "Invalid site code", fmt.Sprintf("related_site %q: a site code is three letters or digits", r.Code))
		}
		if code == w.site.code {
			ds.add(r.DefRange, "Related site is the site itself", fmt.Sprintf("related_site %q has the site's own code; remove it", r.Code))
		}
		codes[code] = true
	}
	for _, r := range b.RelatedSites {
		code := strings.ToUpper(r.Code)
		t, ok := siteTypeOf(str(r.Type, ""))
		if !ok {
			ds.add(r.DefRange, "Invalid site type", fmt.Sprintf("related_site %q: type %q must be \"primary\", \"cas\" or \"secondary\"", r.Code, str(r.Type, "")))
		}
		rd := relatedDef{
			code: code, name: str(r.Name, code), typ: t,
			server:  strings.ToLower(str(r.Server, "")),
			parent:  strings.ToUpper(str(r.Parent, "")),
			status:  intv(r.Status, 1),
			version: str(r.Version, w.site.version), build: intv(r.Build, w.site.build),
			maintenance: boolv(r.Maintenance, false),
		}
		if rd.server == "" {
			ds.add(r.DefRange, "Missing server", fmt.Sprintf("related_site %q needs server = \"<site server FQDN>\"", r.Code))
		}
		if rd.parent != "" && !codes[rd.parent] {
			ds.add(r.DefRange, "Unknown parent site", fmt.Sprintf("related_site %q: parent %q is not a site of this fixture (known: %s)", r.Code, rd.parent, knownList(codes)))
		}
		if t == configmgr.SiteSecondary && rd.parent == "" {
			ds.add(r.DefRange, "Secondary without parent", fmt.Sprintf("related_site %q is a secondary site; give its primary with parent = \"...\"", r.Code))
		}
		w.related = append(w.related, rd)
	}
	if w.site.parent != "" && !codes[w.site.parent] {
		ds.add(s.DefRange, "Unknown parent site", fmt.Sprintf("parent %q is not a related_site of this fixture (known: %s)", w.site.parent, knownList(codes)))
	}
}

// serverMode checks a server's mode ("" for none) and counts the active
// and passive site servers, of which a site has one each at most.
func (c *compiler) serverMode(m *serverSpec, md machineDef, actives, passives *int) string {
	ds, w := c.ds, c.w
	switch md.mode {
	case "none":
		return ""
	case configmgr.ModeActive, configmgr.ModePassive:
		if md.site != w.site.code {
			ds.add(m.DefRange, "Site server of another site", fmt.Sprintf("server %q: only servers of site %s have a mode; describe the other site's server with related_site", m.Name, w.site.code))
		}
		if md.mode == configmgr.ModeActive {
			*actives++
			if *actives == 2 {
				ds.add(m.DefRange, "Second active site server", fmt.Sprintf("server %q: site %s already has an active site server; exactly one server has mode = \"active\"", m.Name, w.site.code))
			}
		} else {
			*passives++
			if *passives == 2 {
				ds.add(m.DefRange, "Second passive site server", fmt.Sprintf("server %q: a site has at most one passive site server (P03)", m.Name))
			}
		}
	default:
		ds.add(m.DefRange, "Invalid mode", fmt.Sprintf("server %q: mode %q must be \"active\", \"passive\" or \"none\"", m.Name, md.mode))
	}
	return md.mode
}

// serverRoles checks a server's roles and returns their canonical names.
func (c *compiler) serverRoles(m *serverSpec) []string {
	if m.Roles == nil {
		return nil
	}
	var roles []string
	for _, r := range *m.Roles {
		n, ok := canonicalRole(r)
		if !ok {
			c.ds.add(m.DefRange, "Unknown role", fmt.Sprintf("server %q: role %q; use an alias (%s) or a v_SystemResourceList name such as \"SMS Management Point\"", m.Name, r, aliasList()))
			continue
		}
		if n == configmgr.RoleSiteServer || n == configmgr.RoleSiteSystem {
			c.ds.add(m.DefRange, "Implied role", fmt.Sprintf("server %q: %q is implied (by mode, or by having any role); remove it from roles", m.Name, n))
			continue
		}
		roles = appendUnique(roles, n)
	}
	return roles
}

// servers checks the servers and adds the implied ones (SQL Server, related site servers).
func (c *compiler) servers() {
	ds, w, b, scen, codes := c.ds, c.w, c.b, c.scen, c.codes
	byName := map[string]int{}
	actives, passives := 0, 0
	for _, m := range b.Servers {
		name := strings.ToLower(strings.TrimSpace(m.Name))
		if name == "" {
			ds.add(m.DefRange, "Empty server name", "give the server its FQDN, e.g. server \"cm01.contoso.com\"")
			continue
		}
		md := machineDef{
			name: name, site: strings.ToUpper(str(m.Site, w.site.code)),
			mode: strings.ToLower(str(m.Mode, "none")), status: str(m.Status, configmgr.StatusOK),
			detail: str(m.Detail, ""), online: boolv(m.Online, true),
		}
		if !codes[md.site] {
			ds.add(m.DefRange, "Unknown site", fmt.Sprintf("server %q: site %q is not a site of this fixture (known: %s)", m.Name, md.site, knownList(codes)))
		}
		md.mode = c.serverMode(&m, md, &actives, &passives)
		md.host = c.serverHost(&m, md)
		md.defRange = m.DefRange
		if !serverStatuses[md.status] {
			ds.add(m.DefRange, "Invalid status", fmt.Sprintf("server %q: status %q must be one of %s", m.Name, md.status, knownList(serverStatuses)))
		}
		md.roles = c.serverRoles(&m)
		byName[name] = len(w.machines)
		w.machines = append(w.machines, md)
	}
	if actives == 0 {
		ds.add(scen, "No active site server", fmt.Sprintf("site %s has no server with mode = \"active\"; exactly one is needed (an offline one is written online = false)", w.site.code))
	}
	ensure := func(name, site, role string) {
		if name == "" {
			return
		}
		i, ok := byName[name]
		if !ok {
			i = len(w.machines)
			byName[name] = i
			w.machines = append(w.machines, machineDef{name: name, site: site, status: configmgr.StatusOK, online: true,
				host: hostDef{remoting: true, nativeClient: true, smbSigning: true}})
		}
		w.machines[i].roles = appendUnique(w.machines[i].roles, role)
	}
	ensure(w.site.sqlServer, w.site.code, configmgr.RoleSQLServer)
	for _, r := range w.related {
		ensure(r.server, r.code, configmgr.RoleSiteServer)
	}
	c.byName = byName
	c.checkAdminsMissing()
}

// serverHost reads what PowerShell remoting sees on a server. A site
// server has the site's version unless the fixture says otherwise.
func (c *compiler) serverHost(m *serverSpec, md machineDef) hostDef {
	h := hostDef{
		remoting: boolv(m.Remoting, true), nativeClient: boolv(m.SQLNativeClient, true),
		smbSigning: boolv(m.SMBSigning, true), clusterNode: boolv(m.ClusterNode, false),
		version: str(m.Version, ""),
	}
	if m.Version == nil && md.mode != "" && md.status != configmgr.StatusInstalling {
		h.version = c.w.site.version
	}
	if m.AdminsMissing != nil {
		for _, a := range *m.AdminsMissing {
			h.adminsMissing = appendUnique(h.adminsMissing, strings.ToLower(strings.TrimSpace(a)))
		}
	}
	return h
}

// checkAdminsMissing reports admins_missing entries that name no server.
func (c *compiler) checkAdminsMissing() {
	for _, md := range c.w.machines {
		for _, a := range md.host.adminsMissing {
			if !c.known(a) {
				c.ds.add(md.defRange, "Unknown server", fmt.Sprintf("server %q: admins_missing names %q, which is not a server of this fixture (known: %s)", md.name, a, c.machineNames()))
			}
		}
	}
}

// library checks the content library.
func (c *compiler) library() {
	ds, w, b, scen := c.ds, c.w, c.b, c.scen
	if b.ContentLibrary == nil {
		ds.add(scen, "Missing content_library block", `describe the content library: content_library { location = "\\\\fs01\\cmcontent\\PS1" size_gb = 250 }`)
	} else {
		c := b.ContentLibrary
		w.library = libraryDef{
			location: normUNC(str(c.Location, "")), moveTo: normUNC(str(c.MoveTo, "")),
			moveProgress: intv(c.MoveProgress, 0),
		}
		w.library.sizeGB = 100
		if c.SizeGB != nil {
			w.library.sizeGB = *c.SizeGB
		}
		if w.library.location == "" {
			ds.add(c.DefRange, "Missing location", `content_library needs location = "D:\\SCCMContentLib" or a UNC path`)
		}
		if !(w.library.sizeGB >= 0 && w.library.sizeGB <= 1e6) {
			ds.add(c.DefRange, "Invalid size_gb", "size_gb must be between 0 and 1000000")
		}
		if w.library.moveTo != "" && !isUNC(w.library.moveTo) {
			ds.add(c.DefRange, "Invalid move_to", "move_to must be a UNC path (\\\\server\\share\\folder)")
		}
		if w.library.moveProgress < 0 || w.library.moveProgress > 99 {
			ds.add(c.DefRange, "Invalid move_progress", "move_progress is the percentage already moved: 0 to 99")
		}
	}
}

// links checks the replication links.
func (c *compiler) links() {
	ds, w, b, codes := c.ds, c.w, c.b, c.codes
	for _, l := range b.Links {
		ld := linkDef{
			name: l.Name, from: strings.ToUpper(str(l.From, "")), to: strings.ToUpper(str(l.To, "")),
			group: str(l.Group, "Global"), state: strings.ToLower(str(l.State, "active")),
		}
		if !codes[ld.from] || !codes[ld.to] || ld.from == ld.to {
			ds.add(l.DefRange, "Invalid replication link", fmt.Sprintf("replication_link %q: from and to must be two different sites of this fixture (known: %s)", l.Name, knownList(codes)))
		}
		if _, ok := linkStates[ld.state]; !ok {
			ds.add(l.DefRange, "Invalid link state", fmt.Sprintf("replication_link %q: state %q must be one of active, initializing, degraded, failed", l.Name, ld.state))
		}
		ld.updated = offsetAttr(ds, l.Updated, l.UpdatedRange, l.DefRange, "-5m")
		w.links = append(w.links, ld)
	}
}

// updates checks the Updates and Servicing history.
func (c *compiler) updates() {
	ds, w, b := c.ds, c.w, c.b
	for _, u := range b.Updates {
		ud := updateDef{name: u.Name, version: str(u.Version, ""), state: strings.ToLower(str(u.State, "installed"))}
		if _, ok := updateStates[ud.state]; !ok {
			ds.add(u.DefRange, "Invalid update state", fmt.Sprintf("update %q: state %q must be one of %s", u.Name, ud.state, knownKeys(updateStates)))
		}
		if u.At == nil {
			ds.add(u.DefRange, "Missing at", fmt.Sprintf("update %q needs at = \"-30d\" (when it reached its state, relative to the rehearsal start)", u.Name))
		}
		ud.at = offsetAttr(ds, u.At, u.AtRange, u.DefRange, "0m")
		w.updates = append(w.updates, ud)
	}
}

// distributions checks the content distributions.
func (c *compiler) distributions() {
	ds, w, b, known, machineNames, byName := c.ds, c.w, c.b, c.known, c.machineNames, c.byName
	for _, d := range b.Distributions {
		dd := distDef{
			pkg: str(d.Package, d.Name), server: strings.ToLower(str(d.Server, "")),
			siteToSite: boolv(d.SiteToSite, false), inProgress: intv(d.InProgress, 1), errors: intv(d.Errors, 0),
		}
		if dd.server == "" || !known(dd.server) {
			ds.add(d.DefRange, "Unknown distribution point", fmt.Sprintf("distribution %q: server %q must be a server of this fixture with the dp role (known: %s)", d.Name, dd.server, machineNames()))
		} else if !hasRole(w.machines[byName[dd.server]].roles, configmgr.RoleDistributionPoint) {
			ds.add(d.DefRange, "Not a distribution point", fmt.Sprintf("distribution %q: server %q has no dp role; add roles = [\"dp\"] to it", d.Name, dd.server))
		}
		if dd.inProgress < 0 || dd.errors < 0 {
			ds.add(d.DefRange, "Invalid counts", fmt.Sprintf("distribution %q: in_progress and errors cannot be negative", d.Name))
		}
		if d.CompletesAt != nil {
			dd.completes = true
			dd.completesAt = offsetAttr(ds, d.CompletesAt, d.CompletesRange, d.DefRange, "0m")
			if dd.completesAt < 0 {
				ds.add(d.CompletesRange, "Invalid completes_at", "completes_at must not be before the rehearsal start")
			}
		}
		w.dists = append(w.dists, dd)
	}
}

// components checks the component status overrides.
func (c *compiler) components() {
	ds, w, b, known, machineNames := c.ds, c.w, c.b, c.known, c.machineNames
	for _, c := range b.Components {
		cd := compDef{server: strings.ToLower(c.Server), name: strings.ToUpper(c.Name), status: intv(c.Status, 0), available: boolv(c.Available, true)}
		if !known(cd.server) {
			ds.add(c.DefRange, "Unknown server", fmt.Sprintf("component %q %q: no such server (known: %s)", c.Server, c.Name, machineNames()))
		}
		if cd.status < 0 || cd.status > 2 {
			ds.add(c.DefRange, "Invalid component status", "status is 0 (OK), 1 (warning) or 2 (critical)")
		}
		w.comps = append(w.comps, cd)
	}
}

// features reads the site features.
func (c *compiler) features() {
	ds, w, b := c.ds, c.w, c.b
	w.features = configmgr.Features{DPCertificateMode: "self-signed"}
	if f := b.Features; f != nil {
		w.features = configmgr.Features{
			DPCertificateMode:   str(f.DPCertificateMode, "self-signed"),
			PKIClients:          boolv(f.PKIClients, false),
			StoreForBusiness:    boolv(f.StoreForBusiness, false),
			PreProductionClient: boolv(f.PreProductionClient, false),
			PXEDistribution:     boolv(f.PXE, false),
			BootMediaInUse:      boolv(f.BootMedia, false),
		}
		if m := w.features.DPCertificateMode; m != "self-signed" && m != "pki-imported" {
			ds.add(f.DefRange, "Invalid dp_certificate_mode", fmt.Sprintf("dp_certificate_mode %q must be \"self-signed\" or \"pki-imported\"", m))
		}
	}
	if w.features.PreProductionClient && w.site.preProdClient == "" {
		w.site.preProdClient = w.site.clientVersion + "-preprod"
	}
}

// problems checks the problems and returns their names.
func (c *compiler) problems() map[string]bool {
	ds, w, b, known, machineNames := c.ds, c.w, c.b, c.known, c.machineNames
	probNames := map[string]bool{}
	for _, p := range b.Problems {
		pd := problemDef{name: p.Name, kind: str(p.Kind, ""), server: strings.ToLower(str(p.Server, "")), detail: str(p.Detail, "")}
		if _, ok := problemKinds[pd.kind]; !ok {
			ds.add(p.DefRange, "Invalid problem kind", fmt.Sprintf("problem %q: kind %q must be one of %s", p.Name, pd.kind, knownKeys(problemKinds)))
		}
		if pd.server != "" && !known(pd.server) {
			ds.add(p.DefRange, "Unknown server", fmt.Sprintf("problem %q: server %q is not a server of this fixture (known: %s)", p.Name, pd.server, machineNames()))
		}
		probNames[p.Name] = true
		w.problems = append(w.problems, pd)
	}

	return probNames
}

// timeline checks the timeline events, then sorts them by time.
func (c *compiler) timeline(probNames map[string]bool) {
	ds, w, b, known, machineNames := c.ds, c.w, c.b, c.known, c.machineNames
	linkNames := map[string]bool{}
	for _, l := range w.links {
		linkNames[l.name] = true
	}
	for _, e := range b.Events {
		ed := eventDef{
			name: e.Name, kind: str(e.Kind, ""), server: strings.ToLower(str(e.Server, "")),
			problem: str(e.Problem, ""), link: str(e.Link, ""), state: strings.ToLower(str(e.State, "")),
		}
		if e.At == nil {
			ds.add(e.DefRange, "Missing at", fmt.Sprintf("event %q needs at = \"45m\" (relative to the rehearsal start)", e.Name))
		}
		ed.at = offsetAttr(ds, e.At, e.AtRange, e.DefRange, "0m")
		if ed.at < 0 {
			ds.add(e.AtRange, "Event before the start", fmt.Sprintf("event %q: at must be >= 0; describe the initial state in the blocks instead (e.g. online = false)", e.Name))
		}
		switch ed.kind {
		case "server_offline", "server_online", "provider_removed":
			if !known(ed.server) {
				ds.add(e.DefRange, "Unknown server", fmt.Sprintf("event %q: server %q is not a server of this fixture (known: %s)", e.Name, ed.server, machineNames()))
			}
		case "fix_problem":
			if !probNames[ed.problem] {
				ds.add(e.DefRange, "Unknown problem", fmt.Sprintf("event %q: problem %q is not a problem block of this scenario (known: %s)", e.Name, ed.problem, knownList(probNames)))
			}
		case "link_state":
			if !linkNames[ed.link] {
				ds.add(e.DefRange, "Unknown link", fmt.Sprintf("event %q: link %q is not a replication_link (known: %s)", e.Name, ed.link, knownList(linkNames)))
			}
			if _, ok := linkStates[ed.state]; !ok {
				ds.add(e.DefRange, "Invalid link state", fmt.Sprintf("event %q: state %q must be one of active, initializing, degraded, failed", e.Name, ed.state))
			}
		case "sql_down", "sql_up":
		default:
			ds.add(e.DefRange, "Invalid event kind", fmt.Sprintf("event %q: kind %q must be one of %s", e.Name, ed.kind, knownList(eventKinds)))
		}
		w.events = append(w.events, ed)
	}
	sort.SliceStable(w.events, func(i, j int) bool { return w.events[i].at < w.events[j].at })
}

// durations reads the simulated durations and bounds the PRU-01 loop.
func (c *compiler) durations() {
	ds, w, b, scen := c.ds, c.w, c.b, c.scen
	if d := b.Durations; d != nil {
		fields := w.durations.fields()
		names := make([]string, 0, len(d.Attrs))
		for n := range d.Attrs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			a := d.Attrs[n]
			p, ok := fields[n]
			if !ok {
				ds.add(a.NameRange, "Unknown duration", fmt.Sprintf("%q is not a simulated duration; known: %s", n, strings.Join(DurationNames(), ", ")))
				continue
			}
			var v string
			if diags := gohcl.DecodeExpression(a.Expr, nil, &v); diags.HasErrors() {
				ds.Diagnostics = append(ds.Diagnostics, diags...)
				continue
			}
			dur, err := parseOffset(v)
			if err == nil && dur < time.Second {
				err = fmt.Errorf("duration %q must be positive and at least 1s", v)
			}
			if err != nil {
				ds.add(a.Expr.Range(), "Invalid duration", err.Error())
				continue
			}
			*p = dur
		}
	}

	if w.durations.PRUWindow/w.durations.PRURetry > maxPRUAttempts {
		rng := scen
		if b.Durations != nil {
			rng = b.Durations.DefRange
		}
		ds.add(rng, "Too many PRU-01 attempts", fmt.Sprintf("pru_window / pru_retry is %d; keep it at most %d (the product retries about once a minute for 30 minutes)",
			w.durations.PRUWindow/w.durations.PRURetry, maxPRUAttempts))
	}
}

// promotionFailure checks fail_promotion_at and fail_promotion_times.
func (c *compiler) promotionFailure() {
	ds, w, b := c.ds, c.w, c.b
	if b.FailPromotionAt != nil {
		w.failAt = strings.ToUpper(*b.FailPromotionAt)
		if !failStages[w.failAt] {
			ds.add(b.FailRange, "Invalid fail_promotion_at", fmt.Sprintf("fail_promotion_at %q must be a promotion stage: %s", *b.FailPromotionAt, knownList(failStages)))
		}
	}
	w.failTimes = 1
	if b.FailTimes != nil {
		w.failTimes = *b.FailTimes
		if w.failTimes < 1 || w.failTimes > 10 {
			ds.add(b.FailTimesRange, "Invalid fail_promotion_times", fmt.Sprintf("fail_promotion_times is %d; give how many attempts fail, from 1 to 10", w.failTimes))
		}
		if b.FailPromotionAt == nil {
			ds.add(b.FailTimesRange, "fail_promotion_times without fail_promotion_at", "say at which stage the promotion fails: fail_promotion_at = \"PRP-05\"")
		}
	}
}

func offsetAttr(ds *diagSet, p *string, rng, def hcl.Range, dflt string) time.Duration {
	v := str(p, dflt)
	d, err := parseOffset(v)
	if err != nil {
		if rng.Filename == "" {
			rng = def
		}
		ds.add(rng, "Invalid time offset", err.Error())
		return 0
	}
	return d
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func hasRole(roles []string, r string) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

func aliasList() string {
	ks := make([]string, 0, len(roleAliases))
	for k := range roleAliases {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}

func knownKeys[V any](m map[string]V) string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}
