// Package version holds baton's version, set at build time with -ldflags,
// and the formats it writes, so that saved plans and state files can say
// which engine produced them.
package version

// Version is the engine version; `make build` stamps it from git.
var Version = "0.1.0-dev"
