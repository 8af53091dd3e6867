runbook "t" {
  change {
    type = "norml" # ERROR: Invalid change type
    risk = "extreme" # ERROR: Invalid risk
    expected_downtime = "soon" # ERROR: Invalid duration

    window {
      start = "2026-03-14 20:00" # ERROR: Invalid timestamp
      end   = "2026-03-15T02:00:00Z"
    }

    backout {
      summary = "x"
      owner   = "y" # ERROR: Unsupported argument
    }
  }

  change {} # ERROR: Duplicate change block
}
