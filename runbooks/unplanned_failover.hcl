runbook "unplanned_failover" {
  title       = "Unplanned failover to the passive site server"
  description = "Promotes the passive site server when the active site server is down (Microsoft's \"Promote site server (unplanned)\" flowchart, PRU-00 to PRU-06). Confirms that the active server really does not answer, that an SMS Provider and the passive server are usable, takes an emergency approval, promotes, and waits through the product's fixed 30-minute attempt to reach the old server before the promotion is forced. Then verifies the new active server, runs the post-promotion tasks that apply, and watches for the old server's return (it demotes itself, PRU-M1-1 to PRU-M1-4). If the active server answers after all, the promotion takes the planned path (PRU-01 \"successful connection\")."
  version     = "1.0.0"
  owner       = "configmgr-team@contoso.com"
  refs        = ["PRU"]
  include     = ["lib/common.hcl", "lib/readiness.hcl", "lib/post_promotion.hcl"]
  lock        = "configmgr-site/${var.site_code}"
  timeout     = "10h"

  change {
    type              = "emergency"
    reason            = "The active site server of the ConfigMgr site is down: no site administration is possible until the passive site server is promoted."
    risk              = "high"
    mitigations       = ["The active server is probed first; if it answers, the promotion demotes it gracefully (planned path) instead of forcing.", "The passive server must be OK and its SMS Provider reachable before anything changes (R07, R08).", "Promotion is submitted once; the runbook waits through the 30-minute window instead of retrying it.", "The old server demotes itself when it returns; baton watches for it."]
    impact            = "Already degraded before the change: no site administration, no new client registration (OS deployment of new machines stops), MPs cache client data. Clients keep using management points, distribution points and software update points and can install what is already deployed. The promotion adds up to 30 minutes (the product's fixed wait for the old server) plus about 10 minutes of switch."
    expected_downtime = "45m"
    affected_services = ["ConfigMgr site administration (console, SMS Provider, AdminService)", "Client registration and OS deployment of new machines", "Site-to-site replication and content distribution jobs"]
    communication     = "Incident channel and service desk: at the start (outage and expected duration), and when site administration is restored."
    implementers      = ["configmgr-on-call"]

    backout {
      summary        = "None for the promotion itself: once forced it cannot be undone, and the old server demotes itself when it returns. To return to the original layout later, run planned_promotion.hcl with active_server and passive_server swapped, once both servers are OK."
      trigger        = "Not applicable; if the promotion does not complete within 75 minutes, the run stops for investigation (FailoverMgr.log on the passive server, Microsoft support)."
      restored_state = "The passive server is the active site server; the old server is passive when it returns, or deleted and replaced (PP-08)."
    }
  }
}

variable "provider" {
  type        = string
  description = "SMS Provider baton uses (FQDN); empty means the one on passive_server. With the active site server down, its co-located provider is down too: use the provider that setup installed on the passive site server (R07)."
  default     = ""
}

locals {
  # The SMS Provider to talk to (see variable "provider").
  provider = var.provider != "" ? var.provider : var.passive_server
}

# ---------------------------------------------------------------------------
# Is the active server really down?

check "probe_active" {
  uses        = "configmgr_reachable"
  description = "Probes the active site server from the runner: SMB (445), RPC (135) and its AdminService. The same kind of connection the passive server's failover manager will try (PRU-01)."
  refs        = ["PF-07", "PRU-01"]
  server      = var.active_server
}

decision "active_down" {
  description = "Does the active site server fail to answer? Yes: the forced, unplanned path with its 30-minute wait. No: the promotion will reach it and take the planned path (PRU-01, \"successful connection\")."
  refs        = ["PRU-01", "PF-07"]
  condition   = !step.probe_active.output.reachable
}

manual "use_planned_path" {
  description  = "PRU-01 \"successful connection\": the active server answers."
  refs         = ["PRU-01", "PRP-00"]
  when         = !step.active_down.output
  instructions = "The active site server answers from the runner (see probe_active's detail). If the site actually works, stop this run (reject this step) and use planned_promotion.hcl: full preflight and change board. If the server is online but ConfigMgr is broken on it (services crashing, disk full, corrupted install), confirm: the passive server's failover manager will connect to it and demote it gracefully (the planned flow, PRP-01 to PRP-07), with no 30-minute wait."
  reason       = "Whether an online but misbehaving site server justifies an emergency promotion is a judgement the on-call engineer makes."
}

