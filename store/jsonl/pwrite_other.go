//go:build !linux

package jsonl

import "os"

// pwrite writes p at off.
func pwrite(f *os.File, _ int, p []byte, off int64) (int, error) { return f.WriteAt(p, off) }
