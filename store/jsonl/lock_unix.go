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
	if err := lockLog(f, exclusive); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// unlockLog releases lockLog's lock on f (f stays open).
func unlockLog(f *os.File) {
	for syscall.Flock(int(f.Fd()), syscall.LOCK_UN) == syscall.EINTR {
	}
}

// lockLog locks f, the log file, with flock(2) as flock locks LOCK, without blocking.
// flock locks are advisory, so reads and writes of the file go on; they only exclude other
// locks. The lock lasts until f is closed.
func lockLog(f *os.File, exclusive bool) error {
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
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("%w (%s)", ErrLocked, f.Name())
		}
		return fmt.Errorf("jsonl: lock %s: %w", f.Name(), err)
	}
	return nil
}

// unlock releases a lock lockFile or lockShared took, by closing its file: flock locks end
// with the last descriptor of their open file description.
func unlock(f *os.File) error { return f.Close() }
