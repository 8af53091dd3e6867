# What the shipped runbook planned_promotion.hcl does against every
# scenario of the shipped fixtures, with every approval answered at once:
# the outcome, the steps that block, the branches taken, the changes made
# and the site afterwards. Written by `baton test -update runbooks/expect`
# (which also adds a case for a new scenario); read the diff of every
# change as you would a golden file's (docs/testing.md).

runbook          = "../planned_promotion.hcl"
all_scenarios_of = ["contoso", "fabrikam-cas"]

case "contoso/healthy" {
  fixture  = "contoso"
  scenario = "healthy"
  outcome  = "succeeded"
  blocked  = []
  branches = {
    passive_lags     = false
    promotion_failed = false
  }
  changes = {
    promote = "succeeded"
  }
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = "14m0s"
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "server/cm02.contoso.com/online"                 = true
    "site/active_server"                             = "cm02.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "passive"
    "site_server/cm01.contoso.com/status"            = "OK"
    "site_server/cm02.contoso.com/mode"              = "active"
    "site_server/cm02.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com", "cm02.contoso.com"]
  }
}

case "contoso/recent-site-update" {
  fixture  = "contoso"
  scenario = "recent-site-update"
  outcome  = "failed"
  blocked  = ["updates"]
  branches = {}
  changes  = {}
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = null
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "server/cm02.contoso.com/online"                 = true
    "site/active_server"                             = "cm01.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "active"
    "site_server/cm01.contoso.com/status"            = "OK"
    "site_server/cm02.contoso.com/mode"              = "passive"
    "site_server/cm02.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com", "cm02.contoso.com"]
  }
}

case "contoso/secondary-replication-degraded" {
  fixture  = "contoso"
  scenario = "secondary-replication-degraded"
  outcome  = "failed"
  blocked  = ["replication"]
  branches = {}
  changes  = {}
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = null
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "degraded"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "server/cm02.contoso.com/online"                 = true
    "site/active_server"                             = "cm01.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "active"
    "site_server/cm01.contoso.com/status"            = "OK"
    "site_server/cm02.contoso.com/mode"              = "passive"
    "site_server/cm02.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com", "cm02.contoso.com"]
  }
}

case "contoso/dp-on-site-server" {
  fixture  = "contoso"
  scenario = "dp-on-site-server"
  outcome  = "failed"
  blocked  = ["providers", "site_server_roles", "site_servers"]
  branches = {}
  changes  = {}
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = null
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "site/active_server"                             = "cm01.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "active"
    "site_server/cm01.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com"]
  }
}

case "contoso/content-library-local" {
  fixture  = "contoso"
  scenario = "content-library-local"
  outcome  = "failed"
  blocked  = ["content_library", "providers", "site_servers"]
  branches = {}
  changes  = {}
  site = {
    "content_library/location"                       = "D:\\SCCMContentLib"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = null
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "site/active_server"                             = "cm01.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "active"
    "site_server/cm01.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com"]
  }
}

case "contoso/content-library-share-root" {
  fixture  = "contoso"
  scenario = "content-library-share-root"
  outcome  = "failed"
  blocked  = ["content_library", "providers", "site_servers"]
  branches = {}
  changes  = {}
  site = {
    "content_library/location"                       = "D:\\SCCMContentLib"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = null
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "site/active_server"                             = "cm01.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "active"
    "site_server/cm01.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com"]
  }
}

case "contoso/no-passive-yet" {
  fixture  = "contoso"
  scenario = "no-passive-yet"
  outcome  = "failed"
  blocked  = ["providers", "site_servers"]
  branches = {}
  changes  = {}
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = null
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "site/active_server"                             = "cm01.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "active"
    "site_server/cm01.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com"]
  }
}

case "contoso/passive-already-installed" {
  fixture  = "contoso"
  scenario = "passive-already-installed"
  outcome  = "succeeded"
  blocked  = []
  branches = {
    passive_lags     = false
    promotion_failed = false
  }
  changes = {
    promote = "succeeded"
  }
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = "14m0s"
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "server/cm02.contoso.com/online"                 = true
    "site/active_server"                             = "cm02.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "passive"
    "site_server/cm01.contoso.com/status"            = "OK"
    "site_server/cm02.contoso.com/mode"              = "active"
    "site_server/cm02.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com", "cm02.contoso.com"]
  }
}

