runbook "t" {}

locals {
  a = local.b # ERROR: Cycle in locals
  b = "${local.a}-x"
  c = step.x.output # ERROR: Invalid reference
}
