runbook "t" {}

action "a" {
  uses       = "shell"
  command    = "x"
  idempotent = true
  on_failure = "rollback" # ERROR: Invalid on_failure

  retry {
    attempts  = 3
    backoff   = "10m"
    max_delay = "1m" # ERROR: Invalid retry
  }

  retry { # ERROR: Duplicate retry block
  }

  verify {
    uses      = "probe"
    host      = "x"
    condition = true
  }

  verify { # ERROR: Duplicate verify block
    uses      = "probe"
    host      = "x"
    condition = true
  }
}

post "tidy" {
  uses       = "shell"
  command    = "x"
  idempotent = true
  always     = true # ERROR: always outside the main procedure
}
