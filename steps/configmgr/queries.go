package configmgr

// This file holds the T-SQL the live backend runs against the site
// database (CM_<site code>), as data: the live backend executes exactly
// these texts and the step types' Describe shows exactly these texts, so a
// reviewer reads what runs.
//
// Provenance (see /work/shared/domain/configmgr-ha.md): the view and table
// names come from §4 of the domain reference; the queries start from the
// proposed T-SQL in §4.9, which was checked to parse and run against a
// stand-in schema, not against a real ConfigMgr site database. Column
// semantics marked [UNVERIFIED] or [COMMUNITY] below are hypotheses until
// the opt-in integration test (live/integration_test.go) has been run
// against a real site.
//
// Every query is read-only and takes its values as named parameters
// (sql.Named("site", code)); nothing is ever concatenated into the text.

// Query is one read of the site database.
type Query struct {
	// Name identifies the query ("site_servers").
	Name string
	// Text is the exact T-SQL sent to SQL Server.
	Text string
	// Params are the named parameters the text uses, in order.
	Params []QueryParam
	// Notes say where the query comes from and what is unverified; they
	// are shown in plans next to the text.
	Notes string
}

// QueryParam documents one named parameter of a Query.
type QueryParam struct {
	Name    string // without the @
	SQLType string // the type the driver sends (Go string → nvarchar)
	Doc     string // where the value comes from
}

// siteParam is the @site parameter every query takes.
var siteParam = QueryParam{Name: "site", SQLType: "nvarchar", Doc: "the target's site_code"}

// QuerySite reads one site (configmgr_site, P01). v_Site columns come from
// the fn_rbac_Site model (§4.1); Maintenance is ServerData.Status = 120,
// documented for replication maintenance mode (§4.1, §4.5).
var QuerySite = Query{
	Name: "site",
	Text: `SELECT s.SiteCode, s.SiteName, s.Type, s.Status, s.ServerName, s.Version,
       s.BuildNumber, s.ReportingSiteCode,
       CAST(CASE WHEN EXISTS (SELECT 1 FROM ServerData sd
                              WHERE sd.SiteCode = s.SiteCode AND sd.Status = 120)
                 THEN 1 ELSE 0 END AS bit) AS Maintenance
FROM v_Site s
WHERE s.SiteCode = @site;`,
	Params: []QueryParam{siteParam},
	Notes: `source: domain reference §4.1 (v_Site), §4.5 (ServerData.Status = 120 = maintenance mode).
[UNVERIFIED] that v_Site.Status uses the SMS_Site.Status values (1 active, 2 pending, 3 failed...).`,
}

// QueryHierarchy reads the sites related to the target site: its parent
// and the sites that report to it (child primaries under a CAS, secondaries
// under a primary). The target site itself is not returned.
var QueryHierarchy = Query{
	Name: "hierarchy",
	Text: `SELECT s.SiteCode, s.SiteName, s.Type, s.Status, s.ServerName, s.Version,
       s.BuildNumber, s.ReportingSiteCode,
       CAST(CASE WHEN EXISTS (SELECT 1 FROM ServerData sd
                              WHERE sd.SiteCode = s.SiteCode AND sd.Status = 120)
                 THEN 1 ELSE 0 END AS bit) AS Maintenance
FROM v_Site s
WHERE s.SiteCode <> @site
  AND (   s.ReportingSiteCode = @site
       OR s.SiteCode = (SELECT p.ReportingSiteCode FROM v_Site p WHERE p.SiteCode = @site))
ORDER BY s.SiteCode;`,
	Params: []QueryParam{siteParam},
	Notes: `source: domain reference §4.1 (v_Site.ReportingSiteCode), §4.9 PF-02 (secondaries: Type = 1 AND ReportingSiteCode = @site).
Only direct relations: the parent and the sites reporting to this one (not grandchildren).`,
}

// QuerySiteServers reads the HA site servers (configmgr_site_servers,
// P03, PF-06, R08): the "SMS Site Server" role rows of vSMS_SC_SysResUse,
// with the site's active server from v_Site.ServerName.
var QuerySiteServers = Query{
	Name: "site_servers",
	Text: `SELECT r.ServerName, r.SiteSystemStatus, r.ServerState, v.ServerName AS ActiveServer
FROM vSMS_SC_SysResUse r
JOIN v_Site v ON v.SiteCode = r.SiteCode
WHERE r.SiteCode = @site AND r.RoleName = N'SMS Site Server'
ORDER BY r.ServerName;`,
	Params: []QueryParam{siteParam},
	Notes: `source: domain reference §4.9 PF-06; the mode is derived by comparing ServerName with v_Site.ServerName (documented: the active server).
[COMMUNITY] ServerState decoding: 131071 (0x0001FFFF) installation failed, 196607 (0x0002FFFF) prerequisite error, 0x0003xxxx OK; other values are reported as Installing.
[COMMUNITY] SiteSystemStatus 0 = passive, 1 = active (not used for the mode; shown in detail).
[UNVERIFIED] "Promoting" cannot be seen in SQL; the SMS_HA_* WMI classes that show it have no known SQL source (§4.3).`,
}

