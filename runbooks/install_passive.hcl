runbook "install_passive" {
  title       = "Add a site server in passive mode"
  description = "Makes the site server of a ConfigMgr primary site or CAS highly available by adding a second site server in passive mode (Microsoft's \"Set up a site server in passive mode\" flowchart, PSV-00 to PSV-05). Checks every documented prerequisite it can (P01-P23) and asks a person to confirm the rest, moves the content library to a remote share when it is still local, adds the passive site server, follows the installation until the server is OK, retries once after a failed prerequisite check or installation, and verifies the result."
  version     = "1.0.0"
  owner       = "configmgr-team@contoso.com"
  refs        = ["PSV"]
  include     = ["lib/common.hcl", "lib/preflight.hcl"]
  lock        = "configmgr-site/${var.site_code}"
  timeout     = "16h"

  change {
    type              = "normal"
    reason            = "Add a site server in passive mode, so that the site can be switched to it for maintenance of the active site server or when the active server fails."
    risk              = "low"
    mitigations       = ["Every documented prerequisite is checked or confirmed before anything changes.", "The content library move (when needed) goes to a sub-folder of a share reserved for this site, never the share's root.", "The active site server keeps running the site during the whole installation; nothing is promoted.", "Rehearsed with baton rehearse against the simulated site."]
    impact            = "No client impact and no site outage. While the content library moves, content changes wait for the move; the move of a large library can take hours. The new server's computer account gets sysadmin on the site database's SQL Server and local admin on the site systems: a high-value account from now on."
    expected_downtime = "0m"
    affected_services = ["ConfigMgr site server (a second server is added)", "Content library (moved to a remote share when it is local)", "Site database (the new server's account gets access)"]
    communication     = "ConfigMgr team informed; no user communication needed."
    implementers      = ["configmgr-team"]

    window {
      start = var.window_start
      end   = var.window_end
    }

    backout {
      summary        = "Remove the passive site server role from the new server (its installation logs stay on disk for diagnosis). A content library already moved stays on the share: that is a supported configuration and needs no back-out."
      trigger        = "The passive installation still fails after one retry."
      restored_state = "The site runs on its single active site server as before, with no passive site server."
    }
  }
}

variable "provider" {
  type        = string
  description = "SMS Provider baton uses (FQDN); empty means the one on active_server."
  default     = ""
}

locals {
  # The SMS Provider to talk to (see variable "provider").
  provider = var.provider != "" ? var.provider : var.active_server
}

variable "window_start" {
  type        = string
  description = "Start of the approved change window, RFC 3339 (e.g. \"2026-03-14T20:00:00Z\"). null: no window is declared."
  default     = null
}

variable "window_end" {
  type        = string
  description = "End of the approved change window, RFC 3339. null: no window is declared."
  default     = null
}

variable "install_directory" {
  type        = string
  description = "Where ConfigMgr is installed on the new passive server (local path on that server)."
  default     = "C:\\Program Files\\Microsoft Configuration Manager"

  validation {
    condition     = can(regex("^[A-Za-z]:\\\\", var.install_directory))
    error_message = "The install directory is a local path on the passive server, like \"C:\\Program Files\\Microsoft Configuration Manager\"."
  }
}

variable "source_option" {
  type        = string
  description = "Where the passive server's setup files come from: \"network\" (recommended: a UNC path, by default the active server's own CD.Latest, always the right version), \"copy\" (the active server pushes a compressed copy of CD.Latest), or \"local\" (a folder on the passive server; it must hold exactly the site's version)."
  default     = "network"

  validation {
    condition     = contains(["network", "copy", "local"], var.source_option)
    error_message = "source_option is \"network\", \"copy\" or \"local\"."
  }
}

variable "source_path" {
  type        = string
  description = "For source_option \"network\": the UNC path of a CD.Latest folder (empty: the active server's \\\\<active>\\SMS_<site>\\CD.Latest). For \"local\": the folder on the passive server. Ignored for \"copy\"."
  default     = ""
}

variable "content_library_destination" {
  type        = string
  description = "Where to move the content library if it is still local: a UNC path to a sub-folder of a share reserved for this site (e.g. \\\\fs01\\cmcontent\\PS1). Never the share's root (the move fails with 0x800700a1), never a folder another site uses."
  default     = "\\\\fs01\\cmcontent\\PS1"
}

