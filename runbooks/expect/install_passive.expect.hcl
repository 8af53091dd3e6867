# What the shipped runbook install_passive.hcl does against every
# scenario of the shipped fixtures, with every approval answered at once:
# the outcome, the steps that block, the branches taken, the changes made
# and the site afterwards. Written by `baton test -update runbooks/expect`
# (which also adds a case for a new scenario); read the diff of every
# change as you would a golden file's (docs/testing.md).

runbook          = "../install_passive.hcl"
all_scenarios_of = ["contoso", "fabrikam-cas"]

case "contoso/healthy" {
  fixture  = "contoso"
  scenario = "healthy"
  outcome  = "failed"
  blocked  = ["site_servers_before", "target_roles"]
  branches = {
    push_from_active = false
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

case "contoso/recent-site-update" {
  fixture  = "contoso"
  scenario = "recent-site-update"
  outcome  = "failed"
  blocked  = ["site_servers_before", "target_roles"]
  branches = {
    push_from_active = false
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

case "contoso/secondary-replication-degraded" {
  fixture  = "contoso"
  scenario = "secondary-replication-degraded"
  outcome  = "failed"
  blocked  = ["site_servers_before", "target_roles"]
  branches = {
    push_from_active = false
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
  blocked  = ["site_server_roles"]
  branches = {
    push_from_active = false
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
  outcome  = "succeeded"
  blocked  = []
  branches = {
    install_failed     = false
    library_needs_move = true
    push_from_active   = false
  }
  changes = {
    add_passive          = "succeeded"
    move_content_library = "succeeded"
  }
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "content_library/move_progress"                  = 100
    "content_library/move_status"                    = "done"
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

case "contoso/content-library-share-root" {
  fixture  = "contoso"
  scenario = "content-library-share-root"
  outcome  = "failed"
  blocked  = ["library_destination"]
  branches = {
    library_needs_move = true
    push_from_active   = false
  }
  changes = {}
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
  outcome  = "succeeded"
  blocked  = []
  branches = {
    install_failed     = false
    library_needs_move = false
    push_from_active   = false
  }
  changes = {
    add_passive = "succeeded"
  }
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

case "contoso/passive-already-installed" {
  fixture  = "contoso"
  scenario = "passive-already-installed"
  outcome  = "failed"
  blocked  = ["site_servers_before", "target_roles"]
  branches = {
    push_from_active = false
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

case "contoso/secondary-site-target" {
  fixture  = "contoso"
  scenario = "secondary-site-target"
  outcome  = "failed"
  blocked  = ["hierarchy_target", "site_server_roles", "site_system_admins", "target_roles"]
  branches = {
    push_from_active = false
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
  blocked  = ["site", "site_server_hosts", "site_servers_before", "target_roles"]
  branches = {
    push_from_active = false
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
  blocked  = ["site", "site_server_hosts", "site_servers_before", "target_roles"]
  branches = {
    push_from_active = false
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
  blocked  = ["site", "site_server_hosts", "site_servers_before", "target_roles"]
  branches = {
    push_from_active = false
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
  outcome  = "failed"
  blocked  = ["site_servers_before", "target_roles"]
  branches = {
    push_from_active = false
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

case "contoso/promotion-fails-twice" {
  fixture  = "contoso"
  scenario = "promotion-fails-twice"
  outcome  = "failed"
  blocked  = ["site_servers_before", "target_roles"]
  branches = {
    push_from_active = false
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

case "contoso/passive-install-prereq-fails" {
  fixture  = "contoso"
  scenario = "passive-install-prereq-fails"
  outcome  = "failed"
  blocked  = ["site_server_hosts"]
  branches = {
    library_needs_move = false
    push_from_active   = false
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
  outcome  = "backed_out"
  blocked  = ["passive_install_retried"]
  branches = {
    install_failed     = true
    library_needs_move = false
    push_from_active   = false
  }
  changes = {
    add_passive            = "succeeded"
    failed_passive_removed = "succeeded"
    remove_failed_passive  = "succeeded"
    retry_install          = "succeeded"
  }
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
  outcome  = "succeeded"
  blocked  = []
  branches = {
    install_failed     = false
    library_needs_move = false
    push_from_active   = false
  }
  changes = {
    add_passive = "succeeded"
  }
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\PS1"
    "content_library/move_progress"                  = 100
    "content_library/move_status"                    = "done"
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

case "contoso/scp-on-site-server" {
  fixture  = "contoso"
  scenario = "scp-on-site-server"
  outcome  = "failed"
  blocked  = ["site_server_roles", "site_servers_before", "target_roles"]
  branches = {
    push_from_active = false
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

case "contoso/content-distribution-in-progress" {
  fixture  = "contoso"
  scenario = "content-distribution-in-progress"
  outcome  = "failed"
  blocked  = ["site_servers_before", "target_roles"]
  branches = {
    push_from_active = false
  }
  changes = {}
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
  outcome  = "failed"
  blocked  = ["site_servers_before", "target_roles"]
  branches = {
    push_from_active = false
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

case "contoso/store-for-business" {
  fixture  = "contoso"
  scenario = "store-for-business"
  outcome  = "failed"
  blocked  = ["site_servers_before", "target_roles"]
  branches = {
    push_from_active = false
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

case "contoso/pre-production-client" {
  fixture  = "contoso"
  scenario = "pre-production-client"
  outcome  = "failed"
  blocked  = ["site_servers_before", "target_roles"]
  branches = {
    push_from_active = false
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

case "contoso/sql-down" {
  fixture  = "contoso"
  scenario = "sql-down"
  outcome  = "failed"
  blocked  = ["content_library", "hierarchy_target", "reporting_point_placement", "site", "site_database_placement", "site_server_roles", "site_servers_before", "site_system_admins", "target_roles"]
  branches = {
    push_from_active = false
  }
  changes = {}
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
  blocked  = ["site", "site_server_hosts", "site_servers_before", "target_roles"]
  branches = {
    push_from_active = false
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
  outcome  = "failed"
  blocked  = ["site_servers_before", "target_roles"]
  branches = {
    push_from_active = false
  }
  changes = {}
  site = {
    "content_library/location"                       = "\\\\fs01\\cmcontent\\CAS"
    "database/up"                                    = true
    distributions                                    = []
    operations                                       = []
    "post_promotion/client_folder_wrong"             = false
    "post_promotion/dp_certificates_to_reimport"     = []
    "post_promotion/packages_to_redistribute"        = []
    "post_promotion/promoted_at"                     = null
    "post_promotion/secondaries_to_reinitialize"     = []
    "post_promotion/store_for_business_disconnected" = false
    "replication/CAS->FB1/Global"                    = "active"
    "replication/FB1->CAS/Site"                      = "active"
    "server/cas01.fabrikam.com/online"               = true
    "server/cas02.fabrikam.com/online"               = true
    "site/active_server"                             = "cas01.fabrikam.com"
    "site/code"                                      = "CAS"
    "site/type"                                      = "cas"
    "site_server/cas01.fabrikam.com/mode"            = "active"
    "site_server/cas01.fabrikam.com/status"          = "OK"
    "site_server/cas02.fabrikam.com/mode"            = "passive"
    "site_server/cas02.fabrikam.com/status"          = "OK"
    site_servers                                     = ["cas01.fabrikam.com", "cas02.fabrikam.com"]
  }
}

case "contoso/passive-install-not-sysadmin" {
  fixture  = "contoso"
  scenario = "passive-install-not-sysadmin"
  outcome  = "backed_out"
  blocked  = ["classify_install_failure", "passive_install_retried"]
  branches = {
    install_failed     = true
    library_needs_move = false
    push_from_active   = false
  }
  changes = {
    add_passive            = "succeeded"
    failed_passive_removed = "succeeded"
    remove_failed_passive  = "succeeded"
    retry_install          = "succeeded"
  }
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
  outcome  = "succeeded"
  blocked  = []
  branches = {
    install_failed     = true
    library_needs_move = false
    push_from_active   = false
  }
  changes = {
    add_passive   = "succeeded"
    retry_install = "succeeded"
  }
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

case "contoso/passive-lags-site-version" {
  fixture  = "contoso"
  scenario = "passive-lags-site-version"
  outcome  = "failed"
  blocked  = ["site_servers_before", "target_roles"]
  branches = {
    push_from_active = false
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
  blocked  = ["site_servers_before", "site_system_admins", "target_roles"]
  branches = {
    push_from_active = false
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

case "contoso/scp-on-passive" {
  fixture  = "contoso"
  scenario = "scp-on-passive"
  outcome  = "failed"
  blocked  = ["site_server_roles", "site_servers_before", "target_roles"]
  branches = {
    push_from_active = false
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

case "contoso/hinv-customized" {
  fixture  = "contoso"
  scenario = "hinv-customized"
  outcome  = "failed"
  blocked  = ["site_servers_before", "target_roles"]
  branches = {
    push_from_active = false
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

case "contoso/default-boot-images" {
  fixture  = "contoso"
  scenario = "default-boot-images"
  outcome  = "failed"
  blocked  = ["site_servers_before", "target_roles"]
  branches = {
    push_from_active = false
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

case "contoso/passive-on-cluster-node" {
  fixture  = "contoso"
  scenario = "passive-on-cluster-node"
  outcome  = "failed"
  blocked  = ["site_server_hosts"]
  branches = {
    library_needs_move = false
    push_from_active   = false
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
  blocked  = ["site_server_hosts", "site_servers_before", "target_roles"]
  branches = {
    push_from_active = false
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

case "contoso/provider-removed-by-hand" {
  fixture  = "contoso"
  scenario = "provider-removed-by-hand"
  outcome  = "failed"
  blocked  = ["site_servers_before", "target_roles"]
  branches = {
    push_from_active = false
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
