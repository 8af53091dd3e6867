runbook "forbidden" {
  title = "Every forbidden flow of a secret"
}

variable "secret" {
  type      = string
  sensitive = true
}

variable "pin" {
  type      = number
  sensitive = true
}

action "echo" {
  uses       = "exec"
  command    = ["printenv", "PW"]
  env        = { PW = var.secret }
  idempotent = true
}

action "chat" {
  uses        = "notify"
  webhook_url = "https://hooks.example.invalid/x"
  message     = format("pw %s", var.secret)
  fields      = { echoed = step.echo.output.stdout, number = tostring(var.pin + 1) }
  idempotent  = true
}

action "api" {
  uses       = "http"
  method     = "POST"
  url        = "https://api.example.invalid/${urlencode(var.secret)}"
  headers    = { "X-Debug" = strrev(var.secret) }
  body       = base64encode(upper(var.secret))
  idempotent = true
}

action "argv" {
  uses       = "exec"
  command    = ["tool", "--password", replace(var.secret, "a", "b")]
  idempotent = true
}
