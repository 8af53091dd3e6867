runbook "t" {}

check "site" { # ERROR: Missing target
  uses = "site_fact"
}
