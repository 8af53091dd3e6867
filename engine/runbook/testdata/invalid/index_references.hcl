runbook "t" {} # WARNING: No lock for a runbook that changes things

target "site" {
  type      = "fake_site"
  site_code = "PS1"
}

action "first" {
  uses       = "site_action"
  idempotent = true
}

action "second" {
  uses       = "site_action"
  idempotent = true
  depends_on = [step.0] # ERROR: Invalid reference
  target     = target.0 # ERROR: Invalid reference
}

backout "undo" {
  uses       = "site_action"
  idempotent = true
  undoes     = step.0 # ERROR: Invalid reference
}
