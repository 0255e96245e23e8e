//go:build unix

package jsonl

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// flock locks f, exclusively or shared, with flock(2) without blocking, and closes f when
// it cannot.
func flock(f *os.File, exclusive bool) (*os.File, error) {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
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
