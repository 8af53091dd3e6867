package configmgr

import (
	"fmt"
	"net/url"
)

// This file holds the PowerShell the live backend runs for each action and
// the AdminService routes it reads, as data shared by the live backend and
// the step types' Describe.
//
// The scripts run inside the wrapper of package steps/shell: it imports
// the ConfigurationManager module of the console installed on the runner,
// changes to the site drive of the target's site_code (created on the
// target's provider when missing) and reads the parameters, sent as JSON
// on stdin, into $BatonParams. Parameter values are never part of the
// script text. Cmdlet names and parameters are from the ConfigurationManager
// PowerShell reference (domain reference §3.1) unless marked otherwise.

// Script is the PowerShell body of one action.
type Script struct {
	// Name identifies the script ("promote").
	Name string
	// Text is the exact script body.
	Text string
	// Params are the $BatonParams fields the body reads, in order.
	Params []ScriptParam
	// AdminService is an equivalent AdminService call, shown for reviewers
	// but not used by the live backend; "" when none is known.
	AdminService string
	// Notes say what is unverified; shown in plans.
	Notes string
}

// ScriptParam documents one $BatonParams field.
type ScriptParam struct {
	Name      string
	Doc       string // where the value comes from, when not a step argument
	Sensitive bool   // never shown, logged or put in an error
}

// Parameter names shared by the scripts.
const (
	ParamSiteCode            = "SiteCode"
	ParamDestination         = "Destination"
	ParamServer              = "Server"
	ParamInstallDirectory    = "InstallDirectory"
	ParamSourcePath          = "SourcePath"
	ParamRoleName            = "RoleName"
	ParamDistributionPoint   = "DistributionPoint"
	ParamCertificatePath     = "CertificatePath"
	ParamCertificatePassword = "CertificatePassword"
	ParamPackageIDs          = "PackageIds"
	ParamProvider            = "Provider"
)

var siteCodeParam = ScriptParam{Name: ParamSiteCode, Doc: "the target's site_code"}

// ScriptMoveContentLibrary moves the content library (P04).
var ScriptMoveContentLibrary = Script{
	Name: "move_content_library",
	Text: `Move-CMContentLibrary -SiteCode $BatonParams.SiteCode -NewLocation $BatonParams.Destination | Out-Null
'submitted'`,
	Params: []ScriptParam{siteCodeParam, {Name: ParamDestination}},
	Notes:  "Use a sub-folder of the share, not its root (0x800700a1 otherwise, domain reference §7.7); progress is observed with configmgr_content_library.",
}

// addPassivePrologue registers the server as a site system server when
// it is not one yet (New-CMSiteSystemServer before Add-CMPassiveSite, as
// memlabs does).
const addPassivePrologue = `if (-not (Get-CMSiteSystemServer -SiteCode $BatonParams.SiteCode -SiteSystemServerName $BatonParams.Server)) {
    New-CMSiteSystemServer -SiteCode $BatonParams.SiteCode -SiteSystemServerName $BatonParams.Server | Out-Null
}
`

// Source options of configmgr_add_passive and the Add-CMPassiveSite
// -SourceFilePathOption values they map to.
const (
	SourceNetwork = "network" // UseNetworkSourceDirectory (recommended: \\active\SMS_<code>\CD.Latest)
	SourceCopy    = "copy"    // CopySourceFileFromActiveSite
	SourceLocal   = "local"   // UseLocalSourceDirectory
)

