package jsonl

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// file is the package's own name for File, which its internal tests embed.
type file = File

// osFile is the real log file.
type osFile struct {
	f     *os.File
	fd    int
	guard closeGuard // between reads and Close, on Windows (see closeguard_windows.go)
}

func newOSFile(f *os.File) *osFile { return &osFile{f: f, fd: int(f.Fd())} }

func (o *osFile) ReadAt(p []byte, off int64) (int, error) {
	return o.guard.readAt(o.f.Name(), func() (int, error) { return o.f.ReadAt(p, off) })
}

func (o *osFile) WriteAt(p []byte, off int64) (int, error) { return pwrite(o.f, o.fd, p, off) }
func (o *osFile) Sync() error                              { return datasync(o.f, o.fd) }
func (o *osFile) Truncate(size int64) error                { return o.f.Truncate(size) }
func (o *osFile) Close() error                             { return o.guard.close(o.f.Close) }

// makeDir creates dir and any parents it lacks, syncing the parent of each directory it
// created with sync: the log's own directory entry is synced by every durable Open, but a
// power failure could still lose a directory that was only just made, with the log in it.
//
// A durable Open (durable set) also syncs the parent of a dir that already exists: an Open
// killed between making dir and syncing its parent left an entry that the next Open would
// find and trust, and a power failure could take it after that Open acknowledged appends.
// That sync is best effort where the parent cannot be opened (a 0711 home directory, say):
// refusing a log that opened before would be worse than the window it closes, and nothing
// else could make the entry durable for a process that may not read the parent. The
// parent is the one that holds dir's entry (see entryDir).
func makeDir(dir string, durable bool, sync func(string) error) error {
	var created []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		created = append(created, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := len(created) - 1; i >= 0; i-- { // the topmost first
		if err := sync(filepath.Dir(created[i])); err != nil {
			return fmt.Errorf("sync directory: %w", err)
		}
	}
	if len(created) == 0 && durable {
		parent := entryDir(dir)
		if err := sync(parent); err != nil && !errors.Is(err, fs.ErrPermission) {
			return fmt.Errorf("sync directory %s: %w", parent, err)
		}
	}
	return nil
}

// entryDir returns the directory that holds dir's entry: the parent of dir made absolute,
// or of the directory dir links to. filepath.Dir(".") is "." itself (--data . holds the
// log in the working directory, whose entry is in its parent), and a symbolic link's
// parent holds the link, not its target. Only dir's own links are followed: a parent
// named through a link is the same directory.
func entryDir(dir string) string {
	p, err := filepath.Abs(dir)
	if err != nil {
		return filepath.Dir(filepath.Clean(dir))
	}
	for range maxLinks {
		target, err := os.Readlink(p)
		if err != nil {
			break // not a link
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(p), target)
		}
		p = target
	}
	return filepath.Dir(p)
}

// maxLinks bounds the links entryDir follows, as the kernel bounds a path's (ELOOP).
const maxLinks = 40
