package state

// ProcessAlive reports whether process pid on host may still be running.
// It answers false only when that is provable: the process ran on this
// host and is gone. A process on another host is assumed alive.
func ProcessAlive(host string, pid int) bool {
	h, err := hostname()
	if err != nil || host != h || pid <= 0 {
		return true
	}
	return isAlive(pid)
}
