package jsonl

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/sys/windows"
)

// lockFile takes an exclusive, non-blocking lock (LockFileEx) on path, creating the file
// when needed. Windows locks belong to the file handle, so a second lock fails inside one
// process too.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	return flock(f, windows.LOCKFILE_EXCLUSIVE_LOCK)
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
	lock, err = flock(f, 0)
	return lock, created && err == nil, err
}

// flock locks f with flags (LOCKFILE_EXCLUSIVE_LOCK, or 0 for a shared lock) without
// blocking, and closes f when it cannot. It locks the whole range a lock may name, beyond the
// file's end too (the LOCK file is empty): Windows locks are on byte ranges, and two
// overlapping ones conflict as flock's do. Closing f releases it.
func flock(f *os.File, flags uint32) (*os.File, error) {
	var ol windows.Overlapped
	err := windows.LockFileEx(windows.Handle(f.Fd()), flags|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, ^uint32(0), ^uint32(0), &ol)
	if err != nil {
		f.Close()
		if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
			return nil, fmt.Errorf("%w (%s)", ErrLocked, f.Name())
		}
		return nil, fmt.Errorf("jsonl: lock %s: %w", f.Name(), err)
	}
	return f, nil
}

// unlock releases a lock lockFile or lockShared took, then closes its file. The lock is
// released explicitly, as Microsoft advises: one left to the closing of its handle ends when
// the system gets round to it, so an Open right after Close could still find it held.
func unlock(f *os.File) error {
	var ol windows.Overlapped
	err := windows.UnlockFileEx(windows.Handle(f.Fd()), 0, ^uint32(0), ^uint32(0), &ol)
	if err != nil {
		err = fmt.Errorf("jsonl: unlock %s: %w", f.Name(), err)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
