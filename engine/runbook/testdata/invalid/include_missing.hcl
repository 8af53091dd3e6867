runbook "t" {
  include = ["lib/nope.hcl"] # ERROR: Included file not found
}