locals {
  source_path = var.source_option == "copy" ? "" : (var.source_path != "" ? var.source_path : (var.source_option == "network" ? local.active_cd_latest : ""))
}

# ---------------------------------------------------------------------------
# The wizard's own checks (PSV-D1) and the documented prerequisites. The
# site (P01) and role placement (P05, P06, P08, P10) come from
# lib/preflight.hcl.

check "hierarchy_target" {
  uses        = "configmgr_hierarchy"
  description = "Checks that the new server is not the site server of a secondary site (wizard check, PSV-D1; P02)."
  refs        = ["PSV-D1", "P02"]

  assert {
    condition = !contains([for s in self.output.secondaries : lower(s.server_name)], local.passive_server)
    message   = format("%s is the site server of secondary site %s. A secondary site server cannot become a passive site server (P02): choose another server.", var.passive_server, join(", ", [for s in self.output.secondaries : s.code if lower(s.server_name) == local.passive_server]))
  }
}

check "site_servers_before" {
  uses        = "configmgr_site_servers"
  description = "Checks that the site has no site server in passive mode yet: a site has at most one, and the new server must not already be one (wizard check, PSV-D1; P03)."
  refs        = ["PSV-D1", "P03"]

  assert {
    condition = self.output.passive_count == 0
    message   = format("Site already has a passive site server: %s (status %s). A site has at most one (P03). To replace it, run remove_passive.hcl first.", self.output.passive, join(", ", [for s in self.output.servers : s.status if s.mode == "passive"]))
  }

  assert {
    condition = !contains([for s in self.output.servers : lower(s.name)], local.passive_server)
    message   = format("%s is already a site server of this site (%s). Choose the server that is to become passive.", var.passive_server, join(", ", [for s in self.output.servers : format("%s %s", s.mode, s.status) if lower(s.name) == local.passive_server]))
  }
}

check "target_roles" {
  uses        = "configmgr_roles"
  description = "Checks that the new server holds no site system role of any site yet (P07). The generic \"SMS Site System\" entry that Create Site System Server adds is allowed. Roles can be added to the passive server after it is installed."
  refs        = ["P07"]
  servers     = [local.passive_server]

  assert {
    condition = length([for r in self.output.roles : r if r.role != "SMS Site System"]) == 0
    message   = format("%s already holds site system roles: %s. A passive site server must start with none (P07): remove them (Administration > Servers and Site System Roles), or choose another server.", var.passive_server, join(", ", [for r in self.output.roles : format("%s (%s)", r.role, r.site_code) if r.role != "SMS Site System"]))
  }
}

check "same_domain" {
  uses        = "assert"
  description = "Both site servers must be in the same Active Directory domain (P12). Compares the DNS suffixes of the two FQDNs; in a disjoint namespace (DNS suffix different from the AD domain) confirm by hand."
  refs        = ["P12"]
  condition   = try(regex("^[^.]+\\.(.+)$", local.active_server)[0], "a") == try(regex("^[^.]+\\.(.+)$", local.passive_server)[0], "b")
  message     = format("%s and %s are in different DNS domains. Both site servers must be members of the same AD domain (P12).", var.active_server, var.passive_server)
}

manual "ad_permissions" {
  description  = "P13, F7: System Management container."
  refs         = ["P13", "F7"]
  instructions = "If the Active Directory schema is extended for ConfigMgr: give both site servers' computer accounts (the new server's too, F7: the docs long omitted it) Full Control on CN=System Management,CN=System,<domain> and all descendant objects, like the active server's account (Active Directory Users and Computers > Advanced Features > System > System Management > Properties > Security > Advanced). Check with: (Get-Acl \"AD:CN=System Management,CN=System,DC=...\").Access | ? IdentityReference -like '*<passive>$'. Confirm."
  reason       = "An Active Directory ACL, outside the site; reading it needs the AD PowerShell module and directory rights, and no configmgr fact reports it."
}

