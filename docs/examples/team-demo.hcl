# A runbook for trying the team backend without a ConfigMgr site: it waits
# for a change board's approval, then runs one action that takes 20 seconds,
# long enough to kill the process running it. Killed in the middle, the
# action is in doubt: the resume that takes the run over waits for the
# killed attempt's program to end, then runs it again (it is idempotent).
# The command works in sh on Linux and in cmd on Windows, where ping waits
# when there is no sleep.
runbook "team_demo" {
  title = "Team state walk-through"
  lock  = "demo/PS1"
}

approval "cab" {
  approvers = ["cab-chair"]
}

action "change" {
  uses       = "exec"
  shell      = true
  command    = ["sleep 20 || ping -n 21 127.0.0.1"]
  timeout    = "2m"
  idempotent = true
  depends_on = [step.cab]
}
