runbook "t" {} # WARNING: No lock for a runbook that changes things

target "site" {
  type      = "fake_site"
  site_code = 42
}

target "other" { # ERROR: Missing required argument
  type = "fake_sql"
}

check "probe" { # ERROR: Missing required argument
  uses = "probe"
}

action "promote" {
  uses       = "site_action"
  idempotent = true
  count      = "three" # ERROR: Incorrect attribute value type
  server     = step.site.output.nope # ERROR: Unsupported attribute
}

check "site" {
  uses   = "site_fact"
  server = ["m1"] # ERROR: Incorrect attribute value type
}
