//go:build !windows

package jsonl

import (
	"errors"
	"io/fs"
	"syscall"
	"testing"
)

// A file system that cannot sync a directory (EINVAL) is taken as it is; any other failure
// of the sync still fails what needed it.
func TestDirSyncError(t *testing.T) {
	sync := func(err error) error { return &fs.PathError{Op: "sync", Path: "data", Err: err} }
	tests := []struct {
		err, want error
	}{
		{nil, nil},
		{sync(syscall.EINVAL), nil},
		{sync(syscall.EIO), syscall.EIO},
		{sync(syscall.ENOSPC), syscall.ENOSPC},
	}
	for _, tt := range tests {
		if got := dirSyncError(tt.err); !errors.Is(got, tt.want) || (tt.want == nil) != (got == nil) {
			t.Errorf("dirSyncError(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
