//go:build linux

package jsonl

import (
	"os"
	"syscall"
)

// datasync flushes the file's data (and the metadata needed to read it, such as its size)
// to stable storage with fdatasync.
func datasync(_ *os.File, fd int) error {
	for {
		err := syscall.Fdatasync(fd)
		if err != syscall.EINTR {
			return err
		}
	}
}
