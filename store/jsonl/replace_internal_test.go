package jsonl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The errors of operations inside a root name the file with its directory, once: a root's
// own errors name only what is inside it, and a file the root opened names itself with the
// directory already (a full disk's write error named the directory twice).
func TestInDir_namesTheDirectoryOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	f, err := root.OpenFile("x.tmp", os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	_, writeErr := f.Write([]byte("x")) // a file's own error, as a full disk's is
	_, openErr := root.Open("missing")  // the root's
	renameErr := root.Rename("missing", "other")
	for _, err := range []error{writeErr, openErr, renameErr} {
		if err == nil {
			t.Fatal("an operation that must fail succeeded")
		}
		msg := inDir(dir, err).Error()
		if n := strings.Count(msg, dir); n != 1 && !(err == renameErr && n == 2) { // a rename names two paths
			t.Errorf("%q names %s %d times, want once per path", msg, dir, n)
		}
	}
}