// ScriptAddPassive returns the script that adds a passive site server for
// a source option ("network", "copy" or "local").
func ScriptAddPassive(sourceOption string) (Script, error) {
	base := []ScriptParam{siteCodeParam, {Name: ParamServer}, {Name: ParamInstallDirectory}}
	var line string
	params := base
	switch sourceOption {
	case SourceNetwork:
		line = `Add-CMPassiveSite -SiteCode $BatonParams.SiteCode -SiteSystemServerName $BatonParams.Server -InstallDirectory $BatonParams.InstallDirectory -SourceFilePathOption UseNetworkSourceDirectory -NetworkSourceDirectory $BatonParams.SourcePath | Out-Null`
		params = append(params, ScriptParam{Name: ParamSourcePath})
	case SourceLocal:
		line = `Add-CMPassiveSite -SiteCode $BatonParams.SiteCode -SiteSystemServerName $BatonParams.Server -InstallDirectory $BatonParams.InstallDirectory -SourceFilePathOption UseLocalSourceDirectory -LocalSourceDirectory $BatonParams.SourcePath | Out-Null`
		params = append(params, ScriptParam{Name: ParamSourcePath})
	case SourceCopy:
		line = `Add-CMPassiveSite -SiteCode $BatonParams.SiteCode -SiteSystemServerName $BatonParams.Server -InstallDirectory $BatonParams.InstallDirectory -SourceFilePathOption CopySourceFileFromActiveSite | Out-Null`
	default:
		return Script{}, fmt.Errorf("source_option %q is not one of %q, %q or %q", sourceOption, SourceNetwork, SourceCopy, SourceLocal)
	}
	return Script{
		Name:   "add_passive_" + sourceOption,
		Text:   addPassivePrologue + line + "\n'submitted'",
		Params: params,
		Notes:  "Add-CMPassiveSite refuses while a content library move runs (domain reference §7.7). Installation progress is observed with configmgr_site_servers.",
	}, nil
}

// ScriptRetryPassiveInstall retries a failed passive installation.
var ScriptRetryPassiveInstall = Script{
	Name: "retry_passive_install",
	Text: `Set-CMSite -SiteCode $BatonParams.SiteCode -RetryInstallPassiveSite | Out-Null
'submitted'`,
	Params:       []ScriptParam{siteCodeParam},
	AdminService: `POST https://<provider>/AdminService/wmi/SMS_SCI_SysResUse.RetryInstallation {"SiteCode": "<site_code>", "ServerName": "<passive server>"}`,
	Notes:        "[COMMUNITY, UNVERIFIED] the AdminService route is the WMI method the cmdlet reportedly calls; it is not used.",
}

// ScriptPromote promotes the passive site server. It first checks, through
// the SMS Provider, that the server holds the site server role and is not
// already the active one.
var ScriptPromote = Script{
	Name: "promote",
	Text: `$site = Get-CMSite -SiteCode $BatonParams.SiteCode
if (-not $site) { throw "site $($BatonParams.SiteCode) is not visible through this SMS Provider" }
if ($site.ServerName -eq $BatonParams.Server) { throw "$($BatonParams.Server) is already the active site server of $($BatonParams.SiteCode)" }
if (-not (Get-CMSiteRole -SiteCode $BatonParams.SiteCode -SiteSystemServerName $BatonParams.Server -RoleName 'SMS Site Server')) {
    throw "$($BatonParams.Server) holds no site server role at site $($BatonParams.SiteCode)"
}
$site | Set-CMSite -PromotePassiveSiteToActive | Out-Null
'submitted'`,
	Params: []ScriptParam{siteCodeParam, {Name: ParamServer}},
	Notes:  "No WMI or AdminService method for promotion is known (domain reference §3.2). In an unplanned failover the target's provider must be one that is still up, e.g. the passive server's.",
}

// ScriptRemoveSiteServer removes the site server role from a (passive)
// server; it refuses the active server.
var ScriptRemoveSiteServer = Script{
	Name: "remove_site_server",
	Text: `$site = Get-CMSite -SiteCode $BatonParams.SiteCode
if ($site -and $site.ServerName -eq $BatonParams.Server) { throw "refusing to remove the site server role from $($BatonParams.Server): it is the active site server of $($BatonParams.SiteCode)" }
Remove-CMSiteRole -SiteCode $BatonParams.SiteCode -SiteSystemServerName $BatonParams.Server -RoleName 'SMS Site Server' -Force | Out-Null
'submitted'`,
	Params: []ScriptParam{siteCodeParam, {Name: ParamServer}},
	Notes:  "[UNVERIFIED] that Remove-CMSiteRole handles the passive site server role (the docs only say to remove it like any role). [COMMUNITY] the SMS Provider setup put on that server stays behind (memdocs PR #3929).",
}

