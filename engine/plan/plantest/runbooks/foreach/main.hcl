runbook "per_system" {
  title   = "One step per distribution point and per site system"
  version = "1.0.0"
  lock    = "fake_site/${var.site_code}"
}

variable "site_code" {
  type    = string
  default = "PS1"
}

variable "distribution_points" {
  type    = list(string)
  default = ["dp01.contoso.com", "dp02.contoso.com"]
}

target "site" {
  type   = "fake_site"
  server = "cm01.contoso.com"
}

check "roles" {
  uses   = "configmgr_roles"
  target = target.site
}

check "reach_system" {
  description = "Each site system answers (a list known once roles has run)."
  uses        = "probe"
  for_each    = { for r in step.roles.output.roles : r.server => r if r.site_code == var.site_code }
  host        = each.key
}

action "set_dp" {
  description = "Each distribution point gets the setting (a list known from the inputs)."
  uses        = "site_change"
  target      = target.site
  for_each    = var.distribution_points
  server      = each.value
  setting     = "content_validation"
  value       = "on"
  depends_on  = [step.reach_system]
}

check "done" {
  uses       = "probe"
  host       = "cm01.contoso.com"
  depends_on = [step.set_dp]
}

manual "confirm_dp" {
  description  = "Someone checks each distribution point by hand."
  for_each     = var.distribution_points
  instructions = "Open the content status of ${each.key} and confirm it validated its content."
  reason       = "Content validation results are read in the console."
  depends_on   = [step.set_dp]
}
