runbook "daily_monitoring" {
  title       = "Daily check of site server high availability"
  description = "Read-only daily check that the site can still fail over: both site servers listed with status OK, exactly one passive server, the failover manager healthy, SMS Providers reachable, the content library remote, replication healthy, no forbidden role on the site servers, and the passive server re-verified after every site update (site updates also update the passive server). Every rule is reported, failing or not, and a summary goes to the webhook when one is set. Schedule it once a day; it changes nothing and takes no lock."
  version     = "1.0.0"
  owner       = "configmgr-team@contoso.com"
  refs        = ["PF-06", "PF-09", "R08"]
  include     = ["lib/common.hcl"]
  timeout     = "30m"
}

variable "provider" {
  type        = string
  description = "SMS Provider baton uses (FQDN); empty means the one on active_server. Any provider of the site works; after a promotion the active server has changed, which does not matter here."
  default     = ""
}

locals {
  # The SMS Provider to talk to (see variable "provider").
  provider = var.provider != "" ? var.provider : var.active_server
}

variable "tolerated_critical_components" {
  type        = list(string)
  description = "Component names that are critical as normal in this environment and should not be reported (R01). Never list SMS_FAILOVER_MANAGER."
  default     = []
}

# ---------------------------------------------------------------------------
# Facts. They assert nothing, so that they always succeed and the summary
# below can always be sent; each rule is its own check further down.

check "site" {
  uses        = "configmgr_site"
  description = "Reads the site: status, current site server, version."
  refs        = ["P01"]
}

check "site_servers" {
  uses        = "configmgr_site_servers"
  description = "Reads Monitoring > Site Server Status: the HA site servers with mode and status."
  refs        = ["R08", "PF-06"]
}

check "components" {
  uses        = "configmgr_components"
  description = "Reads component status (v_ComponentSummarizer)."
  refs        = ["R01", "PF-09"]
}

check "replication" {
  uses        = "configmgr_replication"
  description = "Reads the database replication links of the site."
  refs        = ["R03", "PF-02"]
}

check "content_library" {
  uses        = "configmgr_content_library"
  description = "Reads the content library location."
  refs        = ["P04", "PF-03"]
}

check "updates" {
  uses          = "configmgr_updates"
  description   = "Reads Updates and Servicing: updates installed within the last day, and updates running."
  refs          = ["R05", "PF-01"]
  recent_within = "1d"
}

check "providers" {
  uses        = "configmgr_providers"
  description = "Lists the SMS Providers of the site and probes each."
  refs        = ["R07"]
}

check "ha_roles" {
  uses        = "configmgr_roles"
  description = "Lists distribution point and service connection point roles on the two site servers."
  refs        = ["P05", "P06", "PF-04", "PF-05"]
  servers     = local.site_servers
  roles       = ["SMS Distribution Point", "SMS Dmp Connector"]
}

check "hosts" {
  uses        = "configmgr_server_config"
  description = "Reads both site servers through PowerShell remoting: installed ConfigMgr version (F2), SMB signing (F14) and the hash of configuration.mof (F9). Unreadable servers are reported by the rules below."
  refs        = ["F2", "F9", "F14"]
  servers     = local.site_servers
}

check "site_system_admins" {
  uses        = "configmgr_site_system_admins"
  description = "Reads the local Administrators of every remote site system for both site servers' computer accounts (F7, P19). Nothing shows a missing one until a promotion, when Site System Status Summarizer of the new active server cannot reach that system."
  refs        = ["F7", "P19"]
  accounts    = local.computer_accounts
}

# ---------------------------------------------------------------------------
# Rules. A rule that fails fails the run (exit code 1, for the scheduler),
# and every other rule still runs: all problems are reported at once.

check "both_servers_ok" {
  uses        = "assert"
  description = "Microsoft's daily monitoring item: both site servers are listed with status OK in Monitoring > Site Server Status and on the site's Nodes tab (R08, PF-06)."
  refs        = ["R08", "PF-06"]
  condition   = step.site_servers.output.all_ok && length(step.site_servers.output.servers) == 2
  message     = format("Site server status: %s. Both must be OK for a failover to work. Select the server in Monitoring > Site Server Status > Show Status; read FailoverMgr.log on both servers.", join("; ", [for s in step.site_servers.output.servers : format("%s %s %s (%s)", s.name, s.mode, s.status, s.detail)]))
}

check "one_passive" {
  uses        = "assert"
  description = "Exactly one passive site server, and the pair is the expected one (P03)."
  refs        = ["P03", "PP-08"]
  condition   = step.site_servers.output.passive_count == 1 && length(setsubtract(toset(local.site_servers), toset([for s in step.site_servers.output.servers : lower(s.name)]))) == 0
  message     = format("The site has %d passive site servers and its site servers are %s (expected %s). With no passive server the site has no high availability: rebuild it with install_passive.hcl (PP-08).", step.site_servers.output.passive_count, join(", ", [for s in step.site_servers.output.servers : s.name]), join(", ", local.site_servers))
}

