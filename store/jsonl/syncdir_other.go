//go:build !windows

package jsonl

import "os"

// syncDir makes a directory entry (a newly created or renamed file) durable: fsync of the
// directory is what POSIX offers for it.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
