runbook "site_failover" {
  title       = "Planned failover of the site server to its passive partner"
  description = "Promote the passive site server of primary site PS1 during a change window."
  version     = "2.1.0"
  owner       = "configmgr-team@contoso.com"
  refs        = ["PRP"]
  include     = ["lib/preflight.hcl"]
  lock        = "site/${var.site_code}"

  change {
    type              = "normal"
    reason            = "Patch the active site server's operating system without downtime for clients."
    risk              = "medium"
    mitigations       = ["Rehearsed against the contoso/healthy fixture", "Back-out promotes the original server again"]
    impact            = "The console and SMS Provider are unavailable while the roles move."
    expected_downtime = "30m"
    affected_services = ["ConfigMgr console", "Software distribution"]
    communication     = "Service desk informed the day before; status in #configmgr."
    implementers      = ["alice", "bob"]

    window {
      start = var.window_start
      end   = var.window_end
    }

    backout {
      summary        = "Promote the original server back to active."
      trigger        = "The promotion fails, or the site is unhealthy 45 minutes after it."
      restored_state = "The original server is active and the passive server is passive again."
    }
  }
}

variable "site_code" {
  type        = string
  description = "Three-character site code."
  default     = "PS1"
}

variable "passive_server" {
  type = string
}

variable "sql_password" {
  type      = string
  sensitive = true
}

variable "window_start" {
  type    = string
  default = "2026-03-14T20:00:00Z"
}

variable "window_end" {
  type    = string
  default = "2026-03-15T02:00:00Z"
}

locals {
  db = "CM_${var.site_code}"
}

target "site" {
  type     = "fake_site"
  server   = "cm01.contoso.com"
  password = var.sql_password
}

decision "active_reachable" {
  description = "Is the current active server reachable?"
  refs        = ["PRU-D1"]
  condition   = step.probe_active.output.reachable
}

approval "go_no_go" {
  description   = "Go/no-go for the promotion."
  approvers     = ["alice", "bob", "carol"]
  min_approvals = 2
  expires_after = "8h"
  instructions  = "Check the preflight results in the plan."
  depends_on    = [step.site_type, step.passive_ok]
}

manual "stop_console_users" {
  instructions      = "Ask console users to close their consoles."
  reason            = "No API tells who has a console open."
  refs              = ["PP-07"]
  expected_duration = "10m"
  depends_on        = [step.go_no_go]
}

action "promote" {
  uses               = "site_change"
  target             = target.site
  description        = "Promote the passive server."
  server             = var.passive_server
  setting            = "role"
  value              = "active"
  password           = var.sql_password
  depends_on         = [step.stop_console_users]
  when               = step.active_reachable.output
  expected_duration  = "15m"
  timeout            = "30m"
  point_of_no_return = true
  on_failure         = "backout"
  refs               = ["P10"]

  retry {
    attempts  = 3
    backoff   = "30s"
    max_delay = "5m"
  }

  verify {
    uses      = "site_fact"
    condition = self.output.active == var.passive_server
  }
}

action "force_promote" {
  uses              = "site_change"
  target            = target.site
  description       = "Promote the passive server while the active one is down."
  server            = var.passive_server
  setting           = "role"
  value             = "active-forced"
  depends_on        = [step.stop_console_users]
  when              = !step.active_reachable.output
  expected_duration = "20m"
  timeout           = "40m"
  idempotent        = true
  on_failure        = "backout"
}

wait "promotion_done" {
  uses              = "site_fact"
  target            = target.site
  fact              = "servers"
  until             = self.output.active == var.passive_server
  fail_if           = !self.output.healthy
  interval          = "30s"
  timeout           = "45m"
  expected_duration = "10m"
  depends_on        = [step.promote, step.force_promote]
}

check "site_healthy" {
  uses              = "site_fact"
  target            = target.site
  fact              = "health"
  description       = "The site is healthy after the promotion."
  expected_duration = "1m"
  depends_on        = [step.promotion_done]

  assert {
    condition = self.output.healthy
    message   = "Site ${var.site_code} is not healthy."
  }
}

backout "promote_back" {
  uses              = "site_change"
  target            = target.site
  undoes            = step.promote
  server            = step.site_type.output.active
  setting           = "role"
  value             = "active"
  expected_duration = "15m"
  timeout           = "30m"
  idempotent        = true
}

backout "notify_backout" {
  uses              = "site_change"
  setting           = "banner"
  value             = "Failover of ${var.site_code} backed out"
  expected_duration = "1m"
}

post "refresh_dp_certs" {
  uses              = "site_change"
  target            = target.site
  setting           = "dp_certificates"
  value             = "reimport ${local.db}"
  refs              = ["PP-01"]
  expected_duration = "5m"
  depends_on        = [step.site_healthy]
}