manual "passive_server_prerequisites" {
  description  = "P15, P14, P11: the new server itself."
  refs         = ["P15", "P14", "P11"]
  instructions = "On the new server, install what a primary site server needs: .NET Framework, Remote Differential Compression, the Windows ADK (and WinPE add-on) of the version the site uses, the SQL Server 2012 Native Client (without it the prerequisite check reports a misleading SQL sysadmin error, F1; site_server_hosts checks it), and the WSUS Administration Console if the site has a software update point. Its Windows version may differ from the active server's, as long as it is supported (P14). The ConfigMgr console is not installed on it automatically (P11): install it if you want to administer from there. If the SQL sysadmin check later fails anyway, check that TLS 1.2 works between the server and SQL (Schannel event 10013). Confirm."
  reason       = "Windows features and installed products of a server that is not a site system yet; the failover manager checks them after submission (PSV-01), and this step avoids a failed first attempt."
}

manual "local_admin_rights" {
  description  = "P16: the two site servers administer each other."
  refs         = ["P16", "P04"]
  instructions = "1. Add the new server's computer account (DOMAIN\\<passive>$) to the local Administrators group of the active site server, and the active server's account (DOMAIN\\<active>$) to the local Administrators group of the new server (without the latter, the prerequisite check reports a misleading \"OS version not supported\"). 2. Allow SMB (File and Printer Sharing) inbound on the new server. 3. SMB signing on both servers is checked by site_server_hosts (F14). 4. Give both computer accounts Full Control on the content library share and its NTFS folder (P04), and the active server's account admin rights on the file server if it asks. Confirm."
  reason       = "Local groups, firewall and SMB settings of Windows servers and file-share ACLs; none is visible through the site database or the SMS Provider."
}

manual "package_source_rights" {
  description  = "P18: the same file permissions as the active server."
  refs         = ["P18"]
  instructions = "Give the new server's computer account the same rights as the active server's on every package source share (applications, packages, drivers, boot images, OS images, update packages). Usually: add it to the same AD group. Without it, content updates fail after a promotion. Confirm."
  reason       = "Share and NTFS permissions on file servers outside the site; baton's step types cannot read them."
}

manual "sql_rights" {
  description  = "P22, P23, P21: the new server's account in SQL Server."
  refs         = ["P22", "P23", "P21", "P20"]
  instructions = "On the SQL Server of the site database (any supported instance type works: default, named, failover cluster instance or availability group, P21), as a SQL administrator: CREATE LOGIN [DOMAIN\\<passive>$] FROM WINDOWS; ALTER SERVER ROLE [sysadmin] ADD MEMBER [DOMAIN\\<passive>$]; then in CM_<site>: CREATE USER [DOMAIN\\<passive>$] FOR LOGIN [DOMAIN\\<passive>$] WITH DEFAULT_SCHEMA=[dbo]. For an availability group, create the login on every replica. Check: SELECT IS_SRVROLEMEMBER('sysadmin','DOMAIN\\<passive>$') returns 1. The passive server will use this same site database (P20). Confirm."
  reason       = "Checking server roles of another principal needs SQL rights the runner should not have (VIEW SERVER STATE, sysadmin); a sql step could do it on a live site but is not simulated in rehearsals."
}

# ---------------------------------------------------------------------------
# Installation source (PSV-D3: push from the active server, or a path).

decision "push_from_active" {
  description = "Does the active server push a compressed copy of CD.Latest to the new server (source_option \"copy\", PSV-03a), or does the new server read its setup files from a path (PSV-03b)?"
  refs        = ["PSV-D3"]
  condition   = var.source_option == "copy"
}

check "source_settings" {
  uses        = "assert"
  description = "Checks the installation source: a network source is a UNC path to a CD.Latest folder, a local source is a local folder of the new server (PSV-03b)."
  refs        = ["PSV-03b", "P17"]
  condition   = var.source_option == "copy" || (var.source_option == "network" && can(regex("^\\\\\\\\[^\\\\]+\\\\.+", local.source_path))) || (var.source_option == "local" && can(regex("^[A-Za-z]:\\\\", local.source_path)))
  message     = format("source_option %q needs source_path to be %s; it is %q.", var.source_option, var.source_option == "network" ? "a UNC path such as \\\\<active>\\SMS_<site>\\CD.Latest" : "a local folder on the passive server such as D:\\CD.Latest", local.source_path)
}

