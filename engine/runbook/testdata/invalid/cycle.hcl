runbook "t" {}

check "a" {
  uses       = "probe"
  host       = "m1"
  depends_on = [step.c] # ERROR: Dependency cycle
}

check "b" {
  uses = "probe"
  host = step.a.output.reachable ? "m1" : "m2"
}

check "c" {
  uses = "probe"
  host = "m3"
  when = step.b.output.reachable
}