check "site" {
  uses        = "configmgr_site"
  description = "Reads the site from the site database and checks that it is a CAS or primary site (P01) whose active site server is still active_server: nothing was promoted yet. The site's status is not checked: with the active server down it is usually not \"active\". If this step cannot read the site at all, the site database is down too: fix SQL Server first, a promotion writes to that database (PRU-04) and cannot help."
  refs        = ["P01", "PF-10"]

  assert {
    condition = contains(["primary", "cas"], self.output.type)
    message   = format("Site %s is a %s site: it cannot have a passive site server (P01). Check site_code.", self.output.code, self.output.type)
  }

  assert {
    condition = lower(self.output.server_name) == local.active_server
    message   = format("The site database names %s as the active site server, not %s. If %s was already promoted, there is nothing to fail over; otherwise set active_server and passive_server to match Administration > Sites.", self.output.server_name, var.active_server, self.output.server_name)
  }
}

# lib/readiness.hcl: checks "site_servers" (R08) and "providers" (R07).

manual "console_on_passive" {
  description  = "R07, P11, PRU-00, F13: reach the site through the passive server."
  refs         = ["R07", "P11", "PRU-00", "F13"]
  when         = step.active_down.output
  depends_on   = [step.providers]
  instructions = "The console picks an SMS Provider at random and cannot be pinned; with the active server down it may not connect at all. On an admin workstation (the console is not on the passive server unless you installed it there), start it against the passive server: Microsoft.ConfigurationManagement.exe /server=<passive FQDN> from the console's bin folder, or use Connect to a new site. You will watch the promotion there (Administration > Sites > Nodes; Monitoring > Site Server Status). baton itself already uses the provider given in the provider variable. Confirm once connected."
  reason       = "The console runs on a person's workstation; baton cannot start or configure it."
}

action "announce_outage" {
  uses        = "notify"
  description = "Tells the incident channel what works and what does not while the site has no active site server (§6, F13): no administration is possible and client registration stops."
  refs        = ["§6", "F13"]
  when        = var.webhook_url != ""
  depends_on  = [step.active_down]
  webhook_url = var.webhook_url
  message     = format("ConfigMgr site %s: the active site server %s does not answer. Until %s is promoted (up to about 45 minutes): no site administration, no new client registration (do not start OS deployments of new machines); clients keep working with management points and distribution points and can install what is already deployed.", var.site_code, var.active_server, var.passive_server)
  idempotent  = true
  on_failure  = "continue"
}

approval "cab" {
  description   = "Emergency go for the unplanned promotion."
  approvers     = ["configmgr-on-call-lead", "incident-manager", "configmgr-service-owner"]
  min_approvals = 1
  expires_after = "2h"
  depends_on    = [step.site, step.site_servers, step.providers, step.passive_version, step.active_down, step.use_planned_path, step.console_on_passive]
  instructions  = "The active site server is down (or broken, see use_planned_path), the passive server is OK and its SMS Provider answers. Promoting is final: the old server will demote itself if it comes back. Approve once the outage is confirmed and a restore of the old server in the next hour is not realistic."
}

# lib/post_promotion.hcl: the snapshot_* checks run here, after the approval.

action "promote" {
  uses               = "configmgr_promote"
  description        = "Promotes the passive site server (console on the passive server's provider: Sites > Nodes > Promote to active; Set-CMSite -PromotePassiveSiteToActive). Submitted once: never click Promote again while it works, the failover manager is already retrying the old server. There is no automatic failover: this is the decision (P09)."
  refs               = ["PRU-00", "P09"]
  depends_on         = [step.cab, step.snapshot_distributions, step.snapshot_replication, step.snapshot_hierarchy, step.snapshot_updates]
  server             = var.passive_server
  point_of_no_return = true
  expected_duration  = "1m"
  timeout            = "10m"

  verify {
    uses      = "configmgr_site_servers"
    condition = lower(self.output.active) == local.passive_server || anytrue([for s in self.output.servers : s.status == "Promoting"])
  }
}

wait "switch_planned_path" {
  uses              = "configmgr_site_servers"
  description       = "The active server answered, so the failover manager demotes it gracefully, as in a planned promotion (PRU-01 \"successful connection\", then PRP-01 to PRP-07): both servers end OK with the roles swapped, or a server shows Failed (then planned_path_failed starts the promotion once more); the end state must hold on every poll for 5 minutes (F3). Gives up after 45 minutes."
  refs              = ["PRU-01", "PRP-01", "PRP-02", "PRP-03", "PRP-04", "PRP-05", "PRP-06", "PRP-07"]
  when              = !step.active_down.output
  depends_on        = [step.promote]
  until             = (lower(self.output.active) == local.passive_server && self.output.all_ok) || anytrue([for s in self.output.servers : contains(["Failed", "InstallFailed"], s.status)])
  interval          = "30s"
  stable_for        = "5m"
  expected_duration = "15m"
  timeout           = "45m"
}

