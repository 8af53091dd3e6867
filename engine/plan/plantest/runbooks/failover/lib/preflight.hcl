# Shared preflight checks.

check "site_type" {
  uses              = "site_fact"
  target            = target.site
  fact              = "site"
  description       = "The site is a primary site or a CAS."
  refs              = ["P01"]
  expected_duration = "30s"

  assert {
    condition = contains(["primary", "cas"], self.output.type)
    message   = "Only primary sites and CAS have passive site servers; this site is ${self.output.type}."
  }
}

check "passive_ok" {
  uses              = "site_fact"
  target            = target.site
  fact              = "servers"
  server            = var.passive_server
  description       = "The passive server is installed and OK."
  refs              = ["P02"]
  expected_duration = "30s"

  assert {
    condition = self.output.passive == var.passive_server
    message   = "The passive server is not ${var.passive_server}."
  }
}

check "probe_active" {
  uses              = "probe"
  host              = step.site_type.output.active
  expected_duration = "10s"
}

check "roles" {
  uses              = "configmgr_roles"
  target            = target.site
  description       = "Inventory the site system roles the failover affects."
  expected_duration = "20s"
}
