package jsonl

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// replacedSuffix is added, with the time of the restore, to the names of what Restore moves
// aside: events.jsonl.replaced-20261207T150405Z.
const replacedSuffix = ".replaced-"

// Restore puts the log in backup (a directory that Backup filled, or any copy of a log) in
// place of the log in dir, for a server to start on, and returns the report of what it put
// there, the backup's whole commits, and the paths of what it moved aside. It holds dir's lock while it works, so it fails with
// ErrLocked, changing nothing, while a server runs on dir, and no server starts on dir
// until it is done.
//
// Nothing is deleted: dir's log, its saga checkpoints (CheckpointFile), its snapshots
// (SnapshotDir) and its projections' states (StateDir) are renamed with the suffix
// ".replaced-" and the time of the restore, for an operator to remove once the restored
// server runs. The checkpoints, snapshots and states are of the log replaced, so the saga
// reads the restored log from its start (its commands are recognised and write nothing),
// the handlers fold their streams from the log and the read models replay it.
//
// The backup's log is first copied into dir beside the log and checked as Verify checks a
// log (damage is a *CorruptError naming the backup's log, and changes nothing in dir),
// without its torn tail, and synced. Then the checkpoints, snapshots and states are moved aside,
// then the log (kept under its new name by a hard link where the file system has them, so
// that the copy then replaces it in one rename: at any moment dir holds one whole log),
// and dir is synced. A failure before the copy is in place puts back what was moved aside
// (on Windows a handle open on the log, a backup's or a verify's, keeps the copy out; the
// log's second name, which Windows does not remove while that handle is open, is then
// returned as left aside). A backup in dir itself is refused.
func Restore(ctx context.Context, backup, dir string) (Report, []string, error) {
	return restore(ctx, backup, dir, nil)
}

// restore is Restore. dirMade, when not nil, is called once dir is made or found, before
// its lock is taken: a test's seam.
func restore(ctx context.Context, backup, dir string, dirMade func()) (_ Report, movedAside []string, err error) {
	src := filepath.Join(backup, LogFile)
	if same, err := sameDir(backup, dir); err != nil {
		return Report{Path: src}, nil, fmt.Errorf("jsonl: restore: %w", err)
	} else if same {
		return Report{Path: src}, nil, fmt.Errorf("jsonl: restore: the backup %s is the directory it would replace", backup)
	}
	in, err := os.Open(src)
	if err != nil {
		return Report{Path: src}, nil, fmt.Errorf("jsonl: restore: %w", err)
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return Report{Path: src}, nil, fmt.Errorf("jsonl: restore: %w", err)
	}
	made, err := makeDest(dir)
	if err != nil {
		return Report{Path: src}, nil, fmt.Errorf("jsonl: restore: %w", err)
	}
	if dirMade != nil {
		dirMade()
	}
	lock, err := lockFile(filepath.Join(dir, lockName))
	if err != nil {
		// When the LOCK is another's (a server, or a restore, that took dir meanwhile), this
		// restore leaves it, and the directory, to them. When it could not be made (no room,
		// no file handles), the directory this restore made is removed, when empty.
		if made && !errors.Is(err, ErrLocked) {
			_ = os.Remove(dir)
		}
		return Report{Path: src}, nil, fmt.Errorf("jsonl: restore %s: %w", dir, err)
	}
	if made {
		// A restore that fails leaves no directory of its own making behind: once it released
		// its lock it removes the LOCK it made there (Windows keeps one a server opened
		// meanwhile; on unix such a server still holds its log's own lock), then the
		// directory when it is empty. Its parents, made too, stay.
		defer func() {
			if err != nil {
				_ = os.Remove(filepath.Join(dir, lockName))
				_ = os.Remove(dir)
			}
		}()
	}
	defer unlock(lock)
	final := filepath.Join(dir, LogFile)
	if held, err := logHeld(final); err != nil || held {
		if err == nil {
			err = ErrLocked // LOCK was deleted under a server that holds the log itself
		}
		return Report{Path: src}, nil, fmt.Errorf("jsonl: restore %s: %w", dir, err)
	}

	rep, tmp, err := copyLog(ctx, in, fi.Size(), src, final)
	if err != nil {
		if ce, ok := errors.AsType[*CorruptError](err); ok {
			c := *ce
			c.Path = src
			err = &c
		}
		rep.Path = src
		return rep, nil, err
	}
	suffix, err := freeSuffix(dir, replacedSuffix+time.Now().UTC().Format("20060102T150405Z"))
	if err != nil {
		_ = os.Remove(tmp)
		return rep, nil, err
	}
	moved, err := moveAside(ctx, dir, suffix, tmp, final)
	if err != nil {
		_ = os.Remove(tmp)
	}
	return rep, moved, err
}