case "contoso/secondary-site-target" {
  fixture  = "contoso"
  scenario = "secondary-site-target"
  outcome  = "failed"
  blocked  = ["providers", "site_server_roles", "site_servers", "site_system_admins"]
  branches = {}
  changes  = {}
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = null
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "site/active_server"                             = "cm01.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "active"
    "site_server/cm01.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com"]
  }
}

case "contoso/active-offline-back-in-10m" {
  fixture  = "contoso"
  scenario = "active-offline-back-in-10m"
  outcome  = "failed"
  blocked  = ["active_answers", "components", "site", "site_server_hosts"]
  branches = {}
  changes  = {}
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = null
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = false
    "server/cm02.contoso.com/online"                 = true
    "site/active_server"                             = "cm01.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "active"
    "site_server/cm01.contoso.com/status"            = "Unknown"
    "site_server/cm02.contoso.com/mode"              = "passive"
    "site_server/cm02.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com", "cm02.contoso.com"]
  }
}

case "contoso/active-offline-for-good" {
  fixture  = "contoso"
  scenario = "active-offline-for-good"
  outcome  = "failed"
  blocked  = ["active_answers", "components", "site", "site_server_hosts"]
  branches = {}
  changes  = {}
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = null
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = false
    "server/cm02.contoso.com/online"                 = true
    "site/active_server"                             = "cm01.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "active"
    "site_server/cm01.contoso.com/status"            = "Unknown"
    "site_server/cm02.contoso.com/mode"              = "passive"
    "site_server/cm02.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com", "cm02.contoso.com"]
  }
}

case "contoso/active-offline-returns-after-45m" {
  fixture  = "contoso"
  scenario = "active-offline-returns-after-45m"
  outcome  = "failed"
  blocked  = ["active_answers", "components", "site", "site_server_hosts"]
  branches = {}
  changes  = {}
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = null
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = false
    "server/cm02.contoso.com/online"                 = true
    "site/active_server"                             = "cm01.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "active"
    "site_server/cm01.contoso.com/status"            = "Unknown"
    "site_server/cm02.contoso.com/mode"              = "passive"
    "site_server/cm02.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com", "cm02.contoso.com"]
  }
}

case "contoso/promotion-fails-midway" {
  fixture  = "contoso"
  scenario = "promotion-fails-midway"
  outcome  = "succeeded"
  blocked  = []
  branches = {
    passive_lags     = false
    promotion_failed = true
  }
  changes = {
    promote       = "succeeded"
    promote_again = "succeeded"
  }
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = "29m0s"
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "server/cm02.contoso.com/online"                 = true
    "site/active_server"                             = "cm02.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "passive"
    "site_server/cm01.contoso.com/status"            = "OK"
    "site_server/cm02.contoso.com/mode"              = "active"
    "site_server/cm02.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com", "cm02.contoso.com"]
  }
}

case "contoso/promotion-fails-twice" {
  fixture  = "contoso"
  scenario = "promotion-fails-twice"
  outcome  = "backed_out"
  blocked  = ["switch_complete_after_retry"]
  branches = {
    passive_lags     = false
    promotion_failed = true
  }
  changes = {
    old_active_is_passive = "succeeded"
    promote               = "succeeded"
    promote_again         = "succeeded"
    promote_back          = "succeeded"
    switched_back         = "succeeded"
  }
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = "39m0s"
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "server/cm02.contoso.com/online"                 = true
    "site/active_server"                             = "cm01.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "active"
    "site_server/cm01.contoso.com/status"            = "OK"
    "site_server/cm02.contoso.com/mode"              = "passive"
    "site_server/cm02.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com", "cm02.contoso.com"]
  }
}

case "contoso/passive-install-prereq-fails" {
  fixture  = "contoso"
  scenario = "passive-install-prereq-fails"
  outcome  = "failed"
  blocked  = ["providers", "site_server_hosts", "site_servers"]
  branches = {}
  changes  = {}
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = null
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "site/active_server"                             = "cm01.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "active"
    "site_server/cm01.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com"]
  }
}

