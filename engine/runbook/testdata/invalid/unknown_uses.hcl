runbook "t" {}

check "x" {
  uses = "site_fct" # ERROR: Unknown step type
}

action "y" {
  uses = "promote_site" # ERROR: Unknown step type
}

check "z" { # ERROR: Missing step type
  description = "no uses"
}