// moveAside moves dir's checkpoints, snapshots, projections' states and log aside with suffix, renames tmp, the
// restored log, into place as final, and returns the new paths of what it moved. When it
// fails before the restored log is in place it puts back what it moved (Windows refuses to
// rename over a log that another handle holds open, a backup's or a verify's, which take no
// lock), so that dir is as it was; it returns what it could not put back.
func moveAside(ctx context.Context, dir, suffix, tmp, final string) (moved []string, _ error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	linked := false // the log was kept by a hard link, which putting back removes
	putBack := func(err error) ([]string, error) {
		var left []string
		for i := len(moved) - 1; i >= 0; i-- {
			var perr error
			if p := moved[i]; linked && p == final+suffix {
				// Windows removes no name of a file that a handle holds open: the
				// log then keeps a second name, reported with what is left aside.
				perr = os.Remove(p)
			} else {
				perr = os.Rename(p, strings.TrimSuffix(p, suffix))
			}
			if perr != nil {
				left = append([]string{moved[i]}, left...)
				err = fmt.Errorf("%w (and put back: %w)", err, perr)
			}
		}
		return left, err
	}
	for _, name := range []string{CheckpointFile, SnapshotDir, StateDir} {
		p := filepath.Join(dir, name)
		err := os.Rename(p, p+suffix)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return putBack(fmt.Errorf("jsonl: restore: move aside: %w", err))
		}
		moved = append(moved, p+suffix)
	}
	_, err := os.Lstat(final)
	switch {
	case errors.Is(err, fs.ErrNotExist): // nothing to keep
	case err != nil:
		return putBack(fmt.Errorf("jsonl: restore: %w", err))
	default:
		if err := os.Link(final, final+suffix); errors.Is(err, fs.ErrExist) {
			return putBack(fmt.Errorf("jsonl: restore: move aside: %w", err))
		} else if err == nil {
			linked = true
		} else if err := os.Rename(final, final+suffix); err != nil {
			// No hard links here (FAT, some network file systems): renamed, for a moment
			// without a log in dir, which the lock keeps servers from finding.
			return putBack(fmt.Errorf("jsonl: restore: move aside: %w", err))
		}
		moved = append(moved, final+suffix)
	}
	if err := os.Rename(tmp, final); err != nil {
		return putBack(fmt.Errorf("jsonl: restore: %w", err))
	}
	if err := syncDir(dir); err != nil {
		return moved, fmt.Errorf("jsonl: restore: sync directory %s: %w", dir, err)
	}
	return moved, nil
}

// freeSuffix returns base, or base with "-2", "-3", ... added, whichever no name that
// Restore moves aside in dir has yet: two restores within a second must not move the second
// log aside over the first (a rename replaces a file), which the first had kept.
func freeSuffix(dir, base string) (string, error) {
	for i := 1; ; i++ {
		suffix := base
		if i > 1 {
			suffix += fmt.Sprintf("-%d", i)
		}
		free := true
		for _, name := range []string{LogFile, CheckpointFile, SnapshotDir, StateDir} {
			_, err := os.Lstat(filepath.Join(dir, name+suffix))
			if err == nil {
				free = false
				break
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("jsonl: restore: %w", err)
			}
		}
		if free {
			return suffix, nil
		}
	}
}

// logHeld reports whether a Store holds the log file at path itself (see Held): a server
// whose LOCK file was deleted still holds it.
func logHeld(path string) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	if err := lockLog(f, false); errors.Is(err, ErrLocked) {
		return true, nil
	}
	return false, nil
}

// sameDir reports whether a and b name one directory; false when either does not exist.
func sameDir(a, b string) (bool, error) {
	fa, err := os.Stat(a)
	if err != nil {
		return false, nil // a missing backup is reported when it is opened
	}
	fb, err := os.Stat(b)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(fa, fb), nil
}