manual "confirm_source_version" {
  description  = "P17: setup files of exactly the site's version."
  refs         = ["P17", "PSV-03b"]
  when         = !step.push_from_active.output && lower(trimsuffix(local.source_path, "\\")) != lower(local.active_cd_latest)
  depends_on   = [step.site, step.source_settings]
  instructions = "The passive server is installed from source_path, not from the active server's own CD.Latest. Those files must be of exactly the site's version and build (see the site step's output: version, build_number; in the folder: the version of setup.exe and the CD.Latest of the latest installed update). A different version fails or, worse, installs a mismatched server. Confirm only when they match; otherwise stop the run and use source_option \"network\" with the default path."
  reason       = "The version of setup files in an arbitrary folder is not known to the site."
}

# ---------------------------------------------------------------------------
# Content library: it must be on a remote share (PSV-D1 (a), P04).

check "content_library" {
  uses        = "configmgr_content_library"
  description = "Reads where the content library is. It must be on a remote share before a passive server can be added (wizard check, PSV-D1; P04). A move already running is waited for (Add-CMPassiveSite refuses while it runs); a local library is moved to content_library_destination."
  refs        = ["PSV-D1", "P04", "PF-03"]
}

decision "library_needs_move" {
  description = "Is the content library still local, with no move running? Then it is moved to content_library_destination first."
  refs        = ["PSV-D1", "P04"]
  condition   = !step.content_library.output.remote && step.content_library.output.move_status != "moving"
}

check "library_destination" {
  uses        = "assert"
  description = "Checks the move destination: a UNC path with at least one folder below the share (moving to a share's root fails with CContentDefinition::SyncFolder failed; 0x800700a1 in distmgr.log, F6), which should be reserved for this site (never share a content library between sites)."
  refs        = ["P04", "F6"]
  when        = step.library_needs_move.output
  condition   = can(regex("^\\\\\\\\[^\\\\]+\\\\[^\\\\]+\\\\[^\\\\]+", var.content_library_destination))
  message     = format("content_library_destination %s is not a sub-folder of a share. Use \\\\<server>\\<share>\\<folder>, e.g. \\\\fs01\\cmcontent\\%s: the root of a share fails with 0x800700a1 (F6).", var.content_library_destination, var.site_code)
}

# ---------------------------------------------------------------------------
# Go decision.

approval "cab" {
  description   = "Approval to add the passive site server, with the preflight results."
  approvers     = ["configmgr-service-owner", "infrastructure-change-manager"]
  min_approvals = 1
  expires_after = "24h"
  depends_on    = [step.site, step.site_server_roles, step.site_database_placement, step.reporting_point_placement, step.site_server_hosts, step.site_system_admins, step.hierarchy_target, step.site_servers_before, step.target_roles, step.same_domain, step.ad_permissions, step.passive_server_prerequisites, step.local_admin_rights, step.package_source_rights, step.sql_rights, step.source_settings, step.confirm_source_version, step.content_library, step.library_destination]
  instructions  = "Review the preflight results and the manual confirmations. After approval baton moves the content library if it is still local (this can take hours for a large library) and adds the passive site server."
}

action "move_content_library" {
  uses              = "configmgr_move_content_library"
  description       = "Moves the content library to content_library_destination (Administration > Sites > Manage Content Library; Move-CMContentLibrary). Distribution manager copies every file; the old copy is not deleted afterwards (free the space by hand once the move is done)."
  refs              = ["P04", "PF-03"]
  when              = step.library_needs_move.output
  depends_on        = [step.cab, step.library_destination]
  destination       = var.content_library_destination
  expected_duration = "1m"
  timeout           = "10m"

  verify {
    uses      = "configmgr_content_library"
    condition = self.output.move_status == "moving" || self.output.move_status == "done" || lower(self.output.location) == lower(var.content_library_destination)
  }
}

