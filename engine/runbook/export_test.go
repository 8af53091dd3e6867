package runbook

// TestRegistry is the fake registry, for the external tests (draw).
var TestRegistry = testRegistry
