//go:build !windows

package jsonl

import (
	"errors"
	"os"
	"syscall"
)

// syncDir makes a directory entry (a newly created or renamed file) durable: fsync of the
// directory is what POSIX offers for it.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return dirSyncError(d.Sync())
}

// dirSyncError is err, the error of a directory's fsync, except on a file system that
// cannot sync a directory at all (EINVAL: a VirtualBox shared folder, some FUSE file
// systems), which is taken as it is, as PostgreSQL takes it: nothing else would make the
// entry durable there, and failing would keep the store off such a directory, or, since a
// durable Open syncs the directory of a log that exists, refuse a log it had opened before.
func dirSyncError(err error) error {
	if errors.Is(err, syscall.EINVAL) {
		return nil
	}
	return err
}
