# An expectation file with mistakes: each is reported with file:line:col.

runbook = "planned_promotion.hcl"
fixture = "contoso"
owner   = "configmgr-team"

case "healthy" {
  scenario = "healthy"
  outcom   = "succeeded"
  site = {
    "sever/cm02.contoso.com/mode" = "active"
    "site/code"                   = { code = "PS1" }
  }
}

case "healthy" {
  scenario = "healthy"
  outcome  = "won"
  branches = { promotion_failed = "yes" }
}

case "answers" {
  scenario       = "healthy"
  approve_all    = false
  approval_delay = "15m"

  answer "cab" {
    by       = var.approver
    decision = "maybe"
  }
}
