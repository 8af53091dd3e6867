runbook "t" {
  title = = "x" # ERROR: Invalid expression
}
