runbook "t" {}

variable "servers" {
  type    = list(string)
  default = ["a"]
}

variable "secret_servers" {
  type      = list(string)
  sensitive = true
  default   = ["a"]
}

locals {
  first = each.key # ERROR: Invalid reference
}

check "once" {
  uses = "probe"
  host = each.value # ERROR: Invalid use of each
}

check "twice" {
  uses     = "probe"
  for_each = ["a", "a"] # ERROR: Invalid for_each
  host     = each.key
}

check "numbers" {
  uses     = "probe"
  for_each = [1, 2] # ERROR: Invalid for_each
  host     = each.key
}

check "itself" {
  uses     = "probe"
  for_each = [each.key] # ERROR: Invalid reference
  host     = each.key
}

check "bad_attr" {
  uses     = "probe"
  for_each = var.servers
  host     = each.name # ERROR: Invalid reference
}

check "secret" {
  uses     = "probe"
  for_each = var.secret_servers # ERROR: Sensitive value not allowed here
  host     = each.key
}

approval "gate" {
  approvers = ["alice"]
  for_each  = var.servers # ERROR: for_each not allowed here
}

check "list" {
  uses = "probe"
  host = "cm01"
}

manual "by_step" {
  instructions = "Fix ${step.list.output.reachable}" # ERROR: Invalid reference
}
