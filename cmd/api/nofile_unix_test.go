//go:build unix

package main

import "syscall"

// openFileLimit returns the process's open-file limit, capped as defaultMaxConnections caps it.
func openFileLimit() (int, bool) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, false
	}
	return int(min(uint64(lim.Cur), 1<<30)), true
}
