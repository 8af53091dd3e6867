runbook "t" {}

approval "nobody" { # ERROR: Approval without approvers
  description = "who?"
}

approval "empty" { # ERROR: Approval without approvers
  approvers = []
}

approval "too_few" {
  approvers     = ["alice", "bob"]
  min_approvals = 3 # ERROR: Not enough approvers
}

approval "twice" {
  approvers = ["alice", "alice"] # ERROR: Duplicate approver
}

manual "fix" { # ERROR: Missing required argument
  reason = "no API"
}
