# Deliberately wrong expectations: every kind of difference baton test
# reports, and cases that cannot run.

runbook = "planned_promotion.hcl"
fixture = "contoso"

case "right" {
  scenario = "healthy"
  outcome  = "succeeded"
}

case "wrong everywhere" {
  scenario = "secondary-replication-degraded"
  outcome  = "succeeded"
  blocked  = ["hierarchy"]
  branches = {
    promotion_failed = false
  }
  changes = {
    promote = "succeeded"
  }
  site = {
    "site_server/cm02.contoso.com/mode"        = "active"
    "replication/SS1->PS1/Secondary Site Data" = "degraded"
    "post_promotion/promoted_at"               = "14m0s"
    "site/code"                                = "PS2"
    operations                                 = null
  }
}

case "not written yet" {
  scenario = "healthy"
}

case "no such scenario" {
  scenario = "healthy-ish"
  outcome  = "succeeded"
}

case "no such variable" {
  scenario = "healthy"
  vars     = { quiet_period = "1d" }
  outcome  = "succeeded"
}

case "answered by a stranger" {
  scenario = "healthy"
  outcome  = "succeeded"

  answer "cab" {
    by       = "mallory"
    decision = "approved"
  }
}
