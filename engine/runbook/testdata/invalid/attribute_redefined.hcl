runbook "t" {}

check "b" {
  uses = "probe"
  host = "m"
  host = "n" # ERROR: Attribute redefined
}
