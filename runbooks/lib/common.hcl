# Shared by every ConfigMgr site server high availability runbook: the site
# and its two HA site servers, and the "configmgr" target the steps act
# through.
#
# The including runbook declares variable "provider" and local.provider
# itself, because the SMS Provider baton must talk to depends on the
# procedure: the active site server for a planned change, the passive one
# when the active is down (domain reference R07).
#
# Defaults match the simulated site fixtures/sites/contoso.hcl, so that
# `baton rehearse runbooks/<name>.hcl --site contoso` needs no -var.

variable "site_code" {
  type        = string
  description = "Three-character code of the primary site or CAS whose site server is made highly available (Administration > Site Configuration > Sites, column Site Code)."
  default     = "PS1"

  validation {
    condition     = can(regex("^[A-Z0-9]{3}$", var.site_code))
    error_message = "The site code is three capital letters or digits, as shown in the console, e.g. \"PS1\"."
  }
}

variable "sql_server" {
  type        = string
  description = "SQL Server that holds the site database CM_<site_code>: \"host\", \"host,port\" or \"host\\instance\" (for an availability group, its listener). baton reads the site's state from it with the runner's Windows credentials; both HA site servers use this same database (P20)."
  default     = "sql01.contoso.com"

  validation {
    condition     = length(trimspace(var.sql_server)) > 0
    error_message = "Give the SQL Server that holds the site database, e.g. \"sql01.contoso.com\" or \"sql01.contoso.com\\CM\"."
  }
}

variable "active_server" {
  type        = string
  description = "FQDN of the site server that is in active mode when the run starts (M1 in Microsoft's flowcharts): the Server Name column of the site in Administration > Sites."
  default     = "cm01.contoso.com"

  validation {
    condition     = can(regex("^[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+$", var.active_server))
    error_message = "Give the active site server's fully qualified domain name, e.g. \"cm01.contoso.com\"."
  }
}

variable "passive_server" {
  type        = string
  description = "FQDN of the site server in passive mode (M2 in Microsoft's flowcharts): the server being installed, promoted or removed."
  default     = "cm02.contoso.com"

  validation {
    condition     = can(regex("^[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+$", var.passive_server))
    error_message = "Give the passive site server's fully qualified domain name, e.g. \"cm02.contoso.com\"."
  }
}

variable "webhook_url" {
  type        = string
  description = "Optional chat or incident webhook (Teams, Slack, PagerDuty...) that receives a short message at the important moments of the run. Empty: no message is sent."
  default     = ""
}

variable "ad_domain" {
  type        = string
  description = "NetBIOS name of the Active Directory domain of the site servers (\"CONTOSO\"): their computer accounts are <ad_domain>\\<HOST>$, looked for in the local Administrators group of every remote site system (F7, P19). Empty: the first label of the active server's DNS domain (cm01.contoso.com: CONTOSO); set it when the NetBIOS name differs."
  default     = ""

  validation {
    condition     = var.ad_domain == "" || can(regex("^[A-Za-z0-9-]{1,15}$", var.ad_domain))
    error_message = "ad_domain is the domain's NetBIOS name, 1 to 15 letters, digits or dashes, e.g. \"CONTOSO\" (or empty for the first label of the DNS domain)."
  }
}

variable "site_system_installation_account" {
  type        = bool
  description = "Are the site systems installed with a site system installation account instead of the site server's computer account? Then the site servers' accounts need not be local administrators on the remote site systems (P19) and that check is skipped."
  default     = false
}

locals {
  # The two HA site servers, in lower case: ConfigMgr stores server names
  # in the case they were typed, so every comparison lower-cases both sides.
  active_server  = lower(var.active_server)
  passive_server = lower(var.passive_server)
  site_servers   = [lower(var.active_server), lower(var.passive_server)]

  # Their computer accounts (DOMAIN\HOST$), as local Administrators list them.
  netbios_domain    = upper(var.ad_domain != "" ? var.ad_domain : split(".", var.active_server)[1])
  computer_accounts = [for s in [var.active_server, var.passive_server] : format("%s\\%s$", local.netbios_domain, upper(split(".", s)[0]))]

  # The recommended source for a passive installation: the active server's
  # own CD.Latest, which is always the site's exact version (P17).
  active_cd_latest = "\\\\${lower(var.active_server)}\\SMS_${var.site_code}\\CD.Latest"
}

target "site" {
  type           = "configmgr"
  site_code      = var.site_code
  sql_server     = var.sql_server
  sql_auth       = "windows"
  provider       = local.provider
  active_server  = var.active_server
  passive_server = var.passive_server
}
