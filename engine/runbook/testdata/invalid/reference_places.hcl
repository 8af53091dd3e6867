runbook "t" {
  lock = step.a.status # ERROR: Invalid reference
}

variable "site" {
  type = string

  validation {
    condition     = local.ok # ERROR: Invalid reference
    error_message = "bad"
  }
}

locals {
  ok = true
}

target "site" {
  type      = "fake_site"
  site_code = step.a.output.reachable # ERROR: Invalid reference
}

check "a" {
  uses       = "probe"
  host       = "m1"
  depends_on = [var.site] # ERROR: Invalid reference
}

backout "b" {
  uses    = "shell"
  command = "x"
  undoes  = "promote" # ERROR: Invalid reference
}