case "contoso/passive-install-account-not-admin" {
  fixture  = "contoso"
  scenario = "passive-install-account-not-admin"
  outcome  = "failed"
  blocked  = ["providers", "site_servers"]
  branches = {}
  changes  = {}
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = null
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "site/active_server"                             = "cm01.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "active"
    "site_server/cm01.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com"]
  }
}

case "contoso/content-library-move-in-progress" {
  fixture  = "contoso"
  scenario = "content-library-move-in-progress"
  outcome  = "failed"
  blocked  = ["content_library", "providers", "site_servers"]
  branches = {}
  changes  = {}
  site = {
    "content_library/location"                       = "D:\\SCCMContentLib"
    "content_library/move_progress"                  = 35
    "content_library/move_status"                    = "moving"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = ["content library move to \\\\fs01\\cmcontent\\PS1: 35%"]
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = null
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "site/active_server"                             = "cm01.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "active"
    "site_server/cm01.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com"]
  }
}

case "contoso/scp-on-site-server" {
  fixture  = "contoso"
  scenario = "scp-on-site-server"
  outcome  = "failed"
  blocked  = ["site_server_roles"]
  branches = {}
  changes  = {}
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = null
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "server/cm02.contoso.com/online"                 = true
    "site/active_server"                             = "cm01.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "active"
    "site_server/cm01.contoso.com/status"            = "OK"
    "site_server/cm02.contoso.com/mode"              = "passive"
    "site_server/cm02.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com", "cm02.contoso.com"]
  }
}

case "contoso/content-distribution-in-progress" {
  fixture  = "contoso"
  scenario = "content-distribution-in-progress"
  outcome  = "failed"
  blocked  = ["distributions"]
  branches = {}
  changes  = {}
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = ["PS100045 -> dp01.contoso.com", "PS100046 -> site-to-site"]
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = null
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "server/cm02.contoso.com/online"                 = true
    "site/active_server"                             = "cm01.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "active"
    "site_server/cm01.contoso.com/status"            = "OK"
    "site_server/cm02.contoso.com/mode"              = "passive"
    "site_server/cm02.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com", "cm02.contoso.com"]
  }
}

case "contoso/dp-pki-certificates" {
  fixture  = "contoso"
  scenario = "dp-pki-certificates"
  outcome  = "succeeded"
  blocked  = ["components_after"]
  branches = {
    passive_lags     = false
    promotion_failed = false
  }
  changes = {
    promote                 = "succeeded"
    reimport_dp_certificate = "succeeded"
  }
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = ["dp01.contoso.com", "dp02.contoso.com"]
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = "14m0s"
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "server/cm02.contoso.com/online"                 = true
    "site/active_server"                             = "cm02.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "passive"
    "site_server/cm01.contoso.com/status"            = "OK"
    "site_server/cm02.contoso.com/mode"              = "active"
    "site_server/cm02.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com", "cm02.contoso.com"]
  }
}

case "contoso/store-for-business" {
  fixture  = "contoso"
  scenario = "store-for-business"
  outcome  = "succeeded"
  blocked  = ["components_after"]
  branches = {
    passive_lags     = false
    promotion_failed = false
  }
  changes = {
    promote                      = "succeeded"
    reconnect_store_for_business = "succeeded"
  }
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = "14m0s"
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = true
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "server/cm02.contoso.com/online"                 = true
    "site/active_server"                             = "cm02.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "passive"
    "site_server/cm01.contoso.com/status"            = "OK"
    "site_server/cm02.contoso.com/mode"              = "active"
    "site_server/cm02.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com", "cm02.contoso.com"]
  }
}

case "contoso/pre-production-client" {
  fixture  = "contoso"
  scenario = "pre-production-client"
  outcome  = "failed"
  blocked  = ["pre_production_client", "updates"]
  branches = {}
  changes  = {}
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = null
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "server/cm02.contoso.com/online"                 = true
    "site/active_server"                             = "cm01.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "active"
    "site_server/cm01.contoso.com/status"            = "OK"
    "site_server/cm02.contoso.com/mode"              = "passive"
    "site_server/cm02.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com", "cm02.contoso.com"]
  }
}

