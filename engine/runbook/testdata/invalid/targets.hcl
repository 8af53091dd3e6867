runbook "t" {}

target "s1" {
  type      = "fake_site"
  site_code = "PS1"
}

target "s2" {
  type      = "fake_site"
  site_code = "PS2"
}

target "db" {
  type = "fake_sql"
  dsn  = "sqlserver://db"
}

target "bad" {
  type = "fake_sit" # ERROR: Unknown target type
}

check "ambiguous" { # ERROR: Ambiguous target
  uses = "site_fact"
}

check "wrong_type" {
  uses   = "site_fact"
  target = target.db # ERROR: Wrong target type
}

check "no_target_needed" {
  uses   = "probe"
  host   = "m1"
  target = target.s1 # ERROR: Unexpected target
}

check "explicit" {
  uses   = "site_fact"
  target = target.s2
}

check "not_a_target" {
  uses   = "site_fact"
  target = var.x # ERROR: Invalid reference
}
