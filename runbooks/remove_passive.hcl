runbook "remove_passive" {
  title       = "Remove the site server in passive mode"
  description = "Removes the site server role from the passive site server, as for any site system role: the failover manager handles the request (status in component SMS_FAILOVER_MANAGER). Refuses to touch the active server. Afterwards it looks for the SMS Provider that setup put on the passive server: it is not removed with the role, keeps being used (tenant attach) and blocks deleting the server until it is removed through Setup > Site Maintenance (§7.3)."
  version     = "1.0.0"
  owner       = "configmgr-team@contoso.com"
  refs        = ["RMV"]
  include     = ["lib/common.hcl"]
  lock        = "configmgr-site/${var.site_code}"
  timeout     = "6h"

  change {
    type              = "normal"
    reason            = "Remove the passive site server (to replace or retire the server)."
    risk              = "low"
    mitigations       = ["The runbook refuses when the named server is the active site server.", "The leftover SMS Provider is found and removed before the server is deleted."]
    impact            = "No client impact and no site outage. The site has no high availability until a new passive server is added (install_passive.hcl)."
    expected_downtime = "0m"
    affected_services = ["ConfigMgr site server high availability"]
    communication     = "ConfigMgr team informed."
    implementers      = ["configmgr-team"]

    window {
      start = var.window_start
      end   = var.window_end
    }

    backout {
      summary        = "Add the server back as passive site server with install_passive.hcl (about an hour)."
      trigger        = "High availability is needed again before a replacement is ready."
      restored_state = "The site has a passive site server again."
    }
  }
}

variable "provider" {
  type        = string
  description = "SMS Provider baton uses (FQDN); empty means the one on active_server. Not the one on the server being removed."
  default     = ""
}

locals {
  # The SMS Provider to talk to (see variable "provider").
  provider = var.provider != "" ? var.provider : var.active_server
}

variable "window_start" {
  type        = string
  description = "Start of the approved change window, RFC 3339. null: no window is declared."
  default     = null
}

variable "window_end" {
  type        = string
  description = "End of the approved change window, RFC 3339. null: no window is declared."
  default     = null
}

check "site_servers" {
  uses        = "configmgr_site_servers"
  description = "Checks that passive_server is the site server in passive mode and not the active one: removing the active site server's role would take the site down."
  refs        = ["RMV", "P03"]

  assert {
    condition = lower(self.output.active) != local.passive_server
    message   = format("%s is the ACTIVE site server. Promote the other server first (planned_promotion.hcl), then remove this one.", var.passive_server)
  }

  assert {
    condition = lower(self.output.passive) == local.passive_server
    message   = self.output.passive == "" ? format("The site has no passive site server, so there is nothing to remove (passive_server is %s).", var.passive_server) : format("The passive site server is %s, not %s. Set passive_server to the server shown with Mode Passive in Monitoring > Site Server Status.", self.output.passive, var.passive_server)
  }

  assert {
    condition = anytrue([for s in self.output.servers : s.status == "OK" && s.mode == "active"])
    message   = format("The active site server is not OK (%s). Removing the passive role is done through the active site server: bring it back first, or promote the passive server if the active one is lost (unplanned_failover.hcl).", join("; ", [for s in self.output.servers : format("%s %s %s", s.name, s.mode, s.status)]))
  }
}

check "provider_not_on_passive" {
  uses        = "assert"
  description = "baton must not talk to the site through the SMS Provider of the server it removes."
  refs        = ["RMV", "R07"]
  condition   = lower(local.provider) != local.passive_server
  message     = format("provider is %s, the server being removed. Use the active server's provider.", local.provider)
}

check "passive_roles" {
  uses        = "configmgr_roles"
  description = "Lists the roles on the passive server: roles added after its installation (management point, SUP...) are not removed with the site server role and keep serving clients."
  refs        = ["RMV"]
  servers     = [local.passive_server]
}

approval "cab" {
  description   = "Approval to remove the passive site server: the site loses high availability."
  approvers     = ["configmgr-service-owner", "infrastructure-change-manager"]
  min_approvals = 1
  expires_after = "24h"
  depends_on    = [step.site_servers, step.provider_not_on_passive, step.passive_roles]
  instructions  = "After approval the site has no passive site server until a new one is installed. Other roles on the server (see passive_roles) stay."
}

