package jsonl_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/eventgraph/eventgraph/store/jsonl"
)

// cancelOnRead ends a context at the first read of the log: a signal while Open reads it.
type cancelOnRead struct {
	jsonl.File
	cancel context.CancelFunc
}

func (f cancelOnRead) ReadAt(p []byte, off int64) (int, error) {
	f.cancel()
	return f.File.ReadAt(p, off)
}

// TestOpenContext: an open stopped by its context while it reads the log fails with the
// context's error, changes nothing (not even a torn tail, which a whole Open cuts) and
// releases the directory for the next Open; one whose context has ended reads nothing.
func TestOpenContext(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	mustAppend(t, s, "s", 0, ev("T", 1), ev("T", 2))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, jsonl.LogFile)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"position":3,"str`); err != nil { // a torn tail
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	if _, err := jsonl.OpenContext(ctx, dir, jsonl.WithFile(func(f jsonl.File) jsonl.File { return cancelOnRead{f, cancel} })); !errors.Is(err, context.Canceled) {
		t.Fatalf("OpenContext canceled while it reads the log: %v, want context.Canceled", err)
	}
	if _, err := jsonl.OpenContext(ctx, dir); !errors.Is(err, context.Canceled) {
		t.Fatalf("OpenContext with an ended context: %v, want context.Canceled", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	if _, err := jsonl.OpenReadOnlyContext(ctx, dir, jsonl.WithFile(func(f jsonl.File) jsonl.File { return cancelOnRead{f, cancel} })); !errors.Is(err, context.Canceled) {
		t.Fatalf("OpenReadOnlyContext canceled while it reads the log: %v, want context.Canceled", err)
	}
	if _, err := jsonl.OpenReadOnlyContext(ctx, dir); !errors.Is(err, context.Canceled) {
		t.Fatalf("OpenReadOnlyContext with an ended context: %v, want context.Canceled", err)
	}
	if after, err := os.ReadFile(path); err != nil || string(after) != string(before) {
		t.Fatalf("the log changed under the canceled opens (%d bytes, then %d; %v)", len(before), len(after), err)
	}

	s, err = jsonl.OpenContext(context.Background(), dir)
	if err != nil {
		t.Fatalf("OpenContext after the canceled ones: %v", err)
	}
	defer s.Close()
	if got := readAll(t, s); len(got) != 2 {
		t.Errorf("%d events after the open, want the 2 whole ones", len(got))
	}
	if rep := s.Recovery(); rep.TornBytes == 0 {
		t.Errorf("recovery %+v, want the torn tail cut by the whole open", rep)
	}
}
