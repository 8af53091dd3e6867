runbook "a" {}

runbook "b" {} # ERROR: Duplicate runbook block
