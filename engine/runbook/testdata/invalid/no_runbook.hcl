# ERROR: Missing runbook block
check "a" {
  uses = "probe"
  host = "m1"
}
