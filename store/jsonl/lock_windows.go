package jsonl

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

// flock locks f, exclusively or shared, with LockFileEx without blocking, and closes f
// when it cannot. It locks the whole range a lock may name, beyond the file's end too (the
// LOCK file is empty): Windows locks are on byte ranges, and two overlapping ones conflict
// as flock's do. unlock releases it.
func flock(f *os.File, exclusive bool) (*os.File, error) {
	flags := uint32(windows.LOCKFILE_FAIL_IMMEDIATELY)
	if exclusive {
		flags |= windows.LOCKFILE_EXCLUSIVE_LOCK
	}
	var ol windows.Overlapped
	err := windows.LockFileEx(windows.Handle(f.Fd()), flags, 0, ^uint32(0), ^uint32(0), &ol)
	if err != nil {
		f.Close()
		if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
			return nil, fmt.Errorf("%w (%s)", ErrLocked, f.Name())
		}
		return nil, fmt.Errorf("jsonl: lock %s: %w", f.Name(), err)
	}
	return f, nil
}

// lockLog does nothing on Windows: a lock there is on byte ranges and would stop other
// handles' reads of the log, and LOCK cannot be deleted while a Store holds it open (Go
// opens files without FILE_SHARE_DELETE), so LOCK's lock suffices.
func lockLog(*os.File, bool) error { return nil }

// unlockLog does nothing, as lockLog does nothing.
func unlockLog(*os.File) {}

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
