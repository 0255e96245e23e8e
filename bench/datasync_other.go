//go:build !linux

package main

import "os"

// datasync is the baselines' sync where fdatasync(2) is not offered: File.Sync, as the
// JSONL log uses there (F_FULLFSYNC on macOS, FlushFileBuffers on Windows).
func datasync(f *os.File) error { return f.Sync() }