// ScriptRemoveRole removes another site system role from a server.
var ScriptRemoveRole = Script{
	Name: "remove_role",
	Text: `Remove-CMSiteRole -SiteCode $BatonParams.SiteCode -SiteSystemServerName $BatonParams.Server -RoleName $BatonParams.RoleName -Force | Out-Null
'submitted'`,
	Params: []ScriptParam{siteCodeParam, {Name: ParamServer}, {Name: ParamRoleName}},
	Notes:  "Removing the site server's DP can leave the site with no DP at all (domain reference §7.7).",
}

// ScriptReimportDPCertificate reimports a distribution point's PKI
// certificate (PP-01). The password arrives on stdin with the other
// parameters and becomes a SecureString in the runner's PowerShell.
var ScriptReimportDPCertificate = Script{
	Name: "reimport_dp_certificate",
	Text: `$password = ConvertTo-SecureString -String $BatonParams.CertificatePassword -AsPlainText -Force
Set-CMDistributionPoint -SiteCode $BatonParams.SiteCode -SiteSystemServerName $BatonParams.DistributionPoint -CertificatePath $BatonParams.CertificatePath -CertificatePassword $password | Out-Null
'submitted'`,
	Params: []ScriptParam{siteCodeParam, {Name: ParamDistributionPoint}, {Name: ParamCertificatePath},
		{Name: ParamCertificatePassword, Sensitive: true}},
	Notes: "The certificate path is read by the SMS Provider's side: use a UNC path the provider can read.",
}

// ScriptRedistributeContent redistributes packages to one distribution
// point by setting RefreshNow on its SMS_DistributionPoint instances, which
// works for every content type. Package ids and the DP name are validated
// before they reach the WQL filter.
var ScriptRedistributeContent = Script{
	Name: "redistribute_content",
	Text: `$namespace = 'root\SMS\site_' + $BatonParams.SiteCode
foreach ($id in ($BatonParams.PackageIds -split ',')) {
    $filter = "PackageID='{0}' AND ServerNALPath LIKE '%\\{1}\\%'" -f $id, $BatonParams.DistributionPoint
    $instances = @(Get-CimInstance -ComputerName $BatonParams.Provider -Namespace $namespace -ClassName SMS_DistributionPoint -Filter $filter)
    if ($instances.Count -eq 0) { throw "package $id is not distributed to $($BatonParams.DistributionPoint)" }
    $instances | Set-CimInstance -Property @{ RefreshNow = $true }
}
'submitted'`,
	Params: []ScriptParam{siteCodeParam, {Name: ParamPackageIDs, Doc: "the packages, comma-separated"},
		{Name: ParamDistributionPoint}, {Name: ParamProvider, Doc: "the target's provider"}},
	Notes: "[COMMUNITY] SMS_DistributionPoint.RefreshNow is the redistribute action community tools use; Invoke-CMContentRedistribution needs a typed content object per package.",
}

// Route of the AdminService WMI class SMS_Site (domain reference §3.3).
const AdminServiceSiteRoute = "/AdminService/wmi/SMS_Site"

// AdminServiceSiteQuery is the query string that selects one site from
// SMS_Site. siteCode must have been validated (ValidSiteCode): it is put
// inside an OData string literal.
func AdminServiceSiteQuery(siteCode string) string {
	return url.Values{"$filter": {"SiteCode eq '" + siteCode + "'"}}.Encode()
}

// ScriptContentLibraryFallback reads the same AdminService route with the
// runner's Windows credentials, for when Go's HTTP client is refused
// (AdminService wants Windows authentication, which net/http does not do).
var ScriptContentLibraryFallback = Script{
	Name: "content_library_fallback",
	Text: `$response = Invoke-RestMethod -Method Get -Uri $BatonParams.Uri -UseDefaultCredentials
$response.value | Select-Object -First 1 -Property SiteCode, ContentLibraryLocation, ContentLibraryMoveProgress, ContentLibraryStatus`,
	Params: []ScriptParam{{Name: "Uri", Doc: "the AdminService request above"}},
}

