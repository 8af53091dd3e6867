runbook "t" {}

locals {
  x = self.output # ERROR: Invalid use of self
}

check "a" {
  uses = "probe"
  host = self.output.reachable # ERROR: Invalid use of self
  when = self.output.reachable # ERROR: Invalid use of self
}

decision "d" {
  condition = self.output # ERROR: Invalid use of self
}
