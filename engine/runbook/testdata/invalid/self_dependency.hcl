runbook "t" {}

check "a" {
  uses = "probe"
  host = "m1"
  when = step.a.output.reachable # ERROR: Dependency cycle
}
