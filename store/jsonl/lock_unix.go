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
// exclusive lock but not other shared ones. It opens the file for reading only. When path
// does not exist it creates it empty if create is set and it can (created reports that it
// did), and otherwise returns nil and no error: no writer holds the directory.
func lockShared(path string, create bool) (lock *os.File, created bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		if !create {
			return nil, false, nil
		}
		// A log copied without its LOCK (a backup of the file alone): make one, so that no
		// Open can write while this reader reads. Where none can be made (a read-only
		// directory), read without one.
		if f, err = os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o644); err != nil {
			if errors.Is(err, fs.ErrExist) { // another reader made it meanwhile
				return lockShared(path, false)
			}
			return nil, false, nil
		}
		created = true
	}
	if err != nil {
		return nil, false, err
	}
	lock, err = flock(f, syscall.LOCK_SH)
	return lock, created && err == nil, err
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

// unlock releases a lock lockFile or lockShared took, by closing its file: flock locks end
// with the last descriptor of their open file description.
func unlock(f *os.File) error { return f.Close() }