// QueryRoles reads every site system role of the site (configmgr_roles,
// P05, P06, P07, PF-04/05).
var QueryRoles = Query{
	Name: "roles",
	Text: `SELECT r.SiteCode, r.ServerName, r.RoleName
FROM v_SystemResourceList r
WHERE r.SiteCode = @site
ORDER BY r.ServerName, r.RoleName;`,
	Params: []QueryParam{siteParam},
	Notes: `source: domain reference §4.2 (v_SystemResourceList, role names), §4.9 PF-04/05.
Roles of this site only: P07 ("no role from any site on the target") needs the other sites' databases or a CAS.`,
}

// QueryReplication reads the database replication links of the site
// (configmgr_replication, R03, PF-02).
var QueryReplication = Query{
	Name: "replication",
	Text: `SELECT l.SiteSending, l.SiteReceiving, ISNULL(rd.ReplicationGroup, N'') AS ReplicationGroup,
       l.Status, l.UpdateTime
FROM RCM_ReplicationLinkStatus l
LEFT JOIN ReplicationData rd ON rd.ID = l.ReplicationID
WHERE @site IN (l.SiteSending, l.SiteReceiving)
ORDER BY 1, 2, 3;`,
	Params: []QueryParam{siteParam},
	Notes: `source: domain reference §4.5, §4.9 PF-02. Status 8/9 = degraded/failed [DOC]; the other values (2 active, 4 initializing...) are the SMS_ReplicationLinkSummary LinkStatus list [COMMUNITY].
[COMMUNITY] the ReplicationData join on ID = ReplicationID.
[UNVERIFIED] UpdateTime is read as UTC (the replication doc compares it with GETUTCDATE()).`,
}

// QueryUpdates reads the site's Updates and Servicing state
// (configmgr_updates, R05, PF-01).
var QueryUpdates = Query{
	Name: "updates",
	Text: `SELECT COALESCE(up.Name, CAST(s.PackageGuid AS nvarchar(64))) AS Name,
       ISNULL(up.FullVersion, N'') AS FullVersion, s.State, s.LastUpdateTime
FROM CM_UpdatePackageSiteStatus s
JOIN ServerData sd ON sd.ID = s.SiteNumber
LEFT JOIN CM_UpdatePackages up ON up.PackageGuid = s.PackageGuid
WHERE sd.SiteCode = @site
ORDER BY s.LastUpdateTime DESC;`,
	Params: []QueryParam{siteParam},
	Notes: `source: domain reference §4.8 (tables and state codes [DOC support article]), §4.9 PF-01.
"recent" and "in progress" are decided by baton from State and LastUpdateTime against the run's clock, not in SQL.
[UNVERIFIED] LastUpdateTime is read as UTC (its time zone is not documented).`,
}

// QueryDistributions reads content whose distribution is not complete
// (configmgr_distributions, R02, PF-08).
var QueryDistributions = Query{
	Name: "distributions",
	Text: `SELECT p.PackageID, p.ServerNALPath,
       CASE WHEN p.State IN (1, 2, 4, 5) THEN 1 ELSE 0 END AS InProgress,
       CASE WHEN p.State IN (3, 6) THEN 1 ELSE 0 END AS Errors,
       CAST(0 AS bit) AS SiteToSite
FROM v_PackageStatusDistPointsSumm p
WHERE p.SiteCode = @site AND p.State IN (1, 2, 3, 4, 5, 6)
UNION ALL
SELECT c.PkgID, N'', c.NumberInProgress, c.NumberErrors, CAST(1 AS bit)
FROM v_ContDistStatSummary c
WHERE (c.NumberInProgress > 0 OR c.NumberErrors > 0)
  AND NOT EXISTS (SELECT 1 FROM v_PackageStatusDistPointsSumm p2
                  WHERE p2.PackageID = c.PkgID AND p2.SiteCode = @site
                    AND p2.State IN (1, 2, 3, 4, 5, 6))
ORDER BY 1, 2;`,
	Params: []QueryParam{siteParam},
	Notes: `source: domain reference §4.6, §4.9 PF-08. State: 1/2 install pending/retrying, 4/5 removal pending/retrying (in progress), 3/6 install/removal failed [COMMUNITY, citing the SDK].
The server is taken from ServerNALPath (\\server\ part) by baton.
[UNVERIFIED] heuristic: packages in progress or failed in the hierarchy-wide summary (v_ContDistStatSummary) with no unfinished row at this site's DPs are reported as site-to-site (file replication to other sites); the dedicated site-to-site objects (PkgStatus Type 1, DistributionJobs) are not used.`,
}

