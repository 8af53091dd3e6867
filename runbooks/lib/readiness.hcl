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

# The passive server keeps up with the site (F2): a site update also
# updates the passive server, and that can fail (2006/2010: the Defender
# ATP agent's files were not copied) while its status still shows OK.

check "passive_version_read" {
  uses        = "configmgr_server_config"
  description = "Reads the ConfigMgr version installed on the passive site server through PowerShell remoting, to compare it with the site's version (F2). A site update also updates the passive server; when that fails its status can still show OK."
  refs        = ["F2", "R05"]
  servers     = [local.passive_server]
}

decision "passive_lags" {
  description = "Does the passive server run another ConfigMgr version than the site (F2)? Then it must be updated by hand before any promotion."
  refs        = ["F2"]
  condition   = !anytrue([for s in step.passive_version_read.output.servers : s.readable && s.configmgr_version == step.site.output.version])
}

manual "update_passive_by_hand" {
  description  = "F2: bring the passive server to the site's version."
  refs         = ["F2"]
  when         = step.passive_lags.output
  instructions = "The passive site server does not run the site's version (see passive_version_read and the site step's version). Known cause (release notes, version 2010): the update of the passive server fails because files of the MMA (Defender ATP) agent were not copied. Workaround: on the active server copy <install dir>\\CMUStaging\\<update GUID>\\Redist\\MMASetup-*.exe into <install dir>\\cd.latest\\redist (and the client folders the release note lists), delete <install dir>\\inboxes\\failovermgr.box\\siteserver.pkg, then Updates and Servicing > the update > Retry installation, and watch FailoverMgr.log on both servers. Verify before you confirm: Invoke-Command -ComputerName <passive> { (Get-ItemProperty 'HKLM:\\SOFTWARE\\Microsoft\\SMS\\Setup').'Full Version' } equals the Version column of SELECT Version FROM v_Site WHERE SiteCode = '<site>'. baton reads it again after you confirm."
  reason       = "The workaround copies files between the update's staging folders and retries the update in the console; which files depends on the update, and a person must judge it."
}

check "passive_version" {
  uses        = "configmgr_server_config"
  description = "Refuses the promotion while the passive site server lags the site's version (F2): a promotion would make a server of another version the site server. Read again after update_passive_by_hand, when that applied."
  refs        = ["F2", "R08"]
  servers     = [local.passive_server]
  depends_on  = [step.update_passive_by_hand]

  assert {
    condition = alltrue([for s in self.output.servers : s.readable && s.configmgr_version == step.site.output.version])
    message   = format("F2: the passive site server %s runs ConfigMgr %s, the site %s. Never promote a passive server that lags the site: update it (update_passive_by_hand) and run this again.", var.passive_server, join(", ", [for s in self.output.servers : s.readable ? (s.configmgr_version == "" ? "no version" : s.configmgr_version) : format("(unreadable: %s)", s.error)]), step.site.output.version)
  }
}