check "failover_manager" {
  uses        = "assert"
  description = "The failover manager (SMS_FAILOVER_MANAGER), which performs promotions, is not critical on either site server (daily monitoring item)."
  refs        = ["PF-09"]
  condition   = !anytrue([for c in step.components.output.components : c.name == "SMS_FAILOVER_MANAGER" && c.status == 2])
  message     = format("SMS_FAILOVER_MANAGER is critical on %s. Read its status messages (Monitoring > Component Status) and FailoverMgr.log.", join(", ", [for c in step.components.output.components : c.server if c.name == "SMS_FAILOVER_MANAGER" && c.status == 2]))
}

check "site_health" {
  uses        = "assert"
  description = "The site is active and no component is critical beyond the tolerated ones (R01, PF-09)."
  refs        = ["R01", "PF-09", "P01"]
  condition   = step.site.output.status == 1 && alltrue([for c in step.components.output.critical : contains(var.tolerated_critical_components, c.name)])
  message     = format("Site status %d; critical components: %s.", step.site.output.status, join(", ", [for c in step.components.output.critical : format("%s on %s", c.name, c.server) if !contains(var.tolerated_critical_components, c.name)]))
}

check "replication_healthy" {
  uses        = "assert"
  description = "Database replication links are active and current (R03, PF-02)."
  refs        = ["R03", "PF-02"]
  condition   = step.replication.output.healthy
  message     = format("Unhealthy replication links: %s. See Monitoring > Database Replication.", join("; ", [for l in step.replication.output.unhealthy : format("%s->%s %s (%s)", l.from, l.to, l.group, l.state)]))
}

check "content_library_remote" {
  uses        = "assert"
  description = "The content library is still on its remote share, not being moved (P04, PF-03)."
  refs        = ["P04", "PF-03"]
  condition   = step.content_library.output.remote && step.content_library.output.move_progress == 100
  message     = format("The content library is at %s (remote: %s, move %d%%). Both site servers need it on a remote share.", step.content_library.output.location, step.content_library.output.remote ? "yes" : "no", step.content_library.output.move_progress)
}

check "providers_reachable" {
  uses        = "assert"
  description = "Every SMS Provider answers, in particular those on the two site servers: when the active server fails, the other one's provider is the way in (R07)."
  refs        = ["R07"]
  condition   = alltrue([for s in local.site_servers : anytrue([for p in step.providers.output.providers : p.reachable if lower(p.server) == s])])
  message     = format("SMS Providers: %s. A site server without a reachable provider cannot be used to promote when the other one is down.", join(", ", [for p in step.providers.output.providers : format("%s %s", p.server, p.reachable ? "reachable" : "NOT reachable")]))
}

check "role_placement" {
  uses        = "assert"
  description = "Nobody added a distribution point or service connection point to a site server (P05, P06, PF-04, PF-05)."
  refs        = ["P05", "P06", "PF-04", "PF-05", "F5", "F8"]
  condition   = step.ha_roles.output.count == 0
  message     = format("Unsupported roles on the HA site servers: %s. Move them to another server.", join(", ", [for r in step.ha_roles.output.roles : format("%s on %s", r.role, r.server)]))
}

check "passive_after_update" {
  uses        = "assert"
  description = "A site update also updates the passive server; after every update the passive server must be re-verified (R05 note of the daily monitoring guidance). Fails when an update ran in the last day or is running and a site server is not OK."
  refs        = ["R05", "PF-01", "R08"]
  condition   = (length(step.updates.output.recent) == 0 && length(step.updates.output.in_progress) == 0) || step.site_servers.output.all_ok
  message     = format("Site update activity (%s) and not every site server is OK: the passive server may not have been updated. Check Updates and Servicing > Show Status and Monitoring > Site Server Status.", join(", ", concat([for u in step.updates.output.recent : format("%s installed %s", u.name, u.updated_at)], [for u in step.updates.output.in_progress : format("%s %s", u.name, u.state_name)])))
}

check "versions_match" {
  uses        = "assert"
  description = "Both site servers run the site's ConfigMgr version (F2): a site update also updates the passive server, and that can fail while its status shows OK; a lagging passive server must not be promoted."
  refs        = ["F2", "R05"]
  condition   = alltrue([for s in step.hosts.output.servers : s.readable && s.configmgr_version == step.site.output.version if contains([for x in step.site_servers.output.servers : lower(x.name)], lower(s.server))])
  message     = format("ConfigMgr versions: %s; the site runs %s. Update the lagging server (release notes: the passive server failed to update, siteserver.pkg workaround) before any promotion.", join(", ", [for s in step.hosts.output.servers : format("%s %s", s.server, s.readable ? s.configmgr_version : format("unreadable (%s)", s.error)) if contains([for x in step.site_servers.output.servers : lower(x.name)], lower(s.server))]), step.site.output.version)
}

