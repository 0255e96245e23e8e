//go:build unix

package jsonl_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// TestOpen_lockedWithoutTheLOCKFile: deleting LOCK under an open Store does not let a second
// Store in. A review found that it did: the second Open made and locked a new LOCK, both
// stores appended at position 1, and one of the two acknowledged events was lost. The log
// file itself is locked too now.
func TestOpen_lockedWithoutTheLOCKFile(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, jsonl.WithNoSync())
	mustAppend(t, s, "a", store.NoStream, ev("T", 1))
	if err := os.Remove(filepath.Join(dir, "LOCK")); err != nil {
		t.Fatal(err)
	}
	if s2, err := jsonl.Open(dir, jsonl.WithNoSync()); !errors.Is(err, jsonl.ErrLocked) {
		if err == nil {
			s2.Close()
		}
		t.Fatalf("Open with LOCK deleted under an open Store: %v, want ErrLocked", err)
	}
	if r, err := jsonl.OpenReadOnly(dir); !errors.Is(err, jsonl.ErrLocked) {
		if err == nil {
			r.Close()
		}
		t.Fatalf("OpenReadOnly with LOCK deleted under an open Store: %v, want ErrLocked", err)
	}
	mustAppend(t, s, "a", 1, ev("T", 2))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s3 := openStore(t, dir)
	if got := readAll(t, s3); len(got) != 2 {
		t.Fatalf("%d events after reopening, want 2", len(got))
	}
}

// TestOpen_lockedWithTheLogFileMoved: with the log file moved away under an open Store (so
// that the second Open makes and locks a new one), LOCK alone keeps a second writer out.
func TestOpen_lockedWithTheLogFileMoved(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, jsonl.WithNoSync())
	mustAppend(t, s, "a", store.NoStream, ev("T", 1))
	if err := os.Rename(filepath.Join(dir, jsonl.LogFile), filepath.Join(dir, "moved.jsonl")); err != nil {
		t.Fatal(err)
	}
	if s2, err := jsonl.Open(dir, jsonl.WithNoSync()); !errors.Is(err, jsonl.ErrLocked) {
		if err == nil {
			s2.Close()
		}
		t.Fatalf("Open with the log moved away under an open Store: %v, want ErrLocked", err)
	}
}

// TestOpenReadOnly_sharesTheLogFile: read-only Stores share the log file's lock with each
// other, and a writer cannot take it meanwhile, LOCK or not.
func TestOpenReadOnly_sharesTheLogFile(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, jsonl.WithNoSync())
	mustAppend(t, s, "a", store.NoStream, ev("T", 1))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r1, err := jsonl.OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Close()
	r2, err := jsonl.OpenReadOnly(dir)
	if err != nil {
		t.Fatalf("second OpenReadOnly: %v", err)
	}
	defer r2.Close()
	if err := os.Remove(filepath.Join(dir, "LOCK")); err != nil {
		t.Fatal(err)
	}
	if w, err := jsonl.Open(dir); !errors.Is(err, jsonl.ErrLocked) {
		if err == nil {
			w.Close()
		}
		t.Fatalf("Open while read-only Stores hold the log, LOCK deleted: %v, want ErrLocked", err)
	}
}

// TestHeld_withoutTheLOCKFile: Held still reports a directory a Store holds once LOCK was
// deleted under it, through the Store's lock on the log file itself.
func TestHeld_withoutTheLOCKFile(t *testing.T) {
	dir := t.TempDir()
	openStore(t, dir, jsonl.WithNoSync())
	if err := os.Remove(filepath.Join(dir, "LOCK")); err != nil {
		t.Fatal(err)
	}
	if held, err := jsonl.Held(dir); err != nil || !held {
		t.Fatalf("Held with LOCK deleted under an open Store = %v, %v; want true", held, err)
	}
}
