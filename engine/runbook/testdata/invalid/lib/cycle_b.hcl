include = ["cycle_a.hcl"] # ERROR: Include cycle
