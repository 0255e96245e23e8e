package jsonl_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// savedStates returns a store with three events and a set of states saved at the last.
func savedStates(t *testing.T) (*jsonl.Store, string, store.ProjectionStates) {
	t.Helper()
	dir := t.TempDir()
	s := openStore(t, dir)
	mustAppend(t, s, "a", store.NoStream, ev("L", 1), ev("L", 2), ev("L", 3))
	all := readAll(t, s)
	ps := store.ProjectionStates{Position: 3, EventID: all[2].ID, Head: 3, HeadEventID: all[2].ID, States: []store.ProjectionState{
		{Name: "a", Revision: "1", Data: []byte("state of a")}, {Name: "b", Revision: "1", Data: []byte("state of b")},
	}}
	if err := s.SaveProjectionStates(context.Background(), ps); err != nil {
		t.Fatal(err)
	}
	return s, dir, ps
}

func TestStore_ProjectionStates(t *testing.T) {
	ctx := context.Background()
	t.Run("a flipped byte anywhere in the states is an error, not a state", func(t *testing.T) {
		s, dir, _ := savedStates(t)
		path := filepath.Join(dir, jsonl.StateDir, jsonl.StateFile)
		good, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		header := bytes.IndexByte(good, '\n') + 1
		for _, at := range []int{header, header + 5, len(good) - 1} {
			bad := bytes.Clone(good)
			bad[at] ^= 0x20
			if err := os.WriteFile(path, bad, 0o644); err != nil {
				t.Fatal(err)
			}
			if got, ok, err := s.ProjectionStates(ctx); err == nil || ok {
				t.Errorf("byte %d flipped: ProjectionStates = %+v, %v, %v; want an error", at, got, ok, err)
			}
		}
		for _, cut := range []int{len(good) - 1, header - 1, 0} {
			if err := os.WriteFile(path, good[:cut], 0o644); err != nil {
				t.Fatal(err)
			}
			if _, ok, err := s.ProjectionStates(ctx); err == nil || ok {
				t.Errorf("cut to %d bytes: ProjectionStates = %v, %v; want an error", cut, ok, err)
			}
		}
	})
	t.Run("a save that fails, or a process killed while writing, leaves the set before", func(t *testing.T) {
		s, dir, ps := savedStates(t)
		// A killed save leaves its temporary file, cut short.
		tmp := filepath.Join(dir, jsonl.StateDir, jsonl.StateFile+".tmp")
		if err := os.WriteFile(tmp, []byte(`{"position":`), 0o644); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := s.ProjectionStates(ctx); err != nil || !ok || got.Position != ps.Position || string(got.States[1].Data) != "state of b" {
			t.Fatalf("beside a torn temporary file: ProjectionStates = %+v, %v, %v; want the set saved", got, ok, err)
		}
		// A temporary file that cannot be written (a directory in its place) fails the save.
		if err := os.Remove(tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(tmp, 0o755); err != nil {
			t.Fatal(err)
		}
		next := ps
		next.States = []store.ProjectionState{{Name: "a", Revision: "2", Data: []byte("other")}}
		if err := s.SaveProjectionStates(ctx, next); err == nil {
			t.Fatal("SaveProjectionStates with its temporary file's name taken by a directory: nil error")
		}
		if got, ok, err := s.ProjectionStates(ctx); err != nil || !ok || len(got.States) != 2 || got.States[0].Revision != "1" {
			t.Fatalf("after a failed save: ProjectionStates = %+v, %v, %v; want the set before", got, ok, err)
		}
		if err := os.Remove(tmp); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveProjectionStates(ctx, next); err != nil {
			t.Fatalf("a save after the failure: %v", err)
		}
		if got, _, err := s.ProjectionStates(ctx); err != nil || len(got.States) != 1 || string(got.States[0].Data) != "other" {
			t.Fatalf("after a save retried: ProjectionStates = %+v, %v; want the new set", got, err)
		}
	})
	t.Run("a read-only store reads the states and saves none", func(t *testing.T) {
		s, dir, ps := savedStates(t)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		ro, err := jsonl.OpenReadOnly(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer ro.Close()
		if got, ok, err := ro.ProjectionStates(ctx); err != nil || !ok || got.Position != ps.Position {
			t.Fatalf("read-only ProjectionStates = %+v, %v, %v", got, ok, err)
		}
		if err := ro.SaveProjectionStates(ctx, ps); err == nil {
			t.Fatal("read-only SaveProjectionStates: nil error")
		}
	})
}
