runbook "t" {}

variable "site_code" {}
variable "site_code" {} # ERROR: Duplicate variable

locals {
  a = 1
}

locals {
  a = 2 # ERROR: Duplicate local
}

target "site" {
  type      = "fake_site"
  site_code = "PS1"
}

target "site" { # ERROR: Duplicate target
  type      = "fake_site"
  site_code = "PS2"
}

check "x" {
  uses = "probe"
  host = "m1"
}

decision "x" { # ERROR: Duplicate step name
  condition = true
}
