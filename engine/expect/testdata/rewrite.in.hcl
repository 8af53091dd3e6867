# A team's file: comments and order are kept.
runbook          = "planned_promotion.hcl"
fixture          = "contoso"
all_scenarios_of = ["contoso"]

# Was right, still is.
case "healthy" {
  scenario = "healthy"
  outcome  = "succeeded" # the happy path
  blocked  = []
  branches = { promotion_failed = false }
}

# Lists two facts: they are kept, with the values they have now.
case "degraded" {
  scenario = "secondary-replication-degraded"
  outcome  = "succeeded"
  changes  = { promote = "succeeded" }
  site = {
    "replication/SS1->PS1/Secondary Site Data" = "active"
    "post_promotion/promoted_at"               = "14m0s"
  }

  # The chair says yes.
  answer "cab" {
    by       = "cab-chair" # at once
    decision = "approved"
  }
}

# Did not run (an error): left as it is.
case "broken" {
  scenario = "nope"
  outcome  = "succeeded"
}
