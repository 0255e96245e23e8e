package jsonl

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// A durable Open syncs the directory that holds the log's directory's entry however the
// directory is named: "." (--data .) is the working directory, whose entry is in "..",
// not in "." (filepath.Dir(".")), and a symbolic link's target has its entry in the
// target's parent, not in the link's.
func TestOpen_syncsTheParentOfTheLogsDirectory(t *testing.T) {
	tests := []struct {
		name string
		// setup makes the log's directory, a child of parent, and returns how Open names it.
		setup func(t *testing.T, parent, dir string) string
	}{
		{name: "the working directory", setup: func(t *testing.T, _, dir string) string {
			t.Chdir(dir)
			return "."
		}},
		{name: "a relative name", setup: func(t *testing.T, parent, _ string) string {
			t.Chdir(parent)
			return filepath.Join("data", ".")
		}},
		{name: "a symbolic link", setup: func(t *testing.T, _, dir string) string {
			skipLinksOnWindows(t)
			link := filepath.Join(t.TempDir(), "link")
			if err := os.Symlink(dir, link); err != nil {
				t.Skipf("no symbolic links here: %v", err)
			}
			return link
		}},
		{name: "a link to a relative link", setup: func(t *testing.T, parent, _ string) string {
			skipLinksOnWindows(t)
			links := t.TempDir()
			rel, err := filepath.Rel(links, filepath.Join(parent, "data"))
			if err != nil {
				t.Skipf("no relative path between temporary directories: %v", err)
			}
			if err := os.Symlink(rel, filepath.Join(links, "first")); err != nil {
				t.Skipf("no symbolic links here: %v", err)
			}
			if err := os.Symlink("first", filepath.Join(links, "second")); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(links, "second")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "data")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			name := tt.setup(t, parent, dir)
			var synced []string
			s, err := Open(name, withDirSync(func(d string) error {
				synced = append(synced, d)
				return nil
			}))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			want := realPath(t, parent)
			for _, d := range synced {
				if realPath(t, d) == want {
					return
				}
			}
			t.Errorf("Open(%q) synced %q; want the directory holding its entry, %s", name, synced, parent)
		})
	}
}

// skipLinksOnWindows skips a case of a linked log directory on Windows, which syncs no
// directory (syncDir does nothing there), so which one Open picks does not matter; under
// Wine, which runs the Windows tests here, os.Readlink does not read the links os.Symlink
// makes.
func skipLinksOnWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows syncs no directory")
	}
}

// realPath returns p absolute, its symbolic links resolved.
func realPath(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		t.Fatal(err)
	}
	return real
}
