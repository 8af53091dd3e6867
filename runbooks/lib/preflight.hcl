# Preflight shared by install_passive and planned_promotion (with
# lib/common.hcl): is this a site that supports a passive site server, is it
# up, is the active site server the one the operator named, and are the
# roles placed as an HA site server pair requires? The ids are those of the
# domain reference (shared/domain/configmgr-ha.md §2, §4.9).
#
# unplanned_failover does not include this file: with the active server
# down the site's status is not "active", and role placement is no reason
# to refuse an emergency promotion.

check "site" {
  uses        = "configmgr_site"
  description = "Reads the site from the site database (v_Site) and checks that it can have a site server in passive mode: only a CAS or a primary site can (a secondary site cannot, although secondaries under an HA primary are fine). Also checks that the site is active and that its active site server is the one given in active_server, so that nothing below acts on the wrong server. If this step cannot even read the site, the site database (sql_server) is unreachable: fix that first, every HA procedure needs it."
  refs        = ["P01", "PF-10"]

  assert {
    condition = contains(["primary", "cas"], self.output.type)
    message   = format("Site %s is a %s site. A site server in passive mode is only supported at a CAS or a primary site (P01); nothing can be done here. Check site_code.", self.output.code, self.output.type)
  }

  assert {
    condition = self.output.status == 1
    message   = format("Site %s has status %d, not 1 (active): 2 pending, 3 failed, 5 upgrading. Let the site finish what it is doing (Monitoring > Site Status, Updates and Servicing) before changing its site servers.", self.output.code, self.output.status)
  }

  assert {
    condition = lower(self.output.server_name) == local.active_server
    message   = format("The site database says the active site server of %s is %s, but active_server is %s. If a promotion already happened, the servers have swapped roles: set active_server and passive_server to match Administration > Site Configuration > Sites (column Server Name) and start again.", self.output.code, self.output.server_name, var.active_server)
  }
}


check "site_server_roles" {
  uses        = "configmgr_roles"
  description = "Lists the distribution point and service connection point roles on the two HA site servers. A distribution point cannot use a remote content library, and once the library is moved no DP can be added to a site server (P05; it is also why Manage Content Library is greyed out, F5); the service connection point must not be on either HA site server (P06): beside the passive server SMS_CLOUD_SERVICES_MANAGER stays stopped and the cloud management gateway never deploys (F8). Both block the passive installation and make a promotion unsupported."
  refs        = ["P05", "P06", "PF-04", "PF-05", "F5", "F8"]
  servers     = local.site_servers
  roles       = ["SMS Distribution Point", "SMS Dmp Connector"]

  assert {
    condition = length([for r in self.output.roles : r if r.role == "SMS Distribution Point"]) == 0
    message   = format("A distribution point is installed on %s (P05). This is also why Administration > Sites > Manage Content Library is greyed out (F5). Add a distribution point on another server and let content reach it first, then remove the DP role from the site server (Administration > Servers and Site System Roles); otherwise the site may be left with no distribution point at all. Then run this again.", join(", ", distinct([for r in self.output.roles : r.server if r.role == "SMS Distribution Point"])))
  }

  assert {
    condition = length([for r in self.output.roles : r if r.role == "SMS Dmp Connector"]) == 0
    message   = format("The service connection point is on %s (P06). On the passive server its SMS_CLOUD_SERVICES_MANAGER stays stopped, and cloud management gateway deployment and monitoring never start (F8). Move it to another site system (install a new SCP there, then remove this one) and run this again.", join(", ", distinct([for r in self.output.roles : r.server if r.role == "SMS Dmp Connector"])))
  }
}

check "site_database_placement" {
  uses        = "configmgr_roles"
  description = "Checks that the site database (SMS SQL Server role) is not on the passive site server. A site server in passive mode must be a standalone server: it cannot be a node of the SQL Server Always On availability group that hosts the site database, and it cannot hold the site database itself (P08, documented only since 2022). Only the active server may sit on an AG node. Every replica of an availability group is registered as an SMS SQL Server site system, so a replica on the passive server shows up here."
  refs        = ["P08"]
  servers     = [local.passive_server]
  roles       = ["SMS SQL Server"]

  assert {
    condition = self.output.count == 0
    message   = format("%s holds the SMS SQL Server role (site database or an availability group replica of it). A passive site server must not be a node of the site database's availability group (P08). Use another server as the passive site server, or move the replica off this server first.", var.passive_server)
  }
}

