include = ["cycle_b.hcl"]

check "from_a" {
  uses = "probe"
  host = "a"
}
