runbook "t" {} # WARNING: No lock for a runbook that changes things

target "site" {
  type      = "fake_site"
  site_code = "PS1"
}

wait "forever" { # ERROR: Wait without timeout
  uses  = "site_fact"
  until = self.output.healthy
}

wait "mutating" {
  uses    = "site_action" # ERROR: Wait uses a mutating step type
  until   = self.output.job != ""
  timeout = "10m"
}

wait "no_until" { # ERROR: Missing required argument
  uses    = "site_fact"
  timeout = "10m"
}

wait "slow" {
  uses     = "site_fact"
  until    = self.output.healthy
  interval = "20m"
  timeout  = "10m" # WARNING: Wait interval longer than its timeout
}

wait "message_alone" {
  uses         = "site_fact"
  until        = self.output.healthy
  fail_message = "never shown" # WARNING: fail_message without fail_if
  timeout      = "10m"
}

wait "message_type" {
  uses         = "site_fact"
  until        = self.output.healthy
  fail_if      = !self.output.healthy
  fail_message = self.output # ERROR: Incorrect value type
  timeout      = "10m"
}

wait "stable_short" {
  uses       = "site_fact"
  until      = self.output.healthy
  interval   = "1m"
  stable_for = "30s" # ERROR: Invalid stable_for
  timeout    = "10m"
}

wait "stable_long" {
  uses       = "site_fact"
  until      = self.output.healthy
  stable_for = "10m" # ERROR: Invalid stable_for
  timeout    = "10m"
}

wait "stable_ok" {
  uses       = "site_fact"
  until      = self.output.healthy
  stable_for = "5m"
  timeout    = "10m"
}
