//go:build !windows

package jsonl

// sharingConflict reports false: these systems rename over a file that a reader has open,
// and the reader keeps reading the file it opened.
func sharingConflict(error) bool { return false }
