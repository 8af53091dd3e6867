runbook "t" {}

action "promote" {
  uses       = "shell"
  command    = "promote"
  idempotent = true
}

backout "undo" {
  uses    = "shell"
  command = "undo"
  undoes  = step.promote
}

post "tidy" {
  uses    = "shell"
  command = "tidy"
}

check "after_undo" {
  uses       = "probe"
  host       = "m1"
  depends_on = [step.undo] # ERROR: Step can never run
}

check "after_post" {
  uses = "probe"
  host = step.tidy.status # ERROR: Step can never run
}

post "post_after_backout" {
  uses       = "shell"
  command    = "x"
  depends_on = [step.undo] # ERROR: Step can never run
}

backout "undo_post" {
  uses    = "shell"
  command = "x"
  undoes  = step.tidy # ERROR: Invalid undoes
}