wait "content_library_moved" {
  uses              = "configmgr_content_library"
  description       = "Follows the move (started above, or already running) until the library is remote and ContentLibraryMoveProgress is 100. A large library can show 0% for a long time before the first progress; distmgr.log on the active server shows the files being copied (more detail with HKLM\\SOFTWARE\\Microsoft\\SMS\\DP\\LibraryMoveVerboseLog = 1). A failed move ends the run: see distmgr.log, fix, run again. Gives up after 8 hours."
  refs              = ["P04", "PF-03"]
  when              = !step.content_library.output.remote
  depends_on        = [step.cab, step.move_content_library]
  until             = self.output.remote && self.output.move_progress == 100
  fail_if           = self.output.move_status == "failed"
  fail_message      = format("The content library move to %s failed at %d%%. Read distmgr.log on the active server, fix the cause (a share root instead of a sub-folder fails with 0x800700a1), then run again.", self.output.location, self.output.move_progress)
  interval          = "2m"
  expected_duration = "1h"
  timeout           = "8h"
}

check "library_ready" {
  uses        = "configmgr_content_library"
  description = "Confirms, whichever way the library got there, that it is on a remote share with no move running: the wizard's first check (PSV-D1)."
  refs        = ["PSV-D1", "P04", "PF-03"]
  depends_on  = [step.cab, step.content_library_moved]

  assert {
    condition = self.output.remote && self.output.move_progress == 100
    message   = format("The content library is at %s (remote: %s, %d%%), not on a remote share fully moved. The passive server cannot be added (P04). See distmgr.log.", self.output.location, self.output.remote ? "yes" : "no", self.output.move_progress)
  }
}

# ---------------------------------------------------------------------------
# Add the passive site server and follow the installation.

action "add_passive" {
  uses              = "configmgr_add_passive"
  description       = "Adds the site server in passive mode (console: Create Site System Server with only that role; New-CMSiteSystemServer + Add-CMPassiveSite). The new server uses the site's own database: there is nothing to choose (P20). From here on the failover manager of the active server drives the installation."
  refs              = ["PSV-00", "PSV-03a", "PSV-03b", "P20"]
  depends_on        = [step.library_ready, step.push_from_active]
  server            = var.passive_server
  install_directory = var.install_directory
  source_option     = var.source_option
  source_path       = local.source_path == "" ? null : local.source_path
  expected_duration = "2m"
  timeout           = "15m"

  verify {
    uses      = "configmgr_site_servers"
    condition = contains([for s in self.output.servers : lower(s.name)], local.passive_server)
  }
}

wait "passive_install_finished" {
  uses              = "configmgr_site_servers"
  description       = "Follows the installation in Monitoring > Site Server Status (the new server shows Installing; Show Status has the stages) until it ends, well or badly. The failover manager on the active server checks the prerequisites on the new server (PSV-01, FailoverMgr.log), prepares the install job (PSV-02, Scheduler.log, Sender.log), sends the compressed CD.Latest (PSV-03a) or hands over the path (PSV-03b); setup runs on the new server (PSV-04, C:\\ConfigMgrSetup.log there) and post-installation finishes (PSV-05, SiteComp.log, FailoverMgr.log). Post Installation ending \"Completed with warning\" (\"Validate if the passive site server can be validated by the active site server\") is expected and not a failure: a fresh passive server cannot decrypt site secrets until it is promoted (F4). About 40 minutes is usual; Microsoft documents no limit, so the wait gives up after 2 hours. If nothing moves for long, restarting SMS_EXECUTIVE on the active server makes the failover manager re-read its work."
  refs              = ["PSV-01", "PSV-02", "PSV-03a", "PSV-03b", "PSV-04", "PSV-05", "F4"]
  depends_on        = [step.add_passive]
  until             = anytrue([for s in self.output.servers : contains(["OK", "PrereqFailed", "InstallFailed", "Failed"], s.status) if lower(s.name) == local.passive_server])
  interval          = "1m"
  expected_duration = "40m"
  timeout           = "2h"
}

