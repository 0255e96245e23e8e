//go:build linux

package jsonl

import (
	"io"
	"os"
	"syscall"
)

// pwrite writes p at off with pwrite(2) on the descriptor itself, retrying after EINTR and
// short writes. os.File.WriteAt does the same behind the file's reference counting, which
// costs ~40 ns a call; a no-sync append is a write per call, and the Store never writes
// while closing the file, so it does without.
func pwrite(f *os.File, fd int, p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) {
		k, err := syscall.Pwrite(fd, p[n:], off+int64(n))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return n, &os.PathError{Op: "write", Path: f.Name(), Err: err}
		}
		if k == 0 {
			return n, &os.PathError{Op: "write", Path: f.Name(), Err: io.ErrShortWrite}
		}
		n += k
	}
	return n, nil
}
