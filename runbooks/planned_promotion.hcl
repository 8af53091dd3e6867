runbook "planned_promotion" {
  title       = "Planned promotion of the passive site server"
  description = "Switches the roles of the two site servers of a ConfigMgr site with high availability, while both are online: the passive site server becomes active and the active one becomes passive (Microsoft's \"Promote site server (planned)\" flowchart, PRP-00 to PRP-07). Use it to patch, upgrade or replace the active server's operating system or hardware without a site outage. Preflight (site type, role placement, readiness R01-R08), a change board approval, the promotion, a bounded wait for the switch, verification, and the post-promotion tasks that apply. Back-out: promote the original server back."
  version     = "1.0.0"
  owner       = "configmgr-team@contoso.com"
  refs        = ["PRP"]
  include     = ["lib/common.hcl", "lib/preflight.hcl", "lib/readiness.hcl", "lib/post_promotion.hcl"]
  lock        = "configmgr-site/${var.site_code}"
  timeout     = "12h"

  change {
    type              = "normal"
    reason            = "Move the active site server role of the ConfigMgr site to its passive partner, so that the current active server can be patched, upgraded or replaced with no loss of site administration beyond the switch itself."
    risk              = "medium"
    mitigations       = ["Preflight refuses to promote while a site update, content or database replication is running (R02, R03, R05), or when the passive server is not OK (R08).", "The passive server's SMS Provider is checked reachable before the switch (R07), so the site stays administrable whatever happens.", "Re-checked right before the point of no return, after the approval wait.", "Rehearsed with baton rehearse against the simulated site.", "Back-out: promote the original server back; the same, well-known procedure."]
    impact            = "Clients are not affected: management points, distribution points and software update points stay up and keep serving policy and content. Site administration (console, PowerShell, AdminService) is interrupted while the ConfigMgr services restart on both servers, typically 15 to 30 minutes; site jobs queue and resume. Client registration pauses during that time, so new OS deployments should not start."
    expected_downtime = "30m"
    affected_services = ["ConfigMgr site administration (console, SMS Provider, AdminService)", "Site server components (SMS_EXECUTIVE on both site servers)", "OS deployment of new machines (client registration pauses)", "Automations that talk to the site server"]
    communication     = "Service desk and console users informed before the window; a message to the webhook (if configured) at the start and end of the switch."
    implementers      = ["configmgr-team"]

    window {
      start = var.window_start
      end   = var.window_end
    }

    backout {
      summary        = "Promote the original active server (passive after the switch) back to active: a second planned promotion of about 15 minutes, started once both servers show OK."
      trigger        = "The switch does not complete within 45 minutes, a second promotion attempt after a failed one fails too, or after the switch the new active server is not OK or the site is not active."
      restored_state = "The original server is the active site server and the other is passive, both with status OK, as before the change."
    }
  }
}

