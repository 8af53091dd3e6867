runbook "t" {
  include = ["lib/with_runbook.hcl"]
}
