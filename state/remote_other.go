//go:build !windows && !linux

package state

// hostOnNetwork: not detected on this system.
func hostOnNetwork(string) (string, bool) { return "", false }
