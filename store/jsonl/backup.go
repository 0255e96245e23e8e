package jsonl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// ErrBackupExists is Backup's error when dest already holds a log: a backup never
// replaces another.
var ErrBackupExists = errors.New("jsonl: backup: the destination holds a log already")

// ErrLogChanged is Backup's and Restore's error when the log they copy changed while it was
// copied in a way that no append makes (a server cut a failed write back, and may have
// written the next commit in its place): nothing is kept, and copying again is expected
// to succeed.
var ErrLogChanged = errors.New("jsonl: the log changed while it was copied")

// backupChunk is how much Backup copies between checks of its context.
const backupChunk = 4 << 20

// Backup copies the log in dir into dest (created when missing) as dest's LogFile, and
// returns the report of what it copied: the log's whole commits as it found them. A torn
// tail (a commit in flight while a server writes the log) is left out, so the copy opens
// without a cut and, unlike a plain cp, holds no partial commit; the report's TornBytes
// says how much was left out. It only reads dir and takes no lock: a server may go on
// writing, and its commits after the copy began are not in the copy.
//
// The copy is checked as Verify checks a log (damage in dir is a *CorruptError naming
// dir's log, and nothing is kept; a log cut back while it was copied, or damage in the copy
// that dir's log no longer holds, a failed commit cut back and written over while it was
// copied, is ErrLogChanged: back up again), written to a temporary file of its own in dest,
// synced, moved into place, and dest is synced, so that once Backup returns the copy
// survives a power loss. It fails with ErrBackupExists, keeping nothing, when dest holds a
// log already, also one another backup into dest finished while this one copied. A backup
// that fails removes dest when it made it and it is still empty; another backup into dest
// at the same time, which found it gone before it created its copy there, makes it again.
// The check builds the log's index, as Verify and Open do, so Backup's memory grows with
// the log's events, while the copy itself goes a few MiB at a time.
//
// One caveat is that of any copy of a running server's log: when a write or its sync fails
// (a full disk), the server cuts its log back, and a copy taken in between may hold the
// commits whose appends failed (their clients were told so, and may have sent them again
// with the same command id, which is then recognised as a duplicate).
func Backup(ctx context.Context, dir, dest string) (Report, error) {
	src := filepath.Join(dir, LogFile)
	rep, err := backup(ctx, src, dest)
	if ce, ok := errors.AsType[*CorruptError](err); ok {
		c := *ce
		c.Path = src // the copy holds dir's bytes, damage and all
		err = &c
	}
	if err != nil {
		rep.Path = src // nothing was kept in dest
	}
	return rep, err
}

// backup is Backup, with the damage it finds named in the temporary copy.
func backup(ctx context.Context, src, dest string) (Report, error) {
	in, err := os.Open(src)
	if err != nil {
		return Report{}, fmt.Errorf("jsonl: backup: %w", err)
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return Report{}, fmt.Errorf("jsonl: backup: %w", err)
	}
	return backupFrom(ctx, in, fi.Size(), src, dest, nil)
}

// backupFrom is backup of the size bytes of src that in reads. destMade, when not nil, is
// called each time dest is made or found, before the temporary copy is created in it: a
// test's seam.
func backupFrom(ctx context.Context, in io.ReaderAt, size int64, src, dest string, destMade func()) (_ Report, err error) {
	made := false // this call made dest, as it is now
	defer func() {
		// A backup that fails leaves no empty directory of its own making behind (its
		// parents, made too, stay: another backup may be using them). A directory another
		// call made is left to it, and one that holds anything (another backup's temporary
		// copy) is not removed.
		if err != nil && made {
			_ = os.Remove(dest) // only when it is empty
		}
	}()
	final := filepath.Join(dest, LogFile)
	var out *os.File
	var tmp string
	for attempt := 1; ; attempt++ {
		if made, err = makeDest(dest); err != nil {
			return Report{}, fmt.Errorf("jsonl: backup: %w", err)
		}
		if destMade != nil {
			destMade()
		}
		if _, err := os.Lstat(final); err == nil {
			return Report{}, fmt.Errorf("%w: %s (back up into an empty directory)", ErrBackupExists, final)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return Report{}, fmt.Errorf("jsonl: backup: %w", err)
		}
		out, tmp, err = createTemp(final)
		if err == nil {
			break
		}
		made = false
		if !errors.Is(err, fs.ErrNotExist) || attempt == makeDestAttempts {
			return Report{}, fmt.Errorf("jsonl: backup: %w", err)
		}
		// Another backup into dest, which made it and failed, removed it while it was
		// empty, between its making here and the copy's creation: make it again.
	}
	rep, err := copyLogTo(ctx, in, size, src, final, out, tmp)
	if err != nil {
		return rep, err
	}
	if err := publish(tmp, final); err != nil {
		_ = os.Remove(tmp)
		return rep, err
	}
	if err := syncDir(dest); err != nil {
		return rep, fmt.Errorf("jsonl: backup: sync directory %s: %w", dest, err)
	}
	return rep, nil
}

// makeDestAttempts bounds how many times Backup makes its destination again when another
// backup removes it before the copy is created in it.
const makeDestAttempts = 10

// makeDest makes the directory dest, and its parents, when missing, durably, and reports
// whether this call made dest itself (not when another did at the same time).
func makeDest(dest string) (made bool, _ error) {
	if _, err := os.Stat(dest); errors.Is(err, fs.ErrNotExist) {
		if err := makeDir(filepath.Dir(filepath.Clean(dest)), false, syncDir); err != nil {
			return false, err
		}
		if err := os.Mkdir(dest, 0o755); err == nil {
			made = true
		} else if !errors.Is(err, fs.ErrExist) {
			return false, err
		}
	}
	// dest exists: this syncs the directory that holds its entry, whoever made it.
	return made, makeDir(dest, true, syncDir)
}

