runbook "other" { # ERROR: Runbook block in an included file
}