wait "passive_install_settled" {
  uses              = "configmgr_site_servers"
  description       = "The first OK is not trusted (F3): after it, the asynchronous stages 14 (install SMS_FAILOVER_MANAGER on the passive server) and 15 (validate access to the remote site systems) still run, and a passive server can regress from OK to InstallFailed (ServerState 0x0003xxxx to 0x0001FFFF), e.g. when SiteComp on it cannot read install.map from the active server during an SMB or content library blip (hman.log, sitecomp.log on the active server). ConfigMgr does not retry by itself. So the status is polled every minute and must stay the same for 10 minutes before the installation counts as finished; a regression then takes the retry path. Expected, not a failure (F4): Show Status shows Post Installation \"Completed with warning\" (\"Validate if the passive site server can be validated by the active site server. Check failovermgr.log on both passive and active site server for details.\"), because a fresh passive server cannot decrypt site secrets until it is promoted."
  refs              = ["F3", "F4", "PSV-05"]
  when              = anytrue([for s in step.passive_install_finished.output.servers : s.status == "OK" if lower(s.name) == local.passive_server])
  until             = anytrue([for s in self.output.servers : contains(["OK", "PrereqFailed", "InstallFailed", "Failed"], s.status) if lower(s.name) == local.passive_server])
  interval          = "1m"
  stable_for        = "10m"
  expected_duration = "10m"
  timeout           = "40m"
}

decision "install_failed" {
  description = "Did the prerequisite check (PSV-D2) or the installation fail, or did the server regress after showing OK (F3)? Then the cause is fixed by a person and the installation retried once."
  refs        = ["PSV-D2", "F3"]
  condition   = !anytrue([for s in coalesce(step.passive_install_settled.output, step.passive_install_finished.output).servers : s.status == "OK" if lower(s.name) == local.passive_server])
}

check "classify_install_failure" {
  uses        = "configmgr_server_config"
  description = "F1: after a failed installation, reads FailoverMgr.log on the active server and the passive server's SQL Server Native Client. \"CheckAdminOnSQL has failed\" reads like a missing SQL sysadmin right (P22), but with the SQL Server 2012 Native Client missing on the passive server that is the real cause. Reported with the cause named; the run goes on to the fix."
  refs        = ["F1", "P22", "PSV-D2"]
  when        = step.install_failed.output
  servers     = local.site_servers
  on_failure  = "continue"

  assert {
    condition = !(anytrue([for s in self.output.servers : anytrue([for g in s.signals : g.id == "CheckAdminOnSQL"])]) && anytrue([for s in self.output.servers : s.readable && !s.sql_native_client if lower(s.server) == local.passive_server]))
    message   = format("F1, not a SQL permission fault: FailoverMgr.log says \"CheckAdminOnSQL has failed\", and the SQL Server 2012 Native Client is missing on %s. Install it there (sqlncli.msi, 11.4.7001 or later), then confirm fix_install_failure.", var.passive_server)
  }

  assert {
    condition = !(anytrue([for s in self.output.servers : anytrue([for g in s.signals : g.id == "CheckAdminOnSQL"])]) && anytrue([for s in self.output.servers : s.readable && s.sql_native_client if lower(s.server) == local.passive_server]))
    message   = format("P22: FailoverMgr.log says \"CheckAdminOnSQL has failed\" and the SQL Server Native Client is installed on %s, so the SQL permission really is missing: make %s a sysadmin on the site database's SQL Server (see sql_rights), then confirm fix_install_failure.", var.passive_server, local.computer_accounts[1])
  }
}

manual "fix_install_failure" {
  description  = "PSV-D2: fix what made the prerequisite check or the installation fail."
  refs         = ["PSV-D2", "PSV-01", "P15", "P16"]
  when         = step.install_failed.output
  instructions = "The passive installation failed (see the passive_install_finished step's output: status and detail). Find the cause: Monitoring > Site Server Status > select the server > Show Status (failed stage); FailoverMgr.log on the active server for the prerequisite check; C:\\ConfigMgrSetup.log on the new server for setup. Known causes: SQL Server Native Client missing (reported as a SQL sysadmin error); the active server's account not local admin on the new server (reported as \"OS version not supported\"); File and Printer Sharing blocked on the new server; the SMS_SiteToSiteConnection_<site> group empty; WSUS Administration Console missing; TLS 1.2 between the new server and SQL. If the server had shown OK and then regressed to InstallFailed (F3, see passive_install_settled), the usual cause is a blip in SMB or content library access from the new server to the active one: check that it can read \\\\<active>\\SMS_<site> and the content library share. Fix it, then confirm: baton retries the installation once (after restart_executive)."
  reason       = "The failing check names a Windows, Active Directory or SQL Server setting outside the site that a person must correct."
}

