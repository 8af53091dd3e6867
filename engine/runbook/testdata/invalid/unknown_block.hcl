runbook "t" {}

chek "site" { # ERROR: Unsupported block type
  uses = "site_fact"
}

runbook_meta {} # ERROR: Unsupported block type