case "contoso/sql-down" {
  fixture  = "contoso"
  scenario = "sql-down"
  outcome  = "failed"
  blocked  = ["components", "content_library", "distributions", "features", "hierarchy", "providers", "replication", "reporting_point_placement", "site", "site_database_placement", "site_server_roles", "site_servers", "site_system_admins", "updates"]
  branches = {}
  changes  = {}
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = false
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = null
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "server/cm02.contoso.com/online"                 = true
    "site/active_server"                             = "cm01.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "active"
    "site_server/cm01.contoso.com/status"            = "OK"
    "site_server/cm02.contoso.com/mode"              = "passive"
    "site_server/cm02.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com", "cm02.contoso.com"]
  }
}

case "contoso/provider-only-on-active" {
  fixture  = "contoso"
  scenario = "provider-only-on-active"
  outcome  = "failed"
  blocked  = ["active_answers", "components", "providers", "site", "site_server_hosts"]
  branches = {}
  changes  = {}
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = null
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = false
    "server/cm02.contoso.com/online"                 = true
    "site/active_server"                             = "cm01.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "active"
    "site_server/cm01.contoso.com/status"            = "Unknown"
    "site_server/cm02.contoso.com/mode"              = "passive"
    "site_server/cm02.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com", "cm02.contoso.com"]
  }
}

case "fabrikam-cas/healthy" {
  fixture  = "fabrikam-cas"
  scenario = "healthy"
  outcome  = "succeeded"
  blocked  = []
  branches = {
    passive_lags     = false
    promotion_failed = false
  }
  changes = {
    promote = "succeeded"
  }
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\CAS"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = "14m0s"
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/CAS->FB1/Global"                    = "active"
    "replication/FB1->CAS/Site"                      = "active"
    "server/cas01.fabrikam.com/online"               = true
    "server/cas02.fabrikam.com/online"               = true
    "site/active_server"                             = "cas02.fabrikam.com"
    "site/code"                                      = "CAS"
    "site/type"                                      = "cas"
    "site_server/cas01.fabrikam.com/mode"            = "passive"
    "site_server/cas01.fabrikam.com/status"          = "OK"
    "site_server/cas02.fabrikam.com/mode"            = "active"
    "site_server/cas02.fabrikam.com/status"          = "OK"
    site_servers                                     = ["cas01.fabrikam.com", "cas02.fabrikam.com"]
  }
}

case "contoso/passive-install-not-sysadmin" {
  fixture  = "contoso"
  scenario = "passive-install-not-sysadmin"
  outcome  = "failed"
  blocked  = ["providers", "site_servers"]
  branches = {}
  changes  = {}
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = null
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "site/active_server"                             = "cm01.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "active"
    "site_server/cm01.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com"]
  }
}

case "contoso/passive-regresses-after-ready" {
  fixture  = "contoso"
  scenario = "passive-regresses-after-ready"
  outcome  = "failed"
  blocked  = ["providers", "site_servers"]
  branches = {}
  changes  = {}
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = null
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "site/active_server"                             = "cm01.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "active"
    "site_server/cm01.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com"]
  }
}

case "contoso/passive-lags-site-version" {
  fixture  = "contoso"
  scenario = "passive-lags-site-version"
  outcome  = "failed"
  blocked  = ["passive_version"]
  branches = {
    passive_lags = true
  }
  changes = {}
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = null
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "server/cm02.contoso.com/online"                 = true
    "site/active_server"                             = "cm01.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "active"
    "site_server/cm01.contoso.com/status"            = "OK"
    "site_server/cm02.contoso.com/mode"              = "passive"
    "site_server/cm02.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com", "cm02.contoso.com"]
  }
}

case "contoso/site-system-admin-missing" {
  fixture  = "contoso"
  scenario = "site-system-admin-missing"
  outcome  = "failed"
  blocked  = ["site_system_admins"]
  branches = {}
  changes  = {}
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = null
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "server/cm02.contoso.com/online"                 = true
    "site/active_server"                             = "cm01.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "active"
    "site_server/cm01.contoso.com/status"            = "OK"
    "site_server/cm02.contoso.com/mode"              = "passive"
    "site_server/cm02.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com", "cm02.contoso.com"]
  }
}

