runbook "t" {
  titel = "x" # ERROR: Unsupported argument
}

target "site" {
  type      = "fake_site"
  site_code = "PS1"
  sitecode  = "PS1" # ERROR: Unsupported argument
}

check "site" {
  uses = "site_fact"
  servr = "m1" # ERROR: Unsupported argument
}

approval "cab" {
  approvers = ["alice"]
  aprovers  = ["bob"] # ERROR: Unsupported argument
}

decision "d" {
  condition = true
  whenn     = true # ERROR: Unsupported argument
}
