runbook "t" {
  description = "Password ${var.sql_password}" # ERROR: Sensitive value not allowed here
  lock        = "site/${var.sql_password}" # ERROR: Sensitive value not allowed here
}

variable "sql_password" {
  type      = string
  sensitive = true

  validation {
    condition     = length(var.sql_password) >= 8
    error_message = "Too short: ${var.sql_password}" # ERROR: Sensitive value not allowed here
  }
}

locals {
  conn = "Server=db;Password=${var.sql_password}"
  safe = nonsensitive(length(var.sql_password) > 0) # WARNING: Secret declared safe to show
}

target "site" {
  type         = "fake_site"
  site_code    = "PS1"
  sql_password = var.sql_password
}

check "login" {
  uses   = "site_fact"
  server = local.conn # ERROR: Secret flows into an argument that is not secret
  when   = local.conn != "" # ERROR: Sensitive value not allowed here

  assert {
    condition = self.output.healthy
    message   = "bad: ${self.output.active}" # ERROR: Sensitive value not allowed here
  }
}

check "after_login" {
  uses = "probe"
  host = "m1"
  when = step.login.output.healthy # ERROR: Sensitive value not allowed here
}

decision "d" {
  condition = var.sql_password == "x" # ERROR: Sensitive value not allowed here
}

manual "m" {
  instructions = "Type ${var.sql_password}" # ERROR: Sensitive value not allowed here
}

check "fine" {
  uses = "probe"
  host = "m2"
  when = local.safe
}

action "set_password" {
  uses       = "site_action"
  password   = var.sql_password
  idempotent = true
}