manual "restart_executive" {
  description  = "F3: make the failover manager on the active server re-read its work."
  refs         = ["F3", "PSV-01"]
  when         = step.install_failed.output
  depends_on   = [step.fix_install_failure]
  instructions = "SMS_FAILOVER_MANAGER re-reads its configuration only when SMS_EXECUTIVE starts, and after a failed or regressed passive installation it often sits idle. On the active site server, restart the SMS_EXECUTIVE service: Invoke-Command -ComputerName <active> { Restart-Service SMS_EXECUTIVE }. Verify: Invoke-Command -ComputerName <active> { (Get-Service SMS_EXECUTIVE).Status } returns Running, and Monitoring > Component Status shows SMS_FAILOVER_MANAGER on the active server without new errors (FailoverMgr.log shows it starting). Confirm; baton then retries the installation."
  reason       = "Restarting SMS_EXECUTIVE stops every site component of the production site server for a minute; the engineer chooses the moment, and baton has no step type that restarts a Windows service."
}

action "retry_install" {
  uses              = "configmgr_retry_passive_install"
  description       = "Retries the passive installation (console: Site Server Status > Retry installation; Set-CMSite -RetryInstallPassiveSite)."
  refs              = ["PSV-D2", "PSV-01", "F3"]
  when              = step.install_failed.output
  depends_on        = [step.fix_install_failure, step.restart_executive]
  expected_duration = "1m"
  timeout           = "10m"

  verify {
    uses      = "configmgr_site_servers"
    condition = anytrue([for s in self.output.servers : contains(["Installing", "OK"], s.status) if lower(s.name) == local.passive_server])
  }
}

wait "passive_install_retried" {
  uses              = "configmgr_site_servers"
  description       = "Follows the retried installation until the new server is OK (PSV-01 to PSV-05 again), and OK for 10 minutes in a row, so that a regression after the late stages (F3) is seen; \"Completed with warning\" at Post Installation is expected (F4). A second failure backs the change out: the passive role is removed and the logs stay on the server for diagnosis."
  refs              = ["PSV-01", "PSV-02", "PSV-04", "PSV-05", "F3", "F4"]
  depends_on        = [step.retry_install]
  until             = anytrue([for s in self.output.servers : s.status == "OK" if lower(s.name) == local.passive_server])
  fail_if           = anytrue([for s in self.output.servers : contains(["PrereqFailed", "InstallFailed", "Failed"], s.status) if lower(s.name) == local.passive_server])
  fail_message      = format("The retried installation failed again: %s. The passive role is removed (back-out); the logs stay on the server (C:\\ConfigMgrSetup.log, FailoverMgr.log on the active server).", join("; ", [for s in self.output.servers : format("%s %s: %s", s.name, s.status, s.detail) if lower(s.name) == local.passive_server]))
  interval          = "1m"
  stable_for        = "10m"
  expected_duration = "40m"
  timeout           = "2h"
  on_failure        = "backout"
}

# ---------------------------------------------------------------------------
# Verify (PF-06) and get ready for the day the active server fails.

check "passive_ready" {
  uses        = "configmgr_site_servers"
  description = "Verifies the end state: exactly one passive site server, the new one, and both servers OK in Monitoring > Site Server Status (PSV-05, PF-06, R08). Post-installation may have ended \"Completed with warning\" because a fresh passive server cannot decrypt site secrets before it is promoted: that is expected when the status is OK (F4)."
  refs        = ["PSV-05", "PF-06", "R08", "P03", "F4"]
  depends_on  = [step.passive_install_finished, step.passive_install_settled, step.passive_install_retried]

  assert {
    condition = self.output.passive_count == 1 && lower(self.output.passive) == local.passive_server && self.output.all_ok
    message   = format("Expected one passive site server %s and both servers OK; found passive %q and %s. Look at Monitoring > Site Server Status > Show Status and FailoverMgr.log on both servers.", var.passive_server, self.output.passive, join("; ", [for s in self.output.servers : format("%s %s %s (%s)", s.name, s.mode, s.status, s.detail)]))
  }
}

