runbook "t" {
  allowed_signers = "lib/no_such_signers" # ERROR: Cannot read allowed_signers
}

target "site" {
  type      = "fake_site"
  site_code = "PS1"
}

check "c" {
  uses = "site_fact"
}