variable "provider" {
  type        = string
  description = "SMS Provider baton uses for the promotion (FQDN); empty means the one on active_server. Any reachable provider of the site works."
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

variable "update_quiet_period" {
  type        = string
  description = "How long after a site update (Updates and Servicing) a planned promotion is refused (R05). Microsoft's example: update on Monday, promote on Tuesday, and every client may upgrade."
  default     = "7d"
}

variable "tolerated_critical_components" {
  type        = list(string)
  description = "Component names (e.g. \"SMS_WSUS_SYNC_MANAGER\") that are known to be critical in this environment and must not block the promotion (R01: healthy \"as normal for your environment\"). Never list SMS_FAILOVER_MANAGER, SMS_EXECUTIVE or SMS_SITE_COMPONENT_MANAGER."
  default     = []
}

variable "accept_pre_production_client" {
  type        = bool
  description = "Set to true to promote although a pre-production client is enabled (R06), accepting to fix the Client folder afterwards (PP-07). Default false: promote the pre-production client to production first."
  default     = false
}

# ---------------------------------------------------------------------------
# Preflight: lib/preflight.hcl (site, role placement),
# lib/readiness.hcl (site_servers, providers), and the readiness checks of
# "Before a planned promotion" below.

check "active_answers" {
  uses        = "configmgr_reachable"
  description = "Probes the active site server from the runner (SMB, RPC, AdminService). A planned promotion needs both servers online: the promoted server's failover manager demotes the active one itself (PRP-01 to PRP-03)."
  refs        = ["PF-07", "PRP-01"]
  server      = var.active_server

  assert {
    condition = self.output.reachable
    message   = format("The active site server %s does not answer: run unplanned_failover.hcl if it is down (a planned promotion needs it online). Probes: %s.", var.active_server, self.output.detail)
  }
}

check "content_library" {
  uses        = "configmgr_content_library"
  description = "Checks that the content library is on a remote share and not being moved. Both site servers use it from there; a site whose library is local or half-moved cannot switch site servers (P04, PF-03)."
  refs        = ["P04", "PF-03"]

  assert {
    condition = self.output.remote && self.output.move_progress == 100 && self.output.move_status != "moving"
    message   = format("The content library is at %s (remote: %s, move %d%%%s). It must be on a remote share with the move finished (P04). Finish or redo the move (Administration > Sites > Manage Content Library; distmgr.log) and run this again.", self.output.location, self.output.remote ? "yes" : "no", self.output.move_progress, self.output.move_status == "" ? "" : format(", %s", self.output.move_status))
  }
}

check "updates" {
  uses          = "configmgr_updates"
  description   = "Checks Updates and Servicing: no site update running, and none installed within update_quiet_period. A site update has follow-on tasks that clash with a promotion, and with client piloting it can make every client upgrade (R05, PF-01)."
  refs          = ["R05", "PF-01"]
  recent_within = var.update_quiet_period

  assert {
    condition = length(self.output.in_progress) == 0
    message   = format("A site update is in progress: %s. Wait until Administration > Updates and Servicing shows it installed (CMUpdate.log), then plan the promotion after the quiet period (R05).", join(", ", [for u in self.output.in_progress : format("%s (%s)", u.name, u.state_name)]))
  }

  assert {
    condition = length(self.output.recent) == 0
    message   = format("A site update was installed recently: %s. Promoting right after an update can clash with its follow-on tasks and, with client piloting, upgrade every client (Microsoft's example: update on Monday, promote on Tuesday). Wait until update_quiet_period (%s) has passed, or lower update_quiet_period if the change board accepts the risk.", join(", ", [for u in self.output.recent : format("%s at %s", u.name, u.updated_at)]), var.update_quiet_period)
  }
}

check "replication" {
  uses        = "configmgr_replication"
  description = "Checks that every database replication link of the site (to its CAS, child and secondary sites) is active and recently updated. Replication running or broken during the switch may force a secondary site reinitialization afterwards (R03, PF-02)."
  refs        = ["R03", "PF-02"]

  assert {
    condition = self.output.healthy
    message   = format("Database replication is not healthy: %s. Fix it first (Monitoring > Database Replication, rcmctrl.log; Replication Link Analyzer), then run this again.", join("; ", [for l in self.output.unhealthy : format("%s->%s %s (%s, updated %s)", l.from, l.to, l.group, l.state, l.updated_at)]))
  }
}

check "hierarchy" {
  uses        = "configmgr_hierarchy"
  description = "Checks the related sites: every secondary site is active, and no site of the hierarchy is in maintenance mode (replication maintenance). Secondary site problems and maintenance on child or secondary site servers must not overlap the promotion (R03, R04)."
  refs        = ["R03", "R04"]

  assert {
    condition = alltrue([for s in self.output.secondaries : s.status == 1])
    message   = format("Secondary sites not active: %s. Check Monitoring > Site Status and Administration > Sites; recover or finish the secondary site's work first (R03).", join(", ", [for s in self.output.secondaries : format("%s status %d", s.code, s.status) if s.status != 1]))
  }

  assert {
    condition = !anytrue([for s in self.output.sites : s.maintenance])
    message   = format("Sites in maintenance mode: %s. Wait until replication maintenance is over (R04).", join(", ", [for s in self.output.sites : s.code if s.maintenance]))
  }
}

check "distributions" {
  uses        = "configmgr_distributions"
  description = "Checks that no content is being distributed, in particular replicated between sites. Content replication interrupted by the switch must be redistributed afterwards; start no new distribution jobs until the promotion is done (R02, PF-08)."
  refs        = ["R02", "PF-08"]

  assert {
    condition = self.output.in_progress == 0 && length(self.output.site_to_site) == 0
    message   = format("%d distributions are in progress (between sites: %s). Wait until Monitoring > Distribution Status > Content Status shows them done, and hold new distributions until after the promotion (R02).", self.output.in_progress, length(self.output.site_to_site) == 0 ? "none" : join(", ", self.output.site_to_site))
  }
}

check "components" {
  uses        = "configmgr_components"
  description = "Checks site component status (Monitoring > System Status > Component Status): nothing critical beyond what tolerated_critical_components lists, and the failover manager (SMS_FAILOVER_MANAGER, which performs the promotion) is not critical on either site server (R01, PF-09)."
  refs        = ["R01", "PF-09"]

  assert {
    condition = alltrue([for c in self.output.critical : contains(var.tolerated_critical_components, c.name)])
    message   = format("Critical components: %s. Fix them, or list a component in tolerated_critical_components if it is critical as normal in this environment (R01).", join(", ", [for c in self.output.critical : format("%s on %s", c.name, c.server) if !contains(var.tolerated_critical_components, c.name)]))
  }

  assert {
    condition = !anytrue([for c in self.output.components : c.name == "SMS_FAILOVER_MANAGER" && (c.status == 2 || !c.available) if contains(local.site_servers, lower(c.server))])
    message   = "SMS_FAILOVER_MANAGER is critical or offline on a site server. It is the component that performs the promotion: read FailoverMgr.log on both servers, and restart SMS_EXECUTIVE on the affected server if it is stuck."
  }
}

check "pre_production_client" {
  uses        = "assert"
  description = "Known issue: with a pre-production client enabled, a site update writes the pre-production client into the passive server's Client folder, and after a promotion it becomes the production client (R06). Promote the pre-production client to production first, or accept the risk and fix the Client folder afterwards (PP-07)."
  refs        = ["R06"]
  condition   = !step.features.output.pre_production_client || var.accept_pre_production_client
  message     = "A pre-production client is enabled (R06). Either promote it to production first (Updates and Servicing > Client Update Options), or set accept_pre_production_client = true to promote anyway and fix the Client folder afterwards (PP-07)."
}

manual "no_maintenance_elsewhere" {
  description  = "R04: no maintenance on child or secondary site servers during the promotion."
  refs         = ["R04"]
  instructions = "Check the change calendar: no maintenance (patching, reboots, SQL work) may be planned on the child primary or secondary site servers, or on the SQL Server of the site database, during this window. Postpone what overlaps. Confirm."
  reason       = "Planned maintenance lives in the change calendar, not in the site; the site only knows replication maintenance mode, which the hierarchy check covers."
}

# ---------------------------------------------------------------------------
# Go decision.

approval "cab" {
  description   = "Change board go/no-go for the promotion, with the preflight results."
  approvers     = ["cab-chair", "configmgr-service-owner", "infrastructure-change-manager"]
  min_approvals = 2
  expires_after = "8h"
  depends_on    = [step.active_answers, step.site, step.site_server_roles, step.site_database_placement, step.reporting_point_placement, step.site_servers, step.providers, step.passive_version, step.site_server_hosts, step.site_system_admins, step.content_library, step.updates, step.replication, step.hierarchy, step.distributions, step.components, step.pre_production_client, step.no_maintenance_elsewhere]
  instructions  = "Review the plan and the preflight results: every check passed (reporting_point_placement may warn). Approve only inside the change window, with the service desk informed. After approval baton re-checks replication, distribution, updates and the passive server, then promotes: from then on the only way back is promoting the original server again."
}

# Re-checked after the approval wait, which can last hours: the snapshots
# (lib/post_promotion.hcl) are read after the approval.

check "still_clear" {
  uses        = "assert"
  description = "Re-checks, after the approval, that no content or database replication and no site update started while the board decided (R02, R03, R05): they are the facts that would make the switch unsafe."
  refs        = ["R02", "R03", "R05"]
  condition   = step.snapshot_distributions.output.clear && length(step.snapshot_distributions.output.site_to_site) == 0 && step.snapshot_replication.output.healthy && length(step.snapshot_updates.output.in_progress) == 0
  message     = "Since the preflight, content distribution, database replication or a site update started (see the snapshot_* steps). Wait until it is finished and run the runbook again; the approval does not carry over."
}

check "passive_still_ready" {
  uses        = "configmgr_site_servers"
  description = "Re-checks, right before the point of no return, that both site servers are OK and still in the expected modes (R08, PF-06)."
  refs        = ["R08", "PF-06"]
  depends_on  = [step.cab]

  assert {
    condition = self.output.all_ok && lower(self.output.active) == local.active_server && lower(self.output.passive) == local.passive_server
    message   = format("The site servers changed since the preflight: active %s, passive %s, all OK: %s. Look at Monitoring > Site Server Status before going on.", self.output.active, self.output.passive, self.output.all_ok ? "yes" : "no")
  }
}

action "announce_start" {
  uses        = "notify"
  description = "Tells the team channel that the switch starts: site administration will be unavailable for up to 30 minutes."
  refs        = ["PRP-00"]
  when        = var.webhook_url != ""
  depends_on  = [step.still_clear, step.passive_still_ready]
  webhook_url = var.webhook_url
  message     = format("ConfigMgr site %s: promoting %s to active site server now. Site administration (console, PowerShell) is unavailable until further notice, expected under 30 minutes. Clients are not affected.", var.site_code, var.passive_server)
  idempotent  = true
  on_failure  = "continue"
}

# configuration.mof is not synced to the passive server (F9): its hash is
# recorded before the switch and compared on the new active server after.

check "configuration_mof_before" {
  uses        = "configmgr_server_config"
  description = "Records, right before the promotion, the SHA-256 of the active server's configuration.mof (<install dir>\\inboxes\\clifiles.src\\hinv, the hardware inventory classes): the site does not copy it to the passive server (F9, release notes 1910), so a customization is lost with the switch unless it is restored. The hash is in this step's output and the journal."
  refs        = ["F9"]
  servers     = [local.active_server]
  depends_on  = [step.cab]

  assert {
    condition = alltrue([for s in self.output.servers : s.readable && s.configuration_mof != ""])
    message   = format("baton cannot read configuration.mof on %s (%s). Back it up by hand before the promotion (F9), or fix PowerShell remoting and run this again.", var.active_server, join("; ", [for s in self.output.servers : s.readable ? "no configuration.mof found" : s.error]))
  }
}

manual "backup_configuration_mof" {
  description  = "F9: back up configuration.mof before the switch."
  refs         = ["F9"]
  depends_on   = [step.configuration_mof_before]
  instructions = "Copy configuration.mof from <install dir>\\inboxes\\clifiles.src\\hinv on the active server to the change record (or a share the team keeps). Verify the copy: (Get-FileHash -Algorithm SHA256 <copy>).Hash equals the configuration_mof the configuration_mof_before step recorded. After the switch baton compares it with the new active server's file (configuration_mof_after). Confirm."
  reason       = "Where the change record and its attachments live is the team's choice; baton only records and compares the hash."
}

# ---------------------------------------------------------------------------
# The promotion.

action "promote" {
  uses               = "configmgr_promote"
  description        = "Promotes the passive site server to active (console: Sites > Nodes > Promote to active; Set-CMSite -PromotePassiveSiteToActive). Promotion is always started by a person or a runbook: there is no automatic failover (P09). The failover manager on the passive server then stops the services on the active server, changes its registry and restarts it in passive mode, and only then reconfigures itself and the site database."
  refs               = ["PRP-00", "P09"]
  depends_on         = [step.still_clear, step.passive_still_ready, step.snapshot_distributions, step.snapshot_replication, step.snapshot_hierarchy, step.snapshot_updates, step.configuration_mof_before, step.backup_configuration_mof]
  server             = var.passive_server
  point_of_no_return = true
  expected_duration  = "1m"
  timeout            = "10m"
  on_failure         = "abort"

  verify {
    uses      = "configmgr_site_servers"
    condition = lower(self.output.active) == local.passive_server || anytrue([for s in self.output.servers : s.status == "Promoting"])
  }
}

wait "switch_complete" {
  uses              = "configmgr_site_servers"
  description       = "Follows the switch in Monitoring > Site Server Status until the promoted server is active and both servers show OK, or a server shows Failed. Behind it the failover manager of the promoted server (FailoverMgr.log on both servers) stops the ConfigMgr services on the old active server (PRP-01), changes its registry (PRP-02) and restarts it in passive mode (PRP-03); then stops its own services except SMS_EXECUTIVE (PRP-04), changes its registry and the site database (PRP-05), restarts its services (PRP-06) and has SiteComp tell every site system about the new site server (PRP-07, SiteComp.log). Microsoft documents no duration; 10 to 20 minutes is typical, so the wait gives up after 45 minutes and the run backs out. The first good answer is not trusted (F3): the end state must hold on every poll for 5 minutes."
  refs              = ["PRP-01", "PRP-02", "PRP-03", "PRP-04", "PRP-05", "PRP-06", "PRP-07", "F3"]
  depends_on        = [step.promote]
  until             = (lower(self.output.active) == local.passive_server && self.output.all_ok) || anytrue([for s in self.output.servers : s.status == "Failed"])
  interval          = "30s"
  stable_for        = "5m"
  expected_duration = "15m"
  timeout           = "45m"
  on_failure        = "backout"
}

decision "promotion_failed" {
  description = "Did the promotion stop at a stage with a server in status Failed? The old active server may already be passive (after PRP-03) while the promoted one is not active yet: the site then has no active site server, and the promotion is started once more."
  refs        = ["PRP-03", "PRP-05"]
  condition   = !(lower(step.switch_complete.output.active) == local.passive_server && step.switch_complete.output.all_ok)
}

action "promote_again" {
  uses               = "configmgr_promote"
  description        = "Starts the promotion of the passive server once more, after a failed attempt (Show Status names the failed stage; FailoverMgr.log on both servers). If this second attempt does not complete either, the run backs out."
  refs               = ["PRP-00"]
  when               = step.promotion_failed.output
  server             = var.passive_server
  point_of_no_return = true
  expected_duration  = "1m"
  timeout            = "10m"
  on_failure         = "backout"

  verify {
    uses      = "configmgr_site_servers"
    condition = lower(self.output.active) == local.passive_server || anytrue([for s in self.output.servers : s.status == "Promoting"])
  }
}

wait "switch_complete_after_retry" {
  uses              = "configmgr_site_servers"
  description       = "Follows the second promotion attempt until the promoted server is active and both servers show OK (PRP-01 to PRP-07 again), for 5 minutes of polls in a row (F3). Failing again, or after 45 minutes, the run backs out."
  refs              = ["PRP-01", "PRP-07"]
  depends_on        = [step.promote_again]
  until             = lower(self.output.active) == local.passive_server && self.output.all_ok
  fail_if           = anytrue([for s in self.output.servers : s.status == "Failed"])
  fail_message      = format("The second promotion attempt failed too: %s. The run backs out; read FailoverMgr.log on both servers.", join("; ", [for s in self.output.servers : format("%s %s %s: %s", s.name, s.mode, s.status, s.detail)]))
  interval          = "30s"
  stable_for        = "5m"
  expected_duration = "15m"
  timeout           = "45m"
  on_failure        = "backout"
}

check "site_after" {
  uses        = "configmgr_site"
  description = "Checks that the site now names the promoted server as its site server (Administration > Sites, column Server Name) and that the site is active: SiteComp has reset and the site systems were told (PRP-07)."
  refs        = ["PRP-07", "PRP-END"]
  depends_on  = [step.switch_complete, step.switch_complete_after_retry]
  on_failure  = "backout"

  assert {
    condition = lower(self.output.server_name) == local.passive_server && self.output.status == 1
    message   = format("After the switch the site's server is %s with status %d; expected %s with status 1. Read FailoverMgr.log and SiteComp.log on %s.", self.output.server_name, self.output.status, var.passive_server, var.passive_server)
  }
}

check "promotion_verified" {
  uses        = "configmgr_site_servers"
  description = "Verifies the end state of the flowchart: the promoted server is active, the old active server is now the site server in passive mode (PRP-03), and both show OK (PF-06, R08) — ready to switch back whenever needed."
  refs        = ["PRP-03", "PRP-END", "PF-06", "R08"]
  depends_on  = [step.site_after]
  on_failure  = "backout"

  assert {
    condition = lower(self.output.active) == local.passive_server && lower(self.output.passive) == local.active_server && self.output.all_ok
    message   = format("Expected %s active and %s passive, both OK; found active %s, passive %s (%s). Check Monitoring > Site Server Status > Show Status and FailoverMgr.log on both servers.", var.passive_server, var.active_server, self.output.active, self.output.passive, join("; ", [for s in self.output.servers : format("%s %s %s", s.name, s.mode, s.status)]))
  }
}

check "configuration_mof_after" {
  uses        = "configmgr_server_config"
  description = "Compares the new active server's configuration.mof with the hash recorded before the switch (F9). A difference means the hardware inventory customization stayed on the old server: restore the backup. Reported, not backed out."
  refs        = ["F9"]
  servers     = [local.passive_server]
  depends_on  = [step.promotion_verified]
  on_failure  = "continue"

  assert {
    condition = alltrue([for s in self.output.servers : s.readable && contains([for b in step.configuration_mof_before.output.servers : b.configuration_mof], s.configuration_mof)])
    message   = format("F9: configuration.mof on %s (%s) differs from the one recorded on %s before the switch (%s): the site did not sync it. Copy the backup (backup_configuration_mof) into <install dir>\\inboxes\\clifiles.src\\hinv on %s and check dataldr.log for its compilation.", var.passive_server, join(", ", [for s in self.output.servers : s.readable ? s.configuration_mof : s.error]), var.active_server, join(", ", [for b in step.configuration_mof_before.output.servers : b.configuration_mof]), var.passive_server)
  }
}

check "components_after" {
  uses        = "configmgr_components"
  description = "Component status after the switch. A component critical now that was not before usually means the new active server lacks a right the old one had: local Administrators on the remote site systems (P19, F7: SMS_SITE_SYSTEM_STATUS_SUMMARIZER cannot reach them) or rights on package source shares (P18). Reported, not backed out: fix the right and the component recovers."
  refs        = ["R01", "PF-09", "P18", "P19", "F7"]
  depends_on  = [step.promotion_verified]
  on_failure  = "continue"

  assert {
    condition = alltrue([for c in self.output.critical : contains(var.tolerated_critical_components, c.name)])
    message   = format("Critical after the promotion: %s. Give %s the same rights as %s (local admin on remote site systems, package source shares) and watch Component Status.", join(", ", [for c in self.output.critical : format("%s on %s", c.name, c.server) if !contains(var.tolerated_critical_components, c.name)]), var.passive_server, var.active_server)
  }
}

action "announce_done" {
  uses        = "notify"
  description = "Tells the team channel that the switch is done and site administration is back."
  refs        = ["PRP-END"]
  when        = var.webhook_url != ""
  depends_on  = [step.promotion_verified]
  webhook_url = var.webhook_url
  message     = format("ConfigMgr site %s: %s is now the active site server and %s is passive, both OK. Site administration is available again; post-promotion tasks follow.", var.site_code, var.passive_server, var.active_server)
  idempotent  = true
  on_failure  = "continue"
}

# ---------------------------------------------------------------------------
# Back-out: promote the original server back. It is passive once the switch
# has settled, so the back-out waits for that first.

backout "old_active_is_passive" {
  uses        = "configmgr_site_servers"
  description = "Before promoting back, waits (up to about 30 minutes) until the original active server shows as passive and OK: a promotion can only start from a passive server that is ready."
  refs        = ["PRP-03", "R08"]
  undoes      = step.promote

  assert {
    condition = lower(self.output.passive) == local.active_server && alltrue([for s in self.output.servers : s.status == "OK" if lower(s.name) == local.active_server])
    message   = format("%s is not (yet) a passive server with status OK: %s. If it stays so, the back-out cannot promote it: follow Monitoring > Site Server Status and FailoverMgr.log, and call Microsoft support if the switch is stuck.", var.active_server, join("; ", [for s in self.output.servers : format("%s %s %s", s.name, s.mode, s.status)]))
  }

  retry {
    attempts  = 30
    backoff   = "1m"
    max_delay = "1m"
  }
}

backout "promote_back" {
  uses               = "configmgr_promote"
  description        = "Promotes the original active server back to active: the same planned promotion, in the other direction."
  refs               = ["PRP-00"]
  undoes             = step.promote
  depends_on         = [step.old_active_is_passive]
  server             = var.active_server
  point_of_no_return = true
  timeout            = "10m"

  verify {
    uses      = "configmgr_site_servers"
    condition = lower(self.output.active) == local.active_server || anytrue([for s in self.output.servers : s.status == "Promoting"])
  }
}

backout "switched_back" {
  uses        = "configmgr_site_servers"
  description = "Waits (up to about 45 minutes) until the original server is active again and both servers show OK: the state before the change."
  refs        = ["PRP-01", "PRP-07", "PRP-END"]
  undoes      = step.promote
  depends_on  = [step.promote_back]

  assert {
    condition = lower(self.output.active) == local.active_server && self.output.all_ok
    message   = format("The switch back has not completed: active site server %s (%s). Follow Monitoring > Site Server Status and FailoverMgr.log on both servers.", self.output.active == "" ? "none" : self.output.active, join("; ", [for s in self.output.servers : format("%s %s %s", s.name, s.mode, s.status)]))
  }

  retry {
    attempts  = 45
    backoff   = "1m"
    max_delay = "1m"
  }
}
