# The canary runbook of secrets_test.go: a secret and a sensitive number
# reach a program through its environment (a secret sink), derived by each
# class of function, and the program prints them in every encoding; a
# notify and an http step talk to a webhook receiver.
runbook "canary" {
  title = "Secrets canary"
}

variable "secret" {
  type      = string
  sensitive = true
}

variable "pin" {
  type      = number
  sensitive = true
}

variable "hook" {
  type = string
}

variable "program" {
  type = string
}

locals {
  cased     = upper(var.secret)
  reversed  = strrev(var.secret)
  replaced  = replace(var.secret, "-", "_")
  formatted = format("<%s>", var.secret)
  templated = "t:${lower(var.secret)}:t"
}

action "echo" {
  uses    = "exec"
  command = [var.program]
  env = {
    BATON_TEST_SECRET_ECHO = "1"
    SECRET_PLAIN           = var.secret
    SECRET_CASED           = local.cased
    SECRET_REVERSED        = local.reversed
    SECRET_REPLACED        = local.replaced
    SECRET_FORMATTED       = local.formatted
    SECRET_TEMPLATED       = local.templated
    SECRET_BASE64          = base64encode(var.secret)
    SECRET_URL             = urlencode(var.secret)
    SECRET_NUMBER          = tostring(var.pin * 7)
  }
  idempotent = true
}

action "after" {
  uses    = "exec"
  command = [var.program]
  env     = { BATON_TEST_SECRET_ECHO = "1", SECRET_READ_STDIN = "1" }
  stdin   = step.echo.output.stdout
  idempotent = true
}

action "tell" {
  uses        = "notify"
  webhook_url = var.hook
  message     = "canary run: echo ${step.echo.status}"
  fields      = { runbook = "canary" }
  idempotent  = true
  depends_on  = [step.after]
}

action "post" {
  uses         = "http"
  method       = "POST"
  url          = var.hook
  bearer_token = var.secret
  json         = { status = "done", echo = step.echo.status }
  idempotent   = true
  depends_on   = [step.tell]
}

action "hello" {
  uses        = "notify"
  webhook_url = var.hook
  message     = "canary run starting"
  idempotent  = true
}
