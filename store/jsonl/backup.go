package jsonl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrBackupExists is Backup's error when dest already holds a log: a backup never
// replaces another.
var ErrBackupExists = errors.New("jsonl: backup: the destination holds a log already")

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
// dir's log, and nothing is kept), written to a temporary file in dest, synced, renamed
// into place, and dest is synced, so that once Backup returns the copy survives a power
// loss. It fails with ErrBackupExists, copying nothing, when dest holds a log already.
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
	return backupFrom(ctx, in, fi.Size(), src, dest)
}

// backupFrom is backup of the size bytes of src that in reads.
func backupFrom(ctx context.Context, in io.ReaderAt, size int64, src, dest string) (Report, error) {
	if err := makeDir(dest, true, syncDir); err != nil {
		return Report{}, fmt.Errorf("jsonl: backup: %w", err)
	}
	final := filepath.Join(dest, LogFile)
	if _, err := os.Lstat(final); err == nil {
		return Report{}, fmt.Errorf("%w: %s (back up into an empty directory)", ErrBackupExists, final)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return Report{}, fmt.Errorf("jsonl: backup: %w", err)
	}
	tmp := final + ".tmp"
	rep, err := copyLog(ctx, in, size, src, tmp, final)
	if err != nil {
		return rep, err
	}
	if err := os.Rename(tmp, final); err != nil {
		_ = os.Remove(tmp)
		return rep, fmt.Errorf("jsonl: backup: %w", err)
	}
	if err := syncDir(dest); err != nil {
		return rep, fmt.Errorf("jsonl: backup: sync directory %s: %w", dest, err)
	}
	return rep, nil
}

// copyLog copies the size bytes of src that in reads to the file tmp, checks the copy as
// Verify checks a log (its report names the log final), cuts its torn tail off and syncs
// it. When it fails it removes tmp.
func copyLog(ctx context.Context, in io.ReaderAt, size int64, src, tmp, final string) (_ Report, err error) {
	out, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return Report{}, fmt.Errorf("jsonl: copy log: %w", err)
	}
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
		return Report{}, fmt.Errorf("jsonl: copy log: %s shrank from %d to %d bytes while it was copied (a failed write was cut back); try again", src, size, n)
	}
	_, rep, err := scanContext(ctx, out, size, final)
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
