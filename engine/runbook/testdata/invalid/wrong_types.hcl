runbook "t" { # WARNING: No lock for a runbook that changes things
  timeout = 5 # ERROR: Incorrect value type
}

target "site" {
  type      = "fake_site"
  site_code = "PS1"
}

approval "cab" {
  approvers     = ["alice", "bob"]
  min_approvals = "two" # ERROR: Incorrect value type
  expires_after = "8 hours" # ERROR: Invalid duration
}

action "promote" {
  uses               = "site_action"
  point_of_no_return = "yes" # ERROR: Incorrect value type
  idempotent         = true
  timeout            = "-5m" # ERROR: Invalid duration
  refs               = "P01" # ERROR: Incorrect value type
  when               = "maybe" # ERROR: Incorrect value type

  retry {
    attempts = 0 # ERROR: Invalid value
  }
}
