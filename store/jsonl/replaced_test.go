package jsonl_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
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
