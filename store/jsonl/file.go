package jsonl

import (
	"io"
	"os"
)

// file is what the Store needs from its log file. Every write goes through it, so tests can
// inject faults (see export_test.go).
type file interface {
	io.ReaderAt
	io.WriterAt
	// Sync makes everything written so far durable (fdatasync where available).
	Sync() error
	// Truncate changes the file's size.
	Truncate(size int64) error
	Close() error
}

// osFile is the real log file.
type osFile struct {
	f  *os.File
	fd int
}

func newOSFile(f *os.File) *osFile { return &osFile{f: f, fd: int(f.Fd())} }

func (o *osFile) ReadAt(p []byte, off int64) (int, error)  { return o.f.ReadAt(p, off) }
func (o *osFile) WriteAt(p []byte, off int64) (int, error) { return pwrite(o.f, o.fd, p, off) }
func (o *osFile) Sync() error                              { return datasync(o.f, o.fd) }
func (o *osFile) Truncate(size int64) error                { return o.f.Truncate(size) }
func (o *osFile) Close() error                             { return o.f.Close() }

// syncDir makes a directory entry (a newly created file) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
