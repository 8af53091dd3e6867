runbook "t" {
  title = "Promote ${var.site}" # ERROR: Variables not allowed
}

variable "site" {
  type = string
}

check "a" {
  uses        = "probe"
  host        = var.site
  description = step.b.status # ERROR: Variables not allowed
  timeout     = var.site # ERROR: Variables not allowed
}

check "b" {
  uses = "probe"
  host = "m"
}