case "contoso/scp-on-passive" {
  fixture  = "contoso"
  scenario = "scp-on-passive"
  outcome  = "failed"
  blocked  = ["components", "site_server_roles"]
  branches = {}
  changes  = {}
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = null
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "server/cm02.contoso.com/online"                 = true
    "site/active_server"                             = "cm01.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "active"
    "site_server/cm01.contoso.com/status"            = "OK"
    "site_server/cm02.contoso.com/mode"              = "passive"
    "site_server/cm02.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com", "cm02.contoso.com"]
  }
}

case "contoso/hinv-customized" {
  fixture  = "contoso"
  scenario = "hinv-customized"
  outcome  = "succeeded"
  blocked  = ["configuration_mof_after"]
  branches = {
    passive_lags     = false
    promotion_failed = false
  }
  changes = {
    promote = "succeeded"
  }
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = "14m0s"
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "server/cm02.contoso.com/online"                 = true
    "site/active_server"                             = "cm02.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "passive"
    "site_server/cm01.contoso.com/status"            = "OK"
    "site_server/cm02.contoso.com/mode"              = "active"
    "site_server/cm02.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com", "cm02.contoso.com"]
  }
}

case "contoso/default-boot-images" {
  fixture  = "contoso"
  scenario = "default-boot-images"
  outcome  = "succeeded"
  blocked  = ["boot_image_sources"]
  branches = {
    passive_lags     = false
    promotion_failed = false
  }
  changes = {
    promote = "succeeded"
  }
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = "14m0s"
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "server/cm02.contoso.com/online"                 = true
    "site/active_server"                             = "cm02.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "passive"
    "site_server/cm01.contoso.com/status"            = "OK"
    "site_server/cm02.contoso.com/mode"              = "active"
    "site_server/cm02.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com", "cm02.contoso.com"]
  }
}

case "contoso/passive-on-cluster-node" {
  fixture  = "contoso"
  scenario = "passive-on-cluster-node"
  outcome  = "failed"
  blocked  = ["providers", "site_server_hosts", "site_servers"]
  branches = {}
  changes  = {}
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = null
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "site/active_server"                             = "cm01.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "active"
    "site_server/cm01.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com"]
  }
}

case "contoso/smb-signing-not-required" {
  fixture  = "contoso"
  scenario = "smb-signing-not-required"
  outcome  = "failed"
  blocked  = ["site_server_hosts"]
  branches = {}
  changes  = {}
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = null
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "server/cm02.contoso.com/online"                 = true
    "site/active_server"                             = "cm01.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "active"
    "site_server/cm01.contoso.com/status"            = "OK"
    "site_server/cm02.contoso.com/mode"              = "passive"
    "site_server/cm02.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com", "cm02.contoso.com"]
  }
}

case "contoso/provider-removed-by-hand" {
  fixture  = "contoso"
  scenario = "provider-removed-by-hand"
  outcome  = "succeeded"
  blocked  = []
  branches = {
    passive_lags     = false
    promotion_failed = false
  }
  changes = {
    promote = "succeeded"
  }
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = "14m0s"
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/PS1->SS1/Global"                    = "active"
    "replication/PS1->SS2/Global"                    = "active"
    "replication/SS1->PS1/Secondary Site Data"       = "active"
    "replication/SS2->PS1/Secondary Site Data"       = "active"
    "server/cm01.contoso.com/online"                 = true
    "server/cm02.contoso.com/online"                 = true
    "site/active_server"                             = "cm02.contoso.com"
    "site/code"                                      = "PS1"
    "site/type"                                      = "primary"
    "site_server/cm01.contoso.com/mode"              = "passive"
    "site_server/cm01.contoso.com/status"            = "OK"
    "site_server/cm02.contoso.com/mode"              = "active"
    "site_server/cm02.contoso.com/status"            = "OK"
    site_servers                                     = ["cm01.contoso.com", "cm02.contoso.com"]
  }
}
