runbook "t" {} # WARNING: No lock for a runbook that changes things

target "site" {
  type      = "fake_site"
  site_code = "PS1"
}

action "promote" { # WARNING: Action can't be verified
  uses   = "site_action"
  server = "m2"
}

action "idempotent" {
  uses       = "site_action"
  idempotent = true
}

action "verified" {
  uses = "site_action"

  verify {
    uses      = "site_fact"
    condition = self.output.active == "m2"
  }
}

action "read_only" {
  uses = "probe"
  host = "m1"
}
