package jsonl

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// replaceFile replaces the file name in dir with b: it writes b to name+".tmp" in dir,
// syncs it when sync is set, renames it over name and then syncs dir when sync is set. When
// it fails before the rename, it removes the temporary file.
//
// It works through an os.Root of dir, whose rename replaces name even while a reader has it
// open (readFileIn). On Windows, os.Rename (MoveFileEx) refuses to replace a file that
// another handle holds, and nothing can replace a file that os.Open opened; an os.Root opens
// files with FILE_SHARE_DELETE and renames with POSIX semantics, and where those are missing
// renameOver waits for the reader. Elsewhere the two ways are alike.
func replaceFile(dir, name string, b []byte, sync bool) error {
	return replaceFileParts(dir, name, [][]byte{b}, sync)
}

// replaceFileParts is replaceFile of the parts written one after the other, so that a caller
// need not join large parts into one buffer first.
func replaceFileParts(dir, name string, parts [][]byte, sync bool) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	if err := writeAndRename(root, name, parts, sync); err != nil {
		return inDir(dir, err)
	}
	if !sync {
		return nil
	}
	return syncDir(dir)
}

// writeAndRename is replaceFile's work inside root, up to the rename.
func writeAndRename(root *os.Root, name string, parts [][]byte, sync bool) (err error) {
	tmp := name + ".tmp"
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = root.Remove(tmp) // after the rename there is nothing left to remove
		}
	}()
	for _, b := range parts {
		if _, err = f.Write(b); err != nil {
			break
		}
	}
	if err == nil && sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return renameOver(root, tmp, name)
}

// renameBound bounds renameOver's retries. A reader holds a snapshot or checkpoint file
// only while it reads it once, so a rename that finds it open finds it closed soon after;
// the bound ends the retries of a conflict that does not go away.
const renameBound = 2 * time.Second

// renameOver renames from over to, in root. Where Windows renames with its older semantics
// (a file system without POSIX semantics, such as FAT, or Windows before 10 version 1809),
// a rename over a file that a reader has open fails: it then tries again, after 1 ms and
// then after longer waits (up to 50 ms each), until renameBound has passed. Elsewhere
// sharingConflict is false and it renames once.
func renameOver(root *os.Root, from, to string) error {
	err := root.Rename(from, to)
	if err == nil || !sharingConflict(err) {
		return err
	}
	deadline := time.Now().Add(renameBound)
	for wait := time.Millisecond; time.Now().Add(wait).Before(deadline); wait = min(2*wait, 50*time.Millisecond) {
		time.Sleep(wait)
		if err = root.Rename(from, to); err == nil || !sharingConflict(err) {
			return err
		}
	}
	return err
}

// readFileIn reads the file name in dir, which replaceFile may be replacing meanwhile, through
// an os.Root of dir: on Windows that opens it so that the rename can still replace it (see
// replaceFile). A missing dir is fs.ErrNotExist, as a missing file is.
func readFileIn(dir, name string) ([]byte, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	b, err := root.ReadFile(name)
	return b, inDir(dir, err)
}

// inDir returns err, an error of an operation inside an os.Root of dir, with the paths it
// names (*fs.PathError's, *os.LinkError's) joined to dir, as os.ReadFile and os.Rename would
// have named them: a root's errors name only what is inside it. A file the root opened names
// itself with dir already (its Name, and so its Read's and Write's errors): such a path is
// left as it is, or a full disk's error named the directory twice.
func inDir(dir string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	join := func(p string) string {
		prefix := dir
		if !strings.HasSuffix(prefix, string(filepath.Separator)) {
			prefix += string(filepath.Separator)
		}
		if strings.HasPrefix(p, prefix) {
			return p
		}
		return filepath.Join(dir, p)
	}
	switch {
	case errors.As(err, &pe):
		pe.Path = join(pe.Path)
	case errors.As(err, &le):
		le.Old, le.New = join(le.Old), join(le.New)
	}
	return err
}
