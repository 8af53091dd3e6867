//go:build race

package main

// raceEnabled: the race detector slows rehearsals about fivefold.
const raceEnabled = true
