//go:build unix

package jsonl

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// lockFile takes an exclusive, non-blocking flock on path, creating the file when needed.
// flock locks belong to the open file description, so a second lock fails inside one
// process too.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	return flock(f, syscall.LOCK_EX)
}

// lockShared takes a shared, non-blocking flock on path, which excludes lockFile's
// exclusive lock but not other shared ones. It opens the file for reading only and creates
// nothing: when path does not exist it returns nil and no error, as no writer holds the
// directory.
func lockShared(path string) (*os.File, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return flock(f, syscall.LOCK_SH)
}

// flock locks f with how (LOCK_EX or LOCK_SH) without blocking, and closes f when it cannot.
func flock(f *os.File, how int) (*os.File, error) {
	var err error
	for {
		err = syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s)", ErrLocked, f.Name())
		}
		return nil, fmt.Errorf("jsonl: lock %s: %w", f.Name(), err)
	}
	return f, nil
}
