package jsonl

import "io"

// File is the log file as a Store uses it: every read, write, sync and cut of the log goes
// through it. WithFile wraps it, so tests of the store and of the programs built on it can
// inject faults (a full disk, a failing write or sync) and see how they are handled.
type File interface {
	io.ReaderAt
	io.WriterAt
	// Sync makes everything written so far durable (fdatasync where available).
	Sync() error
	// Truncate changes the file's size.
	Truncate(size int64) error
	Close() error
}

// WithFile wraps the store's log file with wrap, which is called once, when Open has
// opened the file. For fault-injection tests; a wrapper must keep the File contract.
func WithFile(wrap func(File) File) Option {
	return withFile(wrap)
}
