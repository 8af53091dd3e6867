runbook "t" {
  lock = "site/${var.site_cod}" # ERROR: Reference to undeclared variable
}

variable "site_code" {
  type = string
}

locals {
  db = "CM_${local.site}" # ERROR: Reference to undeclared local
}

target "site" {
  type      = "fake_site"
  site_code = var.site_code
}

check "site_type" {
  uses   = "site_fact"
  target = target.sit # ERROR: Reference to undeclared target
  server = step.site_tpe.output.active # ERROR: Reference to undeclared step
}

check "other" {
  uses       = "site_fact"
  depends_on = [step.site_typ] # ERROR: Reference to undeclared step
  when       = foo.bar # ERROR: Unknown variable
}