action "remove_site_server" {
  uses              = "configmgr_remove_site_server"
  description       = "Removes the site server role from the passive server (Administration > Servers and Site System Roles > the server > Site server > Remove Role). The failover manager does the work; watch SMS_FAILOVER_MANAGER status messages and FailoverMgr.log on the active server."
  refs              = ["RMV"]
  depends_on        = [step.cab]
  server            = var.passive_server
  expected_duration = "1m"
  timeout           = "15m"

  verify {
    uses      = "configmgr_site_servers"
    condition = !contains([for s in self.output.servers : lower(s.name)], local.passive_server) || lower(self.output.passive) != local.passive_server
  }
}

wait "removed" {
  uses              = "configmgr_site_servers"
  description       = "Waits until the site has no passive site server and the active one is OK. Gives up after an hour: check SMS_FAILOVER_MANAGER in Monitoring > Component Status."
  refs              = ["RMV"]
  depends_on        = [step.remove_site_server]
  until             = self.output.passive_count == 0 && self.output.all_ok
  interval          = "1m"
  expected_duration = "15m"
  timeout           = "1h"
}

check "leftover_provider" {
  uses        = "configmgr_roles"
  description = "Looks for the SMS Provider that setup installed on the passive server: it is not removed with the site server role (§7.3, F11, memdocs PR #3929)."
  refs        = ["RMV", "R07", "F11"]
  depends_on  = [step.removed]
  servers     = [local.passive_server]
  roles       = ["SMS Provider"]
}

decision "provider_left_behind" {
  description = "Is an SMS Provider still registered on the removed server?"
  refs        = ["RMV"]
  condition   = step.leftover_provider.output.count > 0
}

manual "remove_leftover_provider" {
  description  = "§7.3, F11: remove the SMS Provider left on the old passive server."
  refs         = ["RMV", "R07", "F11"]
  when         = step.provider_left_behind.output
  instructions = "The SMS Provider that setup installed on the passive server is still registered there. Until it is removed, the server cannot be deleted from the site and tenant attach (and consoles picking it at random) may keep using it. On the active site server run ConfigMgr Setup (<install dir>\\bin\\X64\\setup.exe) > Perform site maintenance or reset this site > Modify SMS Provider configuration, and remove the provider on this server. Check smsprov.log and that Administration > Site Configuration > Sites > Properties no longer lists it; the query SELECT ServerName FROM v_SystemResourceList WHERE RoleName = 'SMS Provider' AND ServerName = '<passive>' returns no row. Confirm: baton runs that query next (provider_removed)."
  reason       = "SMS Provider configuration is changed only through ConfigMgr Setup's site maintenance wizard; no cmdlet or API removes a provider."
}

check "provider_removed" {
  uses        = "configmgr_roles"
  description = "Verifies the Site Maintenance step: no SMS Provider is registered on the removed server any more (F11). While one is, the server cannot be deleted and tenant attach may keep using it; the run reports it and does not offer to delete the server."
  refs        = ["F11", "RMV"]
  when        = step.provider_left_behind.output
  depends_on  = [step.remove_leftover_provider]
  servers     = [local.passive_server]
  roles       = ["SMS Provider"]
  on_failure  = "continue"

  assert {
    condition = self.output.count == 0
    message   = format("F11: an SMS Provider is still registered on %s after the Site Maintenance step was confirmed. Remove it (Setup > Site Maintenance > Modify SMS Provider configuration) before deleting the server; check smsprov.log.", var.passive_server)
  }
}

manual "delete_server" {
  description  = "Retire the server (optional)."
  refs         = ["RMV", "PP-08"]
  depends_on   = [step.removed, step.remove_leftover_provider, step.provider_removed]
  instructions = "If the server is retired: remove its remaining roles (see passive_roles), then delete it in Administration > Servers and Site System Roles, remove its computer account from SQL Server (login and CM_<site> user), from the local Administrators groups of the site systems and from the content library share. To restore high availability, add a new passive server with install_passive.hcl. Confirm (or confirm that the server stays)."
  reason       = "Whether the server is retired or kept for other roles is the team's decision."
}