check "passive_provider" {
  uses        = "configmgr_providers"
  description = "Checks that the SMS Provider setup installed on the new server answers. When the active server fails, it is the provider through which the site is promoted (R07). Known problem: it can install without registering, and is then missing from the list (§7.3, F11)."
  refs        = ["R07", "F11"]
  depends_on  = [step.passive_ready]
  on_failure  = "continue"

  assert {
    condition = anytrue([for p in self.output.providers : p.reachable if lower(p.server) == local.passive_server])
    message   = format("No reachable SMS Provider on %s. Without it an unplanned failover is impossible when the active server is down. Check smsprov.log on %s; Setup > Site Maintenance > Modify SMS Provider configuration can add it.", var.passive_server, var.passive_server)
  }
}

check "failover_manager" {
  uses        = "configmgr_components"
  description = "Checks that the failover manager (SMS_FAILOVER_MANAGER), which will perform any promotion, is not critical on either site server."
  refs        = ["PSV-05", "PF-09"]
  depends_on  = [step.passive_ready]
  on_failure  = "continue"

  assert {
    condition = !anytrue([for c in self.output.components : c.name == "SMS_FAILOVER_MANAGER" && c.status == 2 if contains(local.site_servers, lower(c.server))])
    message   = "SMS_FAILOVER_MANAGER is critical on a site server. Read its status messages (Monitoring > Component Status) and FailoverMgr.log on both servers."
  }
}

manual "console_for_failover" {
  description  = "R07, P11: be able to reach the site when the active server is down."
  refs         = ["R07", "P11", "PRU-00"]
  depends_on   = [step.passive_ready]
  instructions = "Make sure an unplanned failover can be started: on an admin workstation with the console, start it against the passive server once (Microsoft.ConfigurationManagement.exe /server=<passive FQDN>, from the console's bin folder) and check that it connects. Write that command into the site's disaster recovery notes. Add the new server to daily monitoring (daily_monitoring.hcl). Confirm."
  reason       = "The console runs on people's workstations; the console picks an SMS Provider at random and cannot be pinned, so people must know how to point it at the passive server."
}

action "announce_done" {
  uses        = "notify"
  description = "Tells the team channel that the site is highly available."
  refs        = ["PSV-05"]
  when        = var.webhook_url != ""
  depends_on  = [step.passive_ready]
  webhook_url = var.webhook_url
  message     = format("ConfigMgr site %s: %s is installed as site server in passive mode; both site servers OK.", var.site_code, var.passive_server)
  idempotent  = true
  on_failure  = "continue"
}

# ---------------------------------------------------------------------------
# Back-out: remove the half-installed passive site server.

backout "remove_failed_passive" {
  uses        = "configmgr_remove_site_server"
  description = "Removes the passive site server role from the new server after a second failed installation, so that the site is as before. FailoverMgr.log and ConfigMgrSetup.log stay on disk for diagnosis; retry with this runbook once the cause is known."
  refs        = ["PSV-D2"]
  undoes      = step.add_passive
  server      = var.passive_server
  timeout     = "30m"

  verify {
    uses      = "configmgr_site_servers"
    condition = !contains([for s in self.output.servers : lower(s.name)], local.passive_server)
  }
}

backout "failed_passive_removed" {
  uses        = "configmgr_site_servers"
  description = "Follows the removal until the new server is no longer a site server (up to 30 minutes), so that when the run ends the site really is as before."
  refs        = ["PSV-D2"]
  undoes      = step.add_passive

  retry {
    attempts  = 30
    backoff   = "1m"
    max_delay = "1m"
  }

  assert {
    condition = !contains([for s in self.output.servers : lower(s.name)], local.passive_server)
    message   = format("%s is still a site server: %s. Watch Monitoring > Site Server Status; remove it by hand if the removal stopped.", var.passive_server, join("; ", [for s in self.output.servers : format("%s %s %s", s.name, s.mode, s.status) if lower(s.name) == local.passive_server]))
  }
}