// copyLog copies the size bytes of src that in reads to a temporary file of its own beside
// final, tmp, checks the copy as Verify checks a log (its report names the log final), cuts
// its torn tail off and syncs it. When it fails it removes tmp.
func copyLog(ctx context.Context, in io.ReaderAt, size int64, src, final string) (Report, string, error) {
	// A temporary file of its own: another backup into the same directory at the same time
	// must not write into this one's copy (nor this one into its).
	out, tmp, err := createTemp(final)
	if err != nil {
		return Report{}, "", fmt.Errorf("jsonl: copy log: %w", err)
	}
	rep, err := copyLogTo(ctx, in, size, src, final, out, tmp)
	if err != nil {
		return rep, "", err
	}
	return rep, tmp, nil
}

// copyLogTo is copyLog into out, the temporary file tmp that createTemp made. It closes
// out, and removes tmp when it fails.
func copyLogTo(ctx context.Context, in io.ReaderAt, size int64, src, final string, out *os.File, tmp string) (_ Report, err error) {
	defer func() {
		if out != nil {
			_ = out.Close()
		}
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	// The size read before bounds the copy: what a server appends meanwhile is left for
	// the next backup, and a commit the bound cuts in two is a torn tail that the check
	// below finds and leaves out.
	n, err := copyContext(ctx, out, io.NewSectionReader(in, 0, size))
	if err != nil {
		return Report{}, fmt.Errorf("jsonl: copy log %s: %w", src, err)
	}
	if n < size {
		// The server cut its log back (a write or its sync failed) while it was copied.
		return Report{}, fmt.Errorf("%w: %s shrank from %d to %d bytes (a failed write was cut back); try again", ErrLogChanged, src, size, n)
	}
	_, rep, err := scanContext(ctx, out, size, final)
	if _, ok := errors.AsType[*CorruptError](err); ok {
		// The damage may be the copy's alone: a server that cut its log back (a write or its
		// sync failed) and wrote the next commit in its place while the copy went on holds
		// the start of one commit and the rest of another. The log is damaged when it still
		// holds what was copied.
		if same, cerr := sameBytes(ctx, out, in, size); cerr != nil {
			return rep, fmt.Errorf("jsonl: copy log: recheck %s: %w", src, cerr)
		} else if !same {
			return Report{}, fmt.Errorf("%w: %s (a failed write was cut back and written over); try again", ErrLogChanged, src)
		}
	}
	if err != nil {
		return rep, err
	}
	if rep.TornBytes > 0 {
		if err := out.Truncate(rep.Valid); err != nil {
			return rep, fmt.Errorf("jsonl: copy log: %w", err)
		}
	}
	if err := out.Sync(); err != nil {
		return rep, fmt.Errorf("jsonl: copy log: sync %s: %w", tmp, err)
	}
	cerr := out.Close()
	out = nil
	if cerr != nil {
		return rep, fmt.Errorf("jsonl: copy log: %w", cerr)
	}
	return rep, nil
}

// copyContext copies r to w a chunk at a time, stopping with ctx's error when ctx ends
// between chunks, and returns how many bytes it copied.
func copyContext(ctx context.Context, w io.Writer, r io.Reader) (int64, error) {
	buf := make([]byte, backupChunk)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		m, err := io.ReadFull(r, buf)
		if m > 0 {
			if _, werr := w.Write(buf[:m]); werr != nil {
				return n, werr
			}
			n += int64(m)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// createTemp creates a file of its own beside final, named after it, for a copy to be
// renamed or linked to final.
func createTemp(final string) (*os.File, string, error) {
	for {
		tmp := final + "." + strconv.FormatUint(rand.Uint64(), 36) + ".tmp"
		f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, tmp, err
	}
}

// publish moves the finished copy tmp to final unless final exists by then: a backup that
// began into dest while it was empty and finishes after another does not replace it. A
// hard link is made, which fails when final exists, and tmp removed; where the file system
// makes no hard links, final is checked and tmp renamed over it, which leaves a backup
// finished in between at risk.
func publish(tmp, final string) error {
	err := os.Link(tmp, final)
	if err == nil {
		if err := os.Remove(tmp); err != nil {
			return fmt.Errorf("jsonl: backup: %w", err)
		}
		return nil
	}
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w: %s (another backup finished into it first)", ErrBackupExists, final)
	}
	if _, err := os.Lstat(final); err == nil {
		return fmt.Errorf("%w: %s (another backup finished into it first)", ErrBackupExists, final)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("jsonl: backup: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("jsonl: backup: %w", err)
	}
	return nil
}

// sameBytes reports whether the first size bytes of a and b are equal, a chunk at a time;
// b holding fewer is a difference.
func sameBytes(ctx context.Context, a, b io.ReaderAt, size int64) (bool, error) {
	x, y := make([]byte, backupChunk), make([]byte, backupChunk)
	for off := int64(0); off < size; off += backupChunk {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		n := int(min(backupChunk, size-off))
		if _, err := a.ReadAt(x[:n], off); err != nil {
			return false, err
		}
		m, err := b.ReadAt(y[:n], off)
		if m < n {
			if errors.Is(err, io.EOF) {
				return false, nil
			}
			return false, err
		}
		if !bytes.Equal(x[:n], y[:n]) {
			return false, nil
		}
	}
	return true, nil
}
