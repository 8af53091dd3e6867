runbook "t" {}

variable "enabled" {
  type    = bool
  default = true
}

check "off" {
  uses = "probe"
  host = "m1"
  when = false # ERROR: Step can never run
}

check "after_off" {
  uses       = "probe"
  host       = "m2"
  depends_on = [step.off] # ERROR: Step can never run
}

check "ok_by_var" {
  uses = "probe"
  host = "m3"
  when = var.enabled
}

check "contradiction" {
  uses = "probe"
  host = "m4"
  when = length([]) > 0 # ERROR: Step can never run
}
