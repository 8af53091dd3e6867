runbook "t" {
  allowed_signers = "lib/bad_signers" # ERROR: Invalid allowed_signers
}

target "site" {
  type      = "fake_site"
  site_code = "PS1"
}

check "c" {
  uses = "site_fact"
}
