# Is the passive site server ready to take over, and can anyone still reach
# an SMS Provider? Checked before every promotion, planned or not. Included
# by planned_promotion and unplanned_failover (with lib/common.hcl).

check "site_servers" {
  uses        = "configmgr_site_servers"
  description = "Reads the HA site servers of the site (Monitoring > Site Server Status: Mode and Status columns) and checks that there is exactly one passive site server, that it is passive_server, and that its status is OK: installed, ready, its components in standby (R08, PF-06). A passive server that shows Installing, InstallFailed or PrereqFailed cannot be promoted."
  refs        = ["P03", "R08", "PF-06"]

  assert {
    condition = self.output.passive_count == 1
    message   = format("Site has %d site servers in passive mode; a promotion needs exactly one (P03). With none, high availability is not set up: run install_passive.hcl first.", self.output.passive_count)
  }

  assert {
    condition = lower(self.output.passive) == local.passive_server
    message   = format("The passive site server is %s, not %s. Set passive_server (and active_server) to match Monitoring > Site Server Status.", self.output.passive, var.passive_server)
  }

  assert {
    condition = alltrue([for s in self.output.servers : s.status == "OK" if lower(s.name) == local.passive_server])
    message   = format("The passive site server %s is not OK: %s. Open Monitoring > Site Server Status, select it, Show Status; read FailoverMgr.log on both servers. A failed installation can be retried (Retry installation) once the cause is fixed.", var.passive_server, join("; ", [for s in self.output.servers : format("%s %s (%s)", s.name, s.status, s.detail) if lower(s.name) == local.passive_server]))
  }
}

check "providers" {
  uses        = "configmgr_providers"
  description = "Lists the SMS Providers of the site and probes each from the runner. Without a reachable provider nobody can connect a console or PowerShell to the site, and the promotion cannot even be started (R07). Setup installs a provider on the passive site server; that is the one that still answers when the active server is down, so it must be reachable. Known problem (§7.3): the passive server's provider can install without registering, and then it is missing from this list."
  refs        = ["R07"]

  assert {
    condition = self.output.reachable_count >= 1
    message   = "No SMS Provider of the site answers from the runner (R07): nobody can connect to the site to promote. Check the SMS Provider servers (WMI service, firewall for RPC/WMI and HTTPS 443 to the AdminService)."
  }

  assert {
    condition = anytrue([for p in self.output.providers : p.reachable if lower(p.server) == local.passive_server])
    message   = format("The SMS Provider on the passive site server %s is missing or does not answer (R07). When the active server is down it is the only way into the site. If it is missing from the list, it did not register (§7.3): check smsprov.log and SMSProviderSetup on %s, or run Setup > Site Maintenance > Modify SMS Provider configuration.", var.passive_server, var.passive_server)
  }
}
