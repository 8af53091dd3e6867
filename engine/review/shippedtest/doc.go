// Package shippedtest plans and reviews the runbooks shipped in
// /runbooks with the real step types (steps/all), as golden files. It
// holds only tests; it is a separate package so that the plan and review
// tests do not depend on every step type building.
package shippedtest
