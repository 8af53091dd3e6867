runbook "t" {}

decision "never" {
  condition = 1 > 2
}

check "yes_branch" {
  uses = "probe"
  host = "m1"
  when = step.never.output # ERROR: Step can never run
}

check "no_branch" {
  uses = "probe"
  host = "m2"
  when = !step.never.output
}
