// Package configmgr is baton's view of a Configuration Manager site: the
// facts the runbooks read and the actions they take, behind one interface
// (Site) with two backends, the live one (site database through
// go-mssqldb, actions through the ConfigurationManager cmdlets or the
// AdminService) and the simulated one used by rehearsals. The configmgr_*
// step types are defined here on top of Site, so a runbook runs unchanged
// against either backend.
package configmgr

import (
	"context"
	"time"
)

// Site is what runbooks need from a ConfigMgr site. Every method respects
// ctx. Actions submit work and return; the work's progress is observed
// through the facts (SiteServers, Site), as in the console.
type Site interface {
	// Facts.

	// Site returns the site the target names (v_Site / SMS_Site).
	Site(ctx context.Context) (SiteInfo, error)
	// Hierarchy returns every site related to this one: its parent (CAS)
	// and its child and secondary sites.
	Hierarchy(ctx context.Context) ([]SiteInfo, error)
	// SiteServers returns the site servers of the site (active and passive)
	// with mode and status.
	SiteServers(ctx context.Context) ([]SiteServer, error)
	// Roles returns every site system role of the site, per server.
	Roles(ctx context.Context) ([]Role, error)
	// ContentLibrary returns the content library location and move state.
	ContentLibrary(ctx context.Context) (ContentLibrary, error)
	// ReplicationLinks returns database replication links of the site with
	// its parent and secondaries.
	ReplicationLinks(ctx context.Context) ([]ReplicationLink, error)
	// Updates returns the site's Updates and Servicing history.
	Updates(ctx context.Context) ([]SiteUpdate, error)
	// Distributions returns content distributions not yet complete.
	Distributions(ctx context.Context) ([]Distribution, error)
	// Providers returns the SMS Providers and whether each answers.
	Providers(ctx context.Context) ([]Provider, error)
	// Components returns component status (v_ComponentSummarizer).
	Components(ctx context.Context) ([]Component, error)
	// Features returns site settings that decide post-promotion tasks.
	Features(ctx context.Context) (Features, error)
	// Reachable probes a server from the runner (SMB, RPC, AdminService).
	Reachable(ctx context.Context, server string) (Reachability, error)
	// ServerConfigs reads each server's own configuration through
	// PowerShell remoting (§8: F1, F2, F7, F9, F12, F14), one entry per
	// server in order; a server that cannot be read has Readable false
	// and Error set, and only a failure of the runner itself is an error.
	ServerConfigs(ctx context.Context, servers []string) ([]ServerConfig, error)
	// BootImages returns the boot image packages and their sources (F10).
	BootImages(ctx context.Context) ([]BootImage, error)

	// Actions. Each returns once the site accepted the request.

	// MoveContentLibrary starts moving the content library to a UNC path
	// (Move-CMContentLibrary).
	MoveContentLibrary(ctx context.Context, destination string) error
	// AddPassiveSiteServer adds the passive site server role
	// (New-CMSiteSystemServer + Add-CMPassiveSite).
	AddPassiveSiteServer(ctx context.Context, req AddPassive) error
	// RetryPassiveInstall retries a failed passive installation
	// (Set-CMSite -RetryInstallPassiveSite).
	RetryPassiveInstall(ctx context.Context) error
	// Promote promotes the passive server to active
	// (Set-CMSite -PromotePassiveSiteToActive).
	Promote(ctx context.Context, server string) error
	// RemoveSiteServerRole removes the passive site server role from server.
	RemoveSiteServerRole(ctx context.Context, server string) error
	// RemoveRole removes another site system role (a DP or an SCP) from
	// a server, e.g. to satisfy P05/P06.
	RemoveRole(ctx context.Context, server, role string) error
	// ReimportDPCertificate reimports a distribution point's PKI
	// certificate (Set-CMDistributionPoint -CertificatePath).
	ReimportDPCertificate(ctx context.Context, dp string, pfxPath string, password string) error
	// RedistributeContent redistributes packages to a distribution point.
	RedistributeContent(ctx context.Context, packageIDs []string, dp string) error
	// ReinitializeSecondary reinitializes a secondary site's replication.
	ReinitializeSecondary(ctx context.Context, siteCode string) error
	// ReconnectStoreForBusiness redoes the Microsoft Store for Business
	// Azure service connection.
	ReconnectStoreForBusiness(ctx context.Context) error

	Close() error
}

// SiteType is v_Site.Type / SMS_Site.Type.
type SiteType int

