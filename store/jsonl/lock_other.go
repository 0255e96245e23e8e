//go:build !unix

package jsonl

import "os"

// lockFile opens the lock file. Without flock the directory is not protected against a
// second writer on this platform.
func lockFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
}