// ParamServers is the comma-separated server list of ScriptServerConfig.
const ParamServers = "Servers"

// ScriptServerConfig reads each server's own configuration through
// PowerShell remoting (configmgr_server_config, configmgr_site_system_admins;
// domain reference §8). It runs on the runner without the ConfigurationManager
// module; a server that cannot be reached gives an entry with Error set.
var ScriptServerConfig = Script{
	Name: "server_config",
	Text: `$results = foreach ($server in ($BatonParams.Servers -split ',')) {
    try {
        $r = Invoke-Command -ComputerName $server -ErrorAction Stop -ScriptBlock {
            $ident = Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\SMS\Identification' -ErrorAction SilentlyContinue
            $setup = Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\SMS\Setup' -ErrorAction SilentlyContinue
            $dir = if ($ident) { $ident.'Installation Directory' } else { $null }
            $mof = if ($dir) { Join-Path $dir 'inboxes\clifiles.src\hinv\configuration.mof' } else { $null }
            $log = if ($dir) { Join-Path $dir 'Logs\FailoverMgr.log' } else { $null }
            [pscustomobject]@{
                SqlNativeClient    = [bool](Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\SQLNCLI11' -ErrorAction SilentlyContinue)
                SmbSigningRequired = [bool](Get-SmbServerConfiguration).RequireSecuritySignature
                ClusterNode        = [bool](Get-Service -Name ClusSvc -ErrorAction SilentlyContinue)
                ConfigMgrVersion   = if ($setup) { [string]$setup.'Full Version' } else { '' }
                Administrators     = @(Get-LocalGroupMember -SID 'S-1-5-32-544' -ErrorAction SilentlyContinue | ForEach-Object { [string]$_.Name })
                ConfigurationMof   = if ($mof -and (Test-Path -LiteralPath $mof)) { (Get-FileHash -Algorithm SHA256 -LiteralPath $mof).Hash } else { '' }
                CheckAdminOnSQL    = [bool]($log -and (Test-Path -LiteralPath $log) -and (Select-String -LiteralPath $log -SimpleMatch -Pattern 'CheckAdminOnSQL has failed' -Quiet))
            }
        }
        [pscustomobject]@{ Server = $server; Error = ''; SqlNativeClient = $r.SqlNativeClient; SmbSigningRequired = $r.SmbSigningRequired;
            ClusterNode = $r.ClusterNode; ConfigMgrVersion = $r.ConfigMgrVersion; Administrators = @($r.Administrators);
            ConfigurationMof = $r.ConfigurationMof; CheckAdminOnSQL = $r.CheckAdminOnSQL }
    } catch {
        [pscustomobject]@{ Server = $server; Error = [string]$_.Exception.Message }
    }
}
@($results)`,
	Params: []ScriptParam{{Name: ParamServers, Doc: "the servers, comma-separated"}},
	Notes: `Runs as the runner's account, which needs WinRM access and local admin rights on each server. Source: domain reference §8.
[UNVERIFIED] SQL Server 2012 Native Client detected by the registry key HKLM\SOFTWARE\Microsoft\SQLNCLI11 (F1, P15).
[COMMUNITY] SMB signing: Get-SmbServerConfiguration RequireSecuritySignature (F14, Misconfiguration Manager TAKEOVER-7).
[UNVERIFIED] cluster node: the ClusSvc service exists (every WSFC node, so every Always On AG or FCI node, has it) (F12).
[UNVERIFIED] installed version: HKLM\SOFTWARE\Microsoft\SMS\Setup "Full Version"; install directory: HKLM\SOFTWARE\Microsoft\SMS\Identification "Installation Directory" (F2, F9).
[COMMUNITY] configuration.mof at <install dir>\inboxes\clifiles.src\hinv (F9, release notes 1910).
[ISSUE] "CheckAdminOnSQL has failed" in FailoverMgr.log (SCCMdocs#2290): a SQL permission failure, or the missing Native Client (F1).`,
}
