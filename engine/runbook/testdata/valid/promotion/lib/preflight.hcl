# Shared preflight checks.

check "site_type" {
  uses        = "site_fact"
  fact        = "site"
  description = "The site is a primary site or a CAS."
  refs        = ["P01", "PF-10"]
  target      = target.site

  assert {
    condition = contains(["primary", "cas"], self.output.type)
    message   = "Only primary sites and CAS have passive site servers."
  }

  on_failure = "abort"
}

check "passive_ok" {
  uses        = "site_fact"
  description = "The passive server is installed and OK."
  refs        = ["P02"]
  server      = var.passive_server

  assert {
    condition = self.output.passive == var.passive_server
    message   = "The passive server is not ${var.passive_server}."
  }
}

check "probe_active" {
  uses = "probe"
  host = step.site_type.output.active
}
