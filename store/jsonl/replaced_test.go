package jsonl_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// TestStore_logCutUnderTheStore: a backup copied over the log of a running store (cp writes
// the same file, shorter) makes the store fail its next append and every one after it,
// leaving the file as the copy made it. It wrote the group at its old offset, past the
// copy's end: a gap of zeros that made the log refuse to open, and appends acknowledged
// that no restart found (found by an operator's walkthrough of the README's restore).
func TestStore_logCutUnderTheStore(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	mustAppend(t, s, "a", store.NoStream, ev("T", 1))
	backup, err := os.ReadFile(filepath.Join(dir, jsonl.LogFile))
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, s, "a", 1, ev("T", 2), ev("T", 3))
	if err := os.WriteFile(filepath.Join(dir, jsonl.LogFile), backup, 0o644); err != nil { // as cp does
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.Append(ctx, "b", store.NoStream, ev("T", 4)); err == nil {
		t.Fatal("an append after the log was cut under the store succeeded")
	}
	if _, err := s.Append(ctx, "c", store.NoStream, ev("T", 5)); !errors.Is(err, jsonl.ErrFailed) {
		t.Errorf("the next append: %v, want ErrFailed", err)
	}
	if err := s.Failed(); !errors.Is(err, jsonl.ErrFailed) {
		t.Errorf("Failed() = %v, want ErrFailed", err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, jsonl.LogFile)); err != nil || !bytes.Equal(got, backup) {
		t.Fatalf("the log after the failed appends differs from the copy (%d bytes, want %d; %v)", len(got), len(backup), err)
	}
	if err := s.Close(); err != nil && !errors.Is(err, jsonl.ErrFailed) {
		t.Fatal(err)
	}
	// The copy opens as it is, holding what it held.
	s = openStore(t, dir)
	if got := readAll(t, s); len(got) != 1 {
		t.Errorf("%d events in the restored log, want the copy's 1", len(got))
	}
}

// TestStore_logMovedUnderTheStore: a log file moved aside, removed or replaced (by mv, a
// clean-up, a restore that renames a copy into place) while a durable store has it open
// makes the store fail its next append and every one after it, writing nothing. It wrote
// on into the file it held, which no restart opens: appends acknowledged and lost to the
// log.
func TestStore_logMovedUnderTheStore(t *testing.T) {
	tests := []struct {
		name string
		// change changes the log under the store; it returns the path of the file the store
		// held, where it still is, or "" when it is gone.
		change func(t *testing.T, dir string) (held string)
	}{
		{"moved aside", func(t *testing.T, dir string) string {
			aside := filepath.Join(dir, "events.jsonl.old")
			moveUnder(t, filepath.Join(dir, jsonl.LogFile), aside)
			return aside
		}},
		{"removed", func(t *testing.T, dir string) string {
			if err := os.Remove(filepath.Join(dir, jsonl.LogFile)); err != nil {
				refusedUnder(t, err)
			}
			return ""
		}},
		{"replaced by a copy renamed over it", func(t *testing.T, dir string) string {
			log := filepath.Join(dir, jsonl.LogFile)
			b, err := os.ReadFile(log)
			if err != nil {
				t.Fatal(err)
			}
			copied := filepath.Join(t.TempDir(), "copy")
			if err := os.WriteFile(copied, b, 0o644); err != nil {
				t.Fatal(err)
			}
			aside := filepath.Join(dir, "events.jsonl.old")
			moveUnder(t, log, aside)
			moveUnder(t, copied, log)
			return aside
		}},
		{"its directory moved", func(t *testing.T, dir string) string {
			moved := dir + ".old"
			moveUnder(t, dir, moved)
			t.Cleanup(func() { os.RemoveAll(moved) })
			return filepath.Join(moved, jsonl.LogFile)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			s := openStore(t, dir)
			mustAppend(t, s, "a", store.NoStream, ev("T", 1))
			held := tt.change(t, dir)
			var before []byte
			if held != "" {
				var err error
				if before, err = os.ReadFile(held); err != nil {
					t.Fatal(err)
				}
			}
			ctx := context.Background()
			if _, err := s.Append(ctx, "b", store.NoStream, ev("T", 2)); err == nil {
				t.Fatalf("an append after the log was %s succeeded", tt.name)
			} else {
				t.Log(err)
			}
			if _, err := s.Append(ctx, "c", store.NoStream, ev("T", 3)); !errors.Is(err, jsonl.ErrFailed) {
				t.Errorf("the next append: %v, want ErrFailed", err)
			}
			if err := s.Failed(); !errors.Is(err, jsonl.ErrFailed) {
				t.Errorf("Failed() = %v, want ErrFailed", err)
			}
			if held != "" {
				if after, err := os.ReadFile(held); err != nil || !bytes.Equal(after, before) {
					t.Errorf("the file the store held changed: %d bytes, want %d (%v)", len(after), len(before), err)
				}
			}
			if err := s.Close(); err != nil && !errors.Is(err, jsonl.ErrFailed) {
				t.Fatal(err)
			}
		})
	}
}

// TestStore_logLookedUpWhereItWasOpened: a program that changes its working directory after
// opening a store at a relative path appends on: the store looks its log up where it was.
func TestStore_logLookedUpWhereItWasOpened(t *testing.T) {
	parent := t.TempDir()
	t.Chdir(parent)
	s := openStore(t, "data")
	mustAppend(t, s, "a", store.NoStream, ev("T", 1))
	t.Chdir(t.TempDir())
	mustAppend(t, s, "a", 1, ev("T", 2))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, openStore(t, filepath.Join(parent, "data"))); len(got) != 2 {
		t.Errorf("%d events, want 2", len(got))
	}
}

// moveUnder renames from to to, under a store that holds a file there.
func moveUnder(t *testing.T, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		refusedUnder(t, err)
	}
}

// refusedUnder ends a test whose change of a file a store holds the operating system
// refused: Windows does not move or remove a file another handle holds (without
// FILE_SHARE_DELETE), so there is nothing for the store to find. Elsewhere it fails.
func refusedUnder(t *testing.T, err error) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skipf("Windows refused to change a file the store holds, as it should: %v", err)
	}
	t.Fatal(err)
}
