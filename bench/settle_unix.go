//go:build unix

package main

import "syscall"

// settleDisk flushes every dirty page of the machine to disk (sync(2)), so that a case does
// not pay for the write-back of what the cases before it wrote without syncing: a no-sync
// case leaves hundreds of megabytes behind, and the kernel writing them back slows the
// next case's fdatasyncs (measured: JSONL durable with 16 writers ~44,000 events/s right
// after the no-sync cases, ~56,000–71,000 alone, on the same disk).
func settleDisk() { syscall.Sync() }