// Site types, as in the SMS_Site SDK documentation.
const (
	SiteSecondary SiteType = 1
	SitePrimary   SiteType = 2
	SiteCAS       SiteType = 4
)

func (t SiteType) String() string {
	switch t {
	case SiteSecondary:
		return "secondary"
	case SitePrimary:
		return "primary"
	case SiteCAS:
		return "cas"
	}
	return "unknown"
}

// SiteInfo describes one site.
type SiteInfo struct {
	Code          string
	Name          string
	Type          SiteType
	Status        int    // SMS_Site.Status: 1 active, 2 pending, 3 failed...
	ServerName    string // the active site server
	Version       string
	BuildNumber   int
	ReportingSite string // parent site code, "" for a CAS or standalone primary
	Maintenance   bool   // ServerData.Status = 120
}

// Server modes and statuses as the console shows them.
const (
	ModeActive  = "active"
	ModePassive = "passive"

	StatusOK            = "OK"
	StatusInstalling    = "Installing"
	StatusInstallFailed = "InstallFailed"
	StatusPrereqFailed  = "PrereqFailed"
	StatusPromoting     = "Promoting"
	StatusFailed        = "Failed"
	StatusUnknown       = "Unknown"
)

// SiteServer is one HA site server (a row of Monitoring > Site Server
// Status).
type SiteServer struct {
	Name        string
	Mode        string // ModeActive or ModePassive
	Status      string // StatusOK, StatusInstalling...
	ServerState int    // SMS_SCI_SysResUse.ServerState, 0 when unknown
	Detail      string // the latest stage or failure text
}

// Well-known role names (v_SystemResourceList.RoleName).
const (
	RoleSiteServer        = "SMS Site Server"
	RoleSiteSystem        = "SMS Site System"
	RoleProvider          = "SMS Provider"
	RoleSQLServer         = "SMS SQL Server"
	RoleDistributionPoint = "SMS Distribution Point"
	RoleManagementPoint   = "SMS Management Point"
	RoleServiceConnection = "SMS Dmp Connector"
	RoleSoftwareUpdate    = "SMS Software Update Point"
	RoleReportingPoint    = "SMS SRS Reporting Point"
)

// Role is one site system role on one server.
type Role struct {
	SiteCode string
	Server   string
	Role     string
}

// ContentLibrary is SMS_Site.ContentLibraryLocation and its move state.
type ContentLibrary struct {
	Location     string // UNC path when remote, a drive path when local
	Remote       bool
	MoveProgress int    // 0..100
	MoveStatus   string // "", "moving", "failed", "done"
}

// ReplicationLink is one database replication link.
type ReplicationLink struct {
	From, To  string // site codes
	Group     string // replication group
	Status    int    // 2 active, 4 initializing, 8 degraded, 9 failed...
	State     string // "active", "degraded", "failed", "initializing"
	UpdatedAt time.Time
}

// SiteUpdate is one Updates and Servicing package at the site.
type SiteUpdate struct {
	Name      string
	Version   string
	State     int    // CM_UpdatePackageSiteStatus.State
	StateName string // "installed", "installing", "failed", "prereq"...
	UpdatedAt time.Time
}

// Distribution is content whose distribution is not complete.
type Distribution struct {
	PackageID  string
	Server     string // the DP, or "" for a site-to-site replication
	InProgress int
	Errors     int
	SiteToSite bool // file replication between sites
}

// Provider is an SMS Provider.
type Provider struct {
	Server    string
	Reachable bool
}

// Component is a row of v_ComponentSummarizer.
type Component struct {
	Server    string
	Name      string
	Status    int // 0 OK, 1 warning, 2 critical
	Available bool
}

// Features are site settings that decide which post-promotion tasks apply.
type Features struct {
	DPCertificateMode   string // "pki-imported" or "self-signed"
	PKIClients          bool
	StoreForBusiness    bool
	PreProductionClient bool
	PXEDistribution     bool // PXE-enabled DPs exist
	BootMediaInUse      bool
}

// Reachability is the result of probing a server.
type Reachability struct {
	Server    string
	Reachable bool
	Detail    string // what answered or what failed
}

// AddPassive is the request to add a passive site server.
type AddPassive struct {
	Server           string
	InstallDirectory string
	// SourceOption is "network" (UNC CD.Latest, recommended), "copy" (push
	// from the active server) or "local".
	SourceOption string
	SourcePath   string
}
