package jsonl

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestReplaceFile_leavesNoTemporaryFile checks that replaceFile, which SaveSnapshot writes
// with, leaves only the file it replaces: when it succeeds, and when the rename fails after
// the temporary file was written (the name is taken by a directory that is not empty).
func TestReplaceFile_leavesNoTemporaryFile(t *testing.T) {
	for _, sync := range []bool{true, false} {
		t.Run(fmt.Sprintf("sync %v/succeeds", sync), func(t *testing.T) {
			dir := t.TempDir()
			for _, b := range []string{"{}\n", `{"n": 2}` + "\n"} {
				if err := replaceFile(dir, "x.json", []byte(b), sync); err != nil {
					t.Fatalf("replaceFile: %v", err)
				}
				if got, err := os.ReadFile(filepath.Join(dir, "x.json")); err != nil || string(got) != b {
					t.Errorf("x.json holds %q, %v; want %q", got, err, b)
				}
				if got := dirNames(t, dir); !slices.Equal(got, []string{"x.json"}) {
					t.Errorf("the directory holds %q, want only x.json", got)
				}
			}
		})
		t.Run(fmt.Sprintf("sync %v/fails to rename", sync), func(t *testing.T) {
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, "x.json", "inside"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := replaceFile(dir, "x.json", []byte("{}\n"), sync); err == nil {
				t.Fatal("replaceFile over a directory that is not empty: nil error")
			}
			if got := dirNames(t, dir); !slices.Equal(got, []string{"x.json"}) {
				t.Errorf("the directory holds %q, want only x.json", got)
			}
		})
	}
}

// dirNames returns the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}