check "smb_signing" {
  uses        = "assert"
  description = "Both site servers require SMB signing (F14): their computer accounts are admins on each other, and NTLM relay to SMB between them is a known takeover path."
  refs        = ["F14"]
  condition   = alltrue([for s in step.hosts.output.servers : s.smb_signing_required if s.readable])
  message     = format("SMB signing is not required on %s: Set-SmbServerConfiguration -RequireSecuritySignature $true there (or by group policy).", join(", ", [for s in step.hosts.output.servers : s.server if s.readable && !s.smb_signing_required]))
}

check "configuration_mof_in_sync" {
  uses        = "assert"
  description = "configuration.mof is the same on both site servers (F9): the site does not sync it, so a hardware inventory customization on the active server is lost at a promotion. A difference is reported so that a backup is kept and the passive server's copy updated."
  refs        = ["F9"]
  condition   = length(distinct([for s in step.hosts.output.servers : s.configuration_mof if s.readable && contains([for x in step.site_servers.output.servers : lower(x.name)], lower(s.server))])) <= 1
  message     = format("configuration.mof differs between the site servers: %s. Keep a backup of the active server's file and copy it to <install dir>\\inboxes\\clifiles.src\\hinv on the passive one.", join(", ", [for s in step.hosts.output.servers : format("%s %s", s.server, s.configuration_mof) if s.readable]))
}

check "site_systems_reachable_after_switch" {
  uses        = "assert"
  description = "Both site servers' computer accounts are local administrators on every remote site system (F7, P19): otherwise, after a promotion, the new active server cannot reach that system."
  refs        = ["F7", "P19"]
  condition   = var.site_system_installation_account || length(step.site_system_admins.output.failing) == 0
  message     = format("Remote site systems without both site servers' accounts in local Administrators: %s.", join("; ", [for s in step.site_system_admins.output.systems : s.readable ? format("%s lacks %s", s.server, join(", ", s.missing)) : format("%s cannot be read (%s)", s.server, s.error) if contains(step.site_system_admins.output.failing, s.server)]))
}

# ---------------------------------------------------------------------------
# Summary.

action "daily_report" {
  uses        = "notify"
  description = "Sends the day's summary to the webhook, whatever the rules found (always): OK, the list of problems, or that the site could not be read."
  refs        = ["R08", "PF-06", "PF-09"]
  when        = var.webhook_url != ""
  webhook_url = var.webhook_url
  idempotent  = true
  always      = true
  on_failure  = "continue"
  # The problems found today, joined; "OK" when there are none; when a read
  # failed (the site database down...), say so rather than fail the report.
  message = try(format("ConfigMgr site %s high availability: %s", var.site_code, regex_replace(join("; ", compact([
    step.site_servers.output.all_ok && length(step.site_servers.output.servers) == 2 ? "" : "a site server is not OK",
    step.site_servers.output.passive_count == 1 ? "" : format("%d passive site servers", step.site_servers.output.passive_count),
    anytrue([for c in step.components.output.components : c.name == "SMS_FAILOVER_MANAGER" && c.status == 2]) ? "SMS_FAILOVER_MANAGER critical" : "",
    step.site.output.status == 1 && alltrue([for c in step.components.output.critical : contains(var.tolerated_critical_components, c.name)]) ? "" : "site or components not healthy",
    step.replication.output.healthy ? "" : "replication unhealthy",
    step.content_library.output.remote && step.content_library.output.move_progress == 100 ? "" : "content library not remote",
    alltrue([for s in local.site_servers : anytrue([for p in step.providers.output.providers : p.reachable if lower(p.server) == s])]) ? "" : "an SMS Provider does not answer",
    step.ha_roles.output.count == 0 ? "" : "DP or SCP on a site server",
    (length(step.updates.output.recent) == 0 && length(step.updates.output.in_progress) == 0) || step.site_servers.output.all_ok ? "" : "passive server not OK after a site update",
    alltrue([for s in step.hosts.output.servers : s.readable && s.configmgr_version == step.site.output.version if contains([for x in step.site_servers.output.servers : lower(x.name)], lower(s.server))]) ? "" : "a site server lags the site version",
    alltrue([for s in step.hosts.output.servers : s.smb_signing_required if s.readable]) ? "" : "SMB signing not required",
    length(distinct([for s in step.hosts.output.servers : s.configuration_mof if s.readable && contains([for x in step.site_servers.output.servers : lower(x.name)], lower(s.server))])) <= 1 ? "" : "configuration.mof differs",
    var.site_system_installation_account || length(step.site_system_admins.output.failing) == 0 ? "" : "a remote site system lacks a site server's account",
  ])), "^$", "OK")), format("ConfigMgr site %s high availability: could not be checked, the site could not be read (see the run's log: baton logs RUN).", var.site_code))
  fields = {
    active  = try(step.site_servers.output.active, "unknown")
    passive = try(step.site_servers.output.passive, "unknown")
    version = try(step.site.output.version, "unknown")
  }
}
