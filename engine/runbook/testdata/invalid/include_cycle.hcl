runbook "t" {
  include = ["lib/cycle_a.hcl"]
}
