# A runbook for trying the team backend without a ConfigMgr site: it waits
# for a change board's approval, then records one action in a ledger file.
runbook "team_demo" {
  title = "Team state walk-through"
  lock  = "demo/PS1"
}

approval "cab" {
  approvers = ["cab-chair"]
}

action "change" {
  uses       = "noop_action"
  ledger     = "team-demo.ledger"
  idempotent = true
  depends_on = [step.cab]
}