decision "planned_path_failed" {
  description = "Did the graceful switch stop at a stage with a server in status Failed? The old active server may already be passive (after PRP-03) while the promoted one is not active yet: the site then has no active site server, and the promotion is started once more, as in a planned promotion."
  refs        = ["PRP-03", "PRP-05"]
  condition   = !(lower(step.switch_planned_path.output.active) == local.passive_server && step.switch_planned_path.output.all_ok)
}

action "promote_again" {
  uses               = "configmgr_promote"
  description        = "Starts the promotion of the passive server once more, after the graceful switch failed (Show Status names the failed stage; FailoverMgr.log on both servers). If this second attempt does not complete either, the run stops for the on-call team."
  refs               = ["PRP-00"]
  when               = step.planned_path_failed.output
  server             = var.passive_server
  point_of_no_return = true
  expected_duration  = "1m"
  timeout            = "10m"

  verify {
    uses      = "configmgr_site_servers"
    condition = lower(self.output.active) == local.passive_server || anytrue([for s in self.output.servers : s.status == "Promoting"])
  }
}

wait "switch_after_retry" {
  uses              = "configmgr_site_servers"
  description       = "Follows the second promotion attempt until the promoted server is active and both servers show OK (PRP-01 to PRP-07 again), for 5 minutes of polls in a row (F3). Failing again, or after 45 minutes, the run stops."
  refs              = ["PRP-01", "PRP-07"]
  depends_on        = [step.promote_again]
  until             = lower(self.output.active) == local.passive_server && self.output.all_ok
  fail_if           = anytrue([for s in self.output.servers : contains(["Failed", "InstallFailed"], s.status)])
  fail_message      = format("The second promotion attempt failed too: %s. The site may have no active site server: read FailoverMgr.log on both servers and call Microsoft support.", join("; ", [for s in self.output.servers : format("%s %s %s: %s", s.name, s.mode, s.status, s.detail)]))
  interval          = "30s"
  stable_for        = "5m"
  expected_duration = "15m"
  timeout           = "45m"
}

wait "switch_forced" {
  uses              = "configmgr_site_servers"
  description       = "The 30-minute rule (PRU-D1): the promoting server's failover manager keeps trying to reconfigure the old active server (PRU-01) for 30 minutes. If the old server comes back within that time, it is told and the switch proceeds gracefully. After 30 minutes the promotion is forced (PRU-02): the promoted server stops its ConfigMgr services except SMS_EXECUTIVE (PRU-03), changes its registry and the site database (PRU-04), restarts its services (PRU-05) and SiteComp tells every site system about the new site server (PRU-06; FailoverMgr.log and SiteComp.log on the passive server). Expect about 30 minutes of nothing visible followed by about 10 minutes of switch (F13): no site administration is possible and client registration stops (no OS deployment of new machines); do not retry the promotion and do not restart services meanwhile. Every poll is recorded in the journal as evidence, and the promoted server must stay active and OK for 5 minutes of polls (F3). Gives up after 75 minutes (30 + switch + margin)."
  refs              = ["PRU-01", "PRU-D1", "PRU-02", "PRU-03", "PRU-04", "PRU-05", "PRU-06", "F13"]
  when              = step.active_down.output
  depends_on        = [step.promote]
  until             = lower(self.output.active) == local.passive_server && anytrue([for s in self.output.servers : s.status == "OK" if lower(s.name) == local.passive_server])
  interval          = "1m"
  stable_for        = "5m"
  expected_duration = "40m"
  timeout           = "75m"
}

check "site_after" {
  uses        = "configmgr_site"
  description = "Checks that the site names the promoted server as its site server and is active: SiteComp has reset (PRU-06)."
  refs        = ["PRU-06"]
  depends_on  = [step.switch_planned_path, step.switch_forced, step.switch_after_retry]

  assert {
    condition = lower(self.output.server_name) == local.passive_server && self.output.status == 1
    message   = format("The site's server is %s with status %d; expected %s with status 1. Read FailoverMgr.log and SiteComp.log on %s.", self.output.server_name, self.output.status, var.passive_server, var.passive_server)
  }
}

check "promotion_verified" {
  uses        = "configmgr_site_servers"
  description = "Verifies that the promoted server is the active site server with status OK (PRU-05, PRU-06). The old server is expected to be missing or not OK until it returns."
  refs        = ["PRU-05", "PRU-06", "R08"]
  depends_on  = [step.site_after]

  assert {
    condition = lower(self.output.active) == local.passive_server && anytrue([for s in self.output.servers : s.status == "OK" if lower(s.name) == local.passive_server])
    message   = format("Expected %s active with status OK; found %s. Look at Monitoring > Site Server Status and FailoverMgr.log on %s.", var.passive_server, join("; ", [for s in self.output.servers : format("%s %s %s (%s)", s.name, s.mode, s.status, s.detail)]), var.passive_server)
  }
}

