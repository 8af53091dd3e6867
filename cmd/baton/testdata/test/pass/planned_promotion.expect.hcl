# A team's expectations of the planned promotion runbook shipped with
# baton (runbook names a shipped runbook when no file of that name is next
# to this one), rehearsed against the shipped contoso fixture.

runbook = "planned_promotion.hcl"
fixture = "contoso"

# Every approval answered at once (approve_all is the default).
case "healthy" {
  scenario = "healthy"
  outcome  = "succeeded"
  blocked  = []
  branches = {
    passive_lags     = false
    promotion_failed = false
  }
}

# The change board says no: one of two approvers rejects.
case "cab rejects" {
  scenario = "healthy"

  answer "cab" {
    by       = "cab-chair"
    decision = "rejected"
    after    = "20m"
    comment  = "not this week"
  }

  outcome = "failed"
  blocked = ["cab"]
  branches = {
    passive_lags = false
  }
}

# Nobody answers: the run waits where a real one would.
case "nobody answers" {
  scenario    = "healthy"
  approve_all = false
  outcome     = "paused"
  blocked     = []
  branches = {
    passive_lags = false
  }
}

# The approvals come after the approval's 8h expiry.
case "approval expires" {
  scenario  = "healthy"
  approvals = "late.json"
  outcome   = "failed"
  blocked   = ["cab"]
  branches = {
    passive_lags = false
  }
}

# A pre-production client, accepted: the promotion goes ahead and leaves
# the Client folder to fix (PP-07).
case "pre-production client accepted" {
  scenario = "pre-production-client"
  vars = {
    update_quiet_period          = "1d"
    accept_pre_production_client = true
  }
  outcome = "succeeded"
  blocked = []
  branches = {
    passive_lags     = false
    promotion_failed = false
  }
  # Only the facts listed are compared.
  site = {
    "post_promotion/client_folder_wrong" = true
    "post_promotion/promoted_at"         = "14m0s"
    "site_server/cm02.contoso.com/mode"  = "active"
  }
}
