package jsonl

import (
	"os"
	"path/filepath"
)

// replaceFile replaces the file name in dir with b: it writes b to name+".tmp" in dir,
// syncs it when sync is set, renames it over name and then syncs dir when sync is set. When
// it fails before the rename, it removes the temporary file.
func replaceFile(dir, name string, b []byte, sync bool) (err error) {
	path := filepath.Join(dir, name)
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp) // after the rename there is nothing left to remove
		}
	}()
	_, err = f.Write(b)
	if err == nil && sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	if !sync {
		return nil
	}
	return syncDir(dir)
}
