runbook "t" {} # WARNING: No lock for a runbook that changes things

target "site" {
  type      = "fake_site"
  site_code = "PS1"
}

check "promote" {
  uses = "site_action" # ERROR: Check uses a mutating step type
}

action "promote2" {
  uses = "site_action"

  verify {
    uses      = "shell" # ERROR: Verify uses a mutating step type
    command   = "x"
    condition = true
  }
}
