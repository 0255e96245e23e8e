package jsonl_test

import (
	"context"
	"encoding/json"
	"errors"
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
}
