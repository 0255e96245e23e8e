//go:build !linux

package jsonl

import "os"

// datasync flushes the file to stable storage; without fdatasync it is a full fsync.
func datasync(f *os.File, _ int) error { return f.Sync() }
