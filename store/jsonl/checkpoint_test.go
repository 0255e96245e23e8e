package jsonl_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

func TestStore_checkpointFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := jsonl.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	path := filepath.Join(dir, jsonl.CheckpointFile)

	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a new store has a checkpoint file: %v", err)
	}
	if err := s.SaveCheckpoint(ctx, "saga:order", store.Checkpoint{Position: 7, EventID: "e7"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]struct {
		Position int64  `json:"position"`
		EventID  string `json:"eventId"`
	}
	if err := json.Unmarshal(b, &got); err != nil || got["saga:order"].Position != 7 || got["saga:order"].EventID != "e7" || len(got) != 1 {
		t.Fatalf("checkpoint file %s: %v", b, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 { // the log, its lock and the checkpoints
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %q, want the log, the lock and %s (no temporary file)", names, jsonl.CheckpointFile)
	}

	t.Run("a file of null holds no checkpoint, and the next save replaces it", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, jsonl.CheckpointFile), []byte("null\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		s := openStore(t, dir)
		if c, err := s.Checkpoint(ctx, "saga:order"); err != nil || c != (store.Checkpoint{}) {
			t.Fatalf("Checkpoint from a file of null: %+v, %v; want none", c, err)
		}
		if err := s.SaveCheckpoint(ctx, "saga:order", store.Checkpoint{Position: 1, EventID: "e1"}); err != nil {
			t.Fatalf("SaveCheckpoint over a file of null: %v", err)
		}
	})

	t.Run("a damaged file is an error, and the next save replaces it", func(t *testing.T) {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(`{"saga:order": {"position": 7,`), 0o644); err != nil {
			t.Fatal(err)
		}
		s2, err := jsonl.Open(dir)
		if err != nil {
			t.Fatalf("a damaged checkpoint file keeps the log from opening: %v", err)
		}
		t.Cleanup(func() { _ = s2.Close() })
		if _, err := s2.Checkpoint(ctx, "saga:order"); err == nil {
			t.Fatal("Checkpoint from a damaged file: nil error")
		}
		if err := s2.SaveCheckpoint(ctx, "saga:other", store.Checkpoint{Position: 1, EventID: "e1"}); err != nil {
			t.Fatal(err)
		}
		if c, err := s2.Checkpoint(ctx, "saga:other"); err != nil || c != (store.Checkpoint{Position: 1, EventID: "e1"}) {
			t.Fatalf("after the replacing save: %+v, %v", c, err)
		}
		if c, err := s2.Checkpoint(ctx, "saga:order"); err != nil || c != (store.Checkpoint{}) {
			t.Fatalf("the damaged file's entry: %+v, %v; want none", c, err)
		}
	})

	t.Run("a file that cannot be read is an error, and a save does not replace it", func(t *testing.T) {
		// A directory in the file's place: reading it fails (EISDIR) while what it holds
		// stays as it was, as with a file the process may not read.
		dir := t.TempDir()
		path := filepath.Join(dir, jsonl.CheckpointFile)
		if err := os.Mkdir(path, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(path, "kept"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		s := openStore(t, dir)
		if _, err := s.Checkpoint(ctx, "saga:order"); err == nil {
			t.Fatal("Checkpoint from an unreadable file: nil error")
		}
		if _, err := s.Checkpoints(ctx); err == nil {
			t.Fatal("Checkpoints from an unreadable file: nil error")
		}
		err := s.SaveCheckpoint(ctx, "saga:order", store.Checkpoint{Position: 1, EventID: "e1"})
		// The save must fail on reading what is there, before it writes anything; one that
		// went on to replace the file would fail later, on the rename.
		var pe *fs.PathError
		if !errors.As(err, &pe) || pe.Op != "read" {
			t.Fatalf("SaveCheckpoint over an unreadable file: %v; want the read's error", err)
		}
		if _, err := os.Stat(filepath.Join(path, "kept")); err != nil {
			t.Errorf("what the unreadable file held is gone: %v", err)
		}
		if _, err := os.Stat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a temporary file was left: %v", err)
		}
	})

	t.Run("Checkpoints returns every name's checkpoint", func(t *testing.T) {
		s := openStore(t, t.TempDir())
		want := map[string]store.Checkpoint{
			"saga:order": {Position: 3, EventID: "e3", Head: 5, HeadEventID: "e5"},
			"saga:other": {Position: 1, EventID: "e1", Head: 1, HeadEventID: "e1"},
		}
		got, err := s.Checkpoints(ctx)
		if err != nil || len(got) != 0 {
			t.Fatalf("Checkpoints of a new store: %v, %v; want none", got, err)
		}
		for name, c := range want {
			if err := s.SaveCheckpoint(ctx, name, c); err != nil {
				t.Fatal(err)
			}
		}
		if got, err = s.Checkpoints(ctx); err != nil || !maps.Equal(got, want) {
			t.Fatalf("Checkpoints = %v, %v; want %v", got, err, want)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Checkpoints(ctx); !errors.Is(err, store.ErrClosed) {
			t.Fatalf("Checkpoints after Close: %v; want ErrClosed", err)
		}
	})
}