check "configuration_mof_compare" {
  uses        = "configmgr_server_config"
  description = "Compares configuration.mof on both site servers after the promotion (F9): the site does not sync it, so a hardware inventory customization on the old active server is missing on the new one. When the old server cannot be read (it is down), restore from your last backup (post_promotion_known_issues). Reported only."
  refs        = ["F9"]
  servers     = local.site_servers
  depends_on  = [step.promotion_verified]
  on_failure  = "continue"

  assert {
    condition = length(distinct([for s in self.output.servers : s.configuration_mof if s.readable])) <= 1
    message   = format("F9: configuration.mof differs: %s. The new active server %s lacks the old server's hardware inventory customization: copy the old file (or your backup) into <install dir>\\inboxes\\clifiles.src\\hinv on %s.", join(", ", [for s in self.output.servers : format("%s %s", s.server, s.configuration_mof) if s.readable]), var.passive_server, var.passive_server)
  }
}

check "components_after" {
  uses        = "configmgr_components"
  description = "Component status on the new active server. Critical components usually mean it lacks a right the old one had: local admin on remote site systems (P19, F7: SMS_SITE_SYSTEM_STATUS_SUMMARIZER cannot reach them) or package source shares (P18). Reported only."
  refs        = ["R01", "PF-09", "P18", "P19", "F7"]
  depends_on  = [step.promotion_verified]
  on_failure  = "continue"

  assert {
    condition = !anytrue([for c in self.output.components : c.status == 2 if lower(c.server) == local.passive_server])
    message   = format("Critical components on %s: %s. Check its rights on remote site systems and package source shares, and the component's log.", var.passive_server, join(", ", [for c in self.output.components : c.name if c.status == 2 && lower(c.server) == local.passive_server]))
  }
}

action "announce_restored" {
  uses        = "notify"
  description = "Tells the incident channel that site administration is back."
  refs        = ["PRU-06"]
  when        = var.webhook_url != ""
  depends_on  = [step.promotion_verified]
  webhook_url = var.webhook_url
  message     = format("ConfigMgr site %s: %s is now the active site server. Site administration and client registration are back. The old server %s will demote itself to passive when it returns; if it is lost, it must be deleted and a new passive server added.", var.site_code, var.passive_server, var.active_server)
  idempotent  = true
  on_failure  = "continue"
}

manual "rebuild_ha" {
  description  = "PP-08: the site has no passive site server now."
  refs         = ["PP-08"]
  when         = step.active_down.output
  depends_on   = [step.promotion_verified]
  instructions = "Until the old server returns, the site has no high availability. If the old server is damaged beyond repair: delete it from the console (Administration > Servers and Site System Roles: remove its site server role, then the server; an SMS Provider left on it must be removed first, see remove_passive.hcl), then add a new passive server with install_passive.hcl. If it will return: just start it; it reads the site database and demotes itself (baton's old_active_demoted step watches for up to 4 hours). Confirm once you have decided which."
  reason       = "Whether the old server can be repaired, and when, is known only to the people handling the incident."
}

# After every main step: the old server's return, watched for 4 hours (a
# post-task, so that it does not hold back the other post-tasks).

post "old_active_demoted" {
  uses        = "configmgr_site_servers"
  description = "Watches for the old active server's return for up to 4 hours: when it is restored (PRU-M1-1), it checks the site database (PRU-M1-2), sees that the other server took over, reconfigures itself (PRU-M1-3) and runs as the site server in passive mode (PRU-M1-4, FailoverMgr.log on it). It may never come back: a timeout here only means PP-08 applies."
  refs        = ["PRU-M1-1", "PRU-M1-2", "PRU-M1-3", "PRU-M1-4"]
  when        = step.active_down.output
  on_failure  = "continue"

  assert {
    condition = anytrue([for s in self.output.servers : s.mode == "passive" && s.status == "OK" if lower(s.name) == local.active_server])
    message   = format("%s has not come back as a passive site server with status OK within 4 hours: %s. If it is lost, follow PP-08 (rebuild_ha).", var.active_server, join("; ", [for s in self.output.servers : format("%s %s %s", s.name, s.mode, s.status) if lower(s.name) == local.active_server]))
  }

  retry {
    attempts  = 48
    backoff   = "5m"
    max_delay = "5m"
  }
}