// QueryProviders lists the site's SMS Providers (configmgr_providers,
// R07); reachability is probed from the runner afterwards.
var QueryProviders = Query{
	Name: "providers",
	Text: `SELECT DISTINCT r.ServerName
FROM v_SystemResourceList r
WHERE r.SiteCode = @site AND r.RoleName = N'SMS Provider'
ORDER BY r.ServerName;`,
	Params: []QueryParam{siteParam},
	Notes: `source: domain reference §4.2 (role name "SMS Provider").
[COMMUNITY] a provider installed by setup on the passive server reportedly does not always register (SCCMDocs#1613), so it may be missing here.`,
}

// QueryComponents reads component status for the usual tally interval
// (configmgr_components, R01, PF-09).
var QueryComponents = Query{
	Name: "components",
	Text: `SELECT c.MachineName, c.ComponentName, c.Status, c.AvailabilityState
FROM v_ComponentSummarizer c
WHERE c.SiteCode = @site AND c.TallyInterval = N'0001128000100008'
ORDER BY c.MachineName, c.ComponentName;`,
	Params: []QueryParam{siteParam},
	Notes: `source: domain reference §4.4, §4.9 PF-09. Status 0 OK / 1 warning / 2 critical [DOC]; AvailabilityState 0 online, 3 offline.
[COMMUNITY] the tally interval 0001128000100008 is the one community reports use.`,
}

// QueryFeatures reads the site settings that decide post-promotion tasks
// (configmgr_features, §5): distribution point and management point
// properties from the site control tables.
var QueryFeatures = Query{
	Name: "features",
	Text: `SELECT r.RoleName, r.ServerName, p.Name, ISNULL(p.Value1, N'') AS Value1, ISNULL(p.Value3, 0) AS Value3
FROM vSMS_SC_SysResUse r
JOIN vSMS_SC_SysResUse_Properties p ON p.ID = r.ID
WHERE r.SiteCode = @site
  AND r.RoleName = N'SMS Distribution Point'
  AND p.Name IN (N'IsPXE', N'CertificateType')
UNION ALL
SELECT r.RoleName, r.ServerName, N'SslState', N'', ISNULL(r.SslState, 0)
FROM vSMS_SC_SysResUse r
WHERE r.SiteCode = @site AND r.RoleName = N'SMS Management Point'
ORDER BY 1, 2, 3;`,
	Params: []QueryParam{siteParam},
	Notes: `source: domain reference §4.2 (vSMS_SC_SysResUse with SslState, vSMS_SC_SysResUse_Properties ID/Name/Value1..3, joined on ID as in Microsoft's DP troubleshooting article).
[UNVERIFIED] every decoding: IsPXE Value3 = 1 → PXE-enabled DP; CertificateType Value3 = 2 → imported PKI certificate (otherwise self-signed); a management point with SslState <> 0 → HTTPS/PKI clients.
Not detected from the database (always false from the live backend; declare them with the step's arguments): store_for_business, pre_production_client, boot_media_in_use.`,
}

// QueryBootImages reads the boot image packages and their sources
// (configmgr_boot_images, F10: after a promotion the default boot images
// still name the old active server as their package source).
var QueryBootImages = Query{
	Name: "boot_images",
	Text: `SELECT p.PackageID, p.Name, ISNULL(p.PkgSourcePath, N'') AS PkgSourcePath
FROM v_Package p
WHERE p.PackageType = 258 AND p.SourceSite = @site
ORDER BY p.PackageID;`,
	Params: []QueryParam{siteParam},
	Notes: `source: domain reference §2.3 P18 (v_Package.PkgSourcePath), §8 F10 ([DOC] release notes 1810: default boot images keep the old site server as source).
[COMMUNITY] PackageType 258 = boot image package (the SMS_PackageBaseclass PackageType values community reports use: 0 package, 3 driver, 4 task sequence, 257 OS image, 258 boot image, 259 OS upgrade).
[UNVERIFIED] v_Package.SourceSite as the site that owns the package (the column exists in the SDK's SMS_Package; its view name is assumed).`,
}

// Queries lists every query of the live backend, for tests and docs.
var Queries = []Query{
	QuerySite, QueryHierarchy, QuerySiteServers, QueryRoles, QueryReplication,
	QueryUpdates, QueryDistributions, QueryProviders, QueryComponents, QueryFeatures,
	QueryBootImages,
}
