//go:build unix || windows

package jsonl

import (
	"errors"
	"io/fs"
	"os"
)

// lockFile takes an exclusive, non-blocking lock on path, creating the file when needed.
// The lock belongs to the open file (flock's open file description, Windows' handle), so a
// second lock fails inside one process too.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	return flock(f, true)
}

// lockShared takes a shared, non-blocking lock on path, which excludes lockFile's
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
	lock, err = flock(f, false)
	return lock, created && err == nil, err
}
