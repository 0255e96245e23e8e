package jsonl

import (
	"io/fs"
	"os"
	"sync"
)

// closeGuard keeps the log file's Close from meeting a ReadAt that is just starting. On
// Windows, Go's os.File (internal/poll, Go 1.26) takes two locks for each ReadAt, one after
// the other, and when Close comes between them it never releases the first: Close then waits
// for that reference for ever, and so does Store.Close, with the Store's lock held. Eight
// readers of large streams and a Close hung so in a few of 40 runs under Wine. Reads hold the
// guard shared; Close takes it alone, after the reads in flight return (as Go's Close on
// Windows waits for them anyway), and a read after it fails as a read of a closed file does.
type closeGuard struct {
	mu     sync.RWMutex
	closed bool
}

// readAt calls read unless the file was closed.
func (g *closeGuard) readAt(name string, read func() (int, error)) (int, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.closed {
		return 0, &fs.PathError{Op: "read", Path: name, Err: os.ErrClosed}
	}
	return read()
}

// close calls closeFile once no read is in flight, and lets no read start after it.
func (g *closeGuard) close(closeFile func() error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	return closeFile()
}
