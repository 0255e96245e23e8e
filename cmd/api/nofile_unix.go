//go:build unix

package main

import "syscall"

// defaultMaxConnections is the open-file limit (which Go raises to the hard limit at start)
// less fdReserve, so that connections alone cannot exhaust it; 0 (no limit) when it cannot
// be read.
func defaultMaxConnections() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0
	}
	// An unlimited Cur (RLIM_INFINITY, all ones) reads as a huge number: no practical limit.
	return max(int(min(uint64(lim.Cur), 1<<30))-fdReserve, minMaxConnections)
}
