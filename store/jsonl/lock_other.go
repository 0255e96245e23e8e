//go:build !unix && !windows

package jsonl

import (
	"errors"
	"io/fs"
	"os"
)

// lockFile opens the lock file. Without flock the directory is not protected against a
// second writer on this platform.
func lockFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
}

// lockShared opens the lock file for reading, when it exists (else it returns nil and no
// error). Without flock it does not exclude a writer on this platform.
func lockShared(path string, _ bool) (*os.File, bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	return f, false, err
}

// lockLog does nothing: there is no lock on this platform.
func lockLog(*os.File, bool) error { return nil }

// unlockLog does nothing, as lockLog does nothing.
func unlockLog(*os.File) {}

// unlock closes the lock file.
func unlock(f *os.File) error { return f.Close() }
