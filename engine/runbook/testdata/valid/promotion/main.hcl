runbook "planned_promotion" {
  title       = "Planned promotion of the passive site server"
  description = "Promote the passive site server of a primary site to active, during a change window."
  version     = "1.0.0"
  owner       = "configmgr-team@contoso.com"
  refs        = ["PRP"]
  include     = ["lib/preflight.hcl"]
  lock        = "configmgr-site/${var.site_code}"
  timeout     = "6h"

  change {
    type              = "normal"
    reason            = "Patch the active site server's operating system."
    risk              = "medium"
    mitigations       = ["Rehearsed on the lab site", "Back-out promotes the original server again"]
    impact            = "Console and SMS Provider unavailable during the promotion."
    expected_downtime = "30m"
    affected_services = ["ConfigMgr console", "Software distribution"]
    communication     = "Service desk informed the day before."
    implementers      = ["alice"]

    window {
      start = var.window_start
      end   = var.window_end
    }

    backout {
      summary        = "Promote the original server back."
      trigger        = "Promotion fails or the site is unhealthy after 45 minutes."
      restored_state = "The original server is active."
    }
  }
}

variable "site_code" {
  type        = string
  description = "Three-character site code."
  default     = "PS1"

  validation {
    condition     = can(regex("^[A-Z0-9]{3}$", var.site_code))
    error_message = "The site code must be three capital letters or digits."
  }
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
  type         = "fake_site"
  site_code    = var.site_code
  sql_password = var.sql_password
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
  instructions = "Ask console users to close their consoles."
  reason       = "No API tells who has a console open."
  refs         = ["PP-07"]
  depends_on   = [step.go_no_go]
}

action "promote" {
  uses               = "site_action"
  description        = "Promote the passive server."
  server             = var.passive_server
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
  uses        = "site_action"
  description = "Promote the passive server while the active one is down."
  server      = var.passive_server
  depends_on  = [step.stop_console_users]
  when        = !step.active_reachable.output
  idempotent  = true
  on_failure  = "backout"
}

wait "promotion_done" {
  uses       = "site_fact"
  until      = self.output.active == var.passive_server
  fail_if    = !self.output.healthy
  interval   = "30s"
  timeout    = "45m"
  depends_on = [step.promote, step.force_promote]
  # One of the two promotions is skipped: run after whichever ran.
  when = step.promote.status == "succeeded" || step.force_promote.status == "succeeded"
}

check "site_healthy" {
  uses        = "site_fact"
  fact        = "health"
  description = "The site is healthy after the promotion."
  depends_on  = [step.promotion_done]

  assert {
    condition = self.output.healthy
    message   = "Site ${var.site_code} is not healthy."
  }
}

backout "promote_back" {
  uses       = "site_action"
  undoes     = step.promote
  server     = step.site_type.output.active
  idempotent = true
}

post "reimport_dp_certs" {
  uses       = "shell"
  command    = "Reimport-DPCertificates -Site ${var.site_code} -Db ${local.db}"
  refs       = ["PP-01"]
  depends_on = [step.site_healthy]
}