check "reporting_point_placement" {
  uses        = "configmgr_roles"
  description = "Checks that no reporting services point runs on either HA site server. Roles with their own database should keep it on a server remote from both site servers, so that a switch of site server does not take the reports down (P10). A recommendation: a failure is reported and the run continues."
  refs        = ["P10"]
  servers     = local.site_servers
  roles       = ["SMS SRS Reporting Point"]
  on_failure  = "continue"

  assert {
    condition = self.output.count == 0
    message   = format("A reporting services point runs on %s (P10). It keeps working, but it is down whenever that server is; consider moving it to a server remote from both site servers.", join(", ", distinct([for r in self.output.roles : r.server])))
  }
}

check "site_server_hosts" {
  uses        = "configmgr_server_config"
  description = "Reads both site servers through PowerShell remoting (WinRM) for what the site database does not show. The SQL Server 2012 Native Client must be on the passive server: without it the failover manager's prerequisite check fails with \"CheckAdminOnSQL has failed\", reported as a SQL permission error, which it is not (F1, P15). The passive server must not be a node of a Windows failover cluster, such as an Always On availability group node: unsupported, documented only in 2022 (F12, P08). Both servers must require SMB signing: their computer accounts are admins on each other, and an NTLM relay to SMB between them is a known takeover path (F14, Misconfiguration Manager TAKEOVER-7)."
  refs        = ["F1", "F12", "F14", "P15", "P08"]
  servers     = local.site_servers

  assert {
    condition = self.output.all_readable
    message   = format("baton cannot read %s through PowerShell remoting, so the Native Client (F1), cluster membership (F12) and SMB signing (F14) are unchecked. Enable WinRM (Enable-PSRemoting) and give the runner's account local admin rights there, then run this again.", join("; ", [for s in self.output.servers : format("%s: %s", s.server, s.error) if !s.readable]))
  }

  assert {
    condition = alltrue([for s in self.output.servers : s.sql_native_client || !s.readable if lower(s.server) == local.passive_server])
    message   = format("F1: the SQL Server 2012 Native Client is not installed on %s. Without it the prerequisite check fails with \"CheckAdminOnSQL has failed\" in FailoverMgr.log, reported as a missing SQL sysadmin right: it is not a permission problem. Install the Native Client (sqlncli.msi, 11.4.7001 or later for TLS 1.2) on %s, then run this again.", var.passive_server, var.passive_server)
  }

  assert {
    condition = !anytrue([for s in self.output.servers : s.cluster_node if lower(s.server) == local.passive_server])
    message   = format("F12: %s is a node of a Windows Server failover cluster (the cluster service is installed), e.g. of an Always On availability group. A site server in passive mode on such a node is not supported. Use a standalone server.", var.passive_server)
  }

  assert {
    condition = alltrue([for s in self.output.servers : s.smb_signing_required || !s.readable])
    message   = format("F14: SMB signing is not required on %s. The HA site servers' computer accounts are admins on each other; without signing, NTLM relay to SMB between them is a known takeover path. Run Set-SmbServerConfiguration -RequireSecuritySignature $true there (or by group policy) and run this again.", join(", ", [for s in self.output.servers : s.server if s.readable && !s.smb_signing_required]))
  }
}

check "site_system_admins" {
  uses        = "configmgr_site_system_admins"
  description = "Checks that both site servers' computer accounts are in the local Administrators group of every remote site system of the site (F7, P19): the passive server needs it for its post-installation validation, and after a promotion Site System Status Summarizer cannot reach a system without it. Skipped when site systems are installed with a site system installation account (site_system_installation_account)."
  refs        = ["F7", "P19"]
  when        = !var.site_system_installation_account
  accounts    = local.computer_accounts

  assert {
    condition = length(self.output.failing) == 0
    message   = format("F7: not every remote site system has both site servers' computer accounts in its local Administrators group: %s. Add them (usually through the group policy or group that holds the active server's account), or set site_system_installation_account = true if site systems use an installation account.", join("; ", [for s in self.output.systems : s.readable ? format("%s lacks %s", s.server, join(", ", s.missing)) : format("%s cannot be read (%s)", s.server, s.error) if contains(self.output.failing, s.server)]))
  }
}
