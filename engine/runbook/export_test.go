package runbook

// TestRegistry is the fake registry, for the external tests (draw).
var TestRegistry = testRegistry

// CheckGolden is checkGolden, for the external tests.
var CheckGolden = checkGolden
