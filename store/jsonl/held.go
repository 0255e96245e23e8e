package jsonl

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// Held reports whether a Store opened with Open (a server) holds dir now, as far as the
// platform's locks tell: it tries, without waiting, the shared locks OpenReadOnly takes (on
// LOCK and, on unix systems, on the log file itself, which holds even when LOCK was deleted)
// and releases them at once. Verify takes no lock, so a tool that checks a log before a
// restore asks Held too: a server still running writes to the file it has open (a durable
// store fails, rather than write on, once it finds that file moved, replaced or cut). It
// reports false for a directory without a log, and where the platform has no locks.
func Held(dir string) (bool, error) {
	lock, _, err := lockShared(filepath.Join(dir, lockName), false)
	switch {
	case errors.Is(err, ErrLocked):
		return true, nil
	case err != nil:
		return false, err
	case lock != nil:
		defer unlock(lock)
	}
	f, err := os.Open(filepath.Join(dir, LogFile))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close() // releases the log file's lock, if taken
	if err := lockLog(f, false); errors.Is(err, ErrLocked) {
		return true, nil
	}
	return false, nil
}
