//go:build linux

package main

import (
	"os"
	"syscall"
)

// datasync is the baselines' sync: fdatasync(2), as the JSONL log uses on Linux, so that
// both sides pay the same system call.
func datasync(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }
