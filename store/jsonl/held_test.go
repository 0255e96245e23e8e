package jsonl_test

import (
	"path/filepath"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// TestHeld: Held reports a directory held by a Store opened with Open, and nothing else;
// and it releases the locks it tries, so that a Store may open the directory after it.
func TestHeld(t *testing.T) {
	tests := []struct {
		name string
		dir  func(t *testing.T) string // the directory, with whatever holds it until the test ends
		want bool
	}{
		{"a directory that does not exist", func(t *testing.T) string { return filepath.Join(t.TempDir(), "none") }, false},
		{"a directory without a log", func(t *testing.T) string { return t.TempDir() }, false},
		{"a log no Store has open", func(t *testing.T) string {
			dir := t.TempDir()
			s := openStore(t, dir, jsonl.WithNoSync())
			mustAppend(t, s, "s", store.NoStream, ev("T", 1))
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			return dir
		}, false},
		{"a log a Store has open", func(t *testing.T) string {
			dir := t.TempDir()
			openStore(t, dir, jsonl.WithNoSync())
			return dir
		}, true},
		{"a log a read-only Store has open", func(t *testing.T) string {
			dir := t.TempDir()
			s := openStore(t, dir, jsonl.WithNoSync())
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			ro, err := jsonl.OpenReadOnly(dir)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ro.Close() })
			return dir
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.dir(t)
			if got, err := jsonl.Held(dir); err != nil || got != tt.want {
				t.Fatalf("Held = %v, %v; want %v", got, err, tt.want)
			}
			if got, err := jsonl.Held(dir); err != nil || got != tt.want {
				t.Fatalf("Held again = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	t.Run("Held leaves no lock behind", func(t *testing.T) {
		dir := t.TempDir()
		s := openStore(t, dir, jsonl.WithNoSync())
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := jsonl.Held(dir); err != nil {
			t.Fatal(err)
		}
		s, err := jsonl.Open(dir, jsonl.WithNoSync()) // fails with ErrLocked if Held kept a lock
		if err != nil {
			t.Fatalf("Open after Held: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	})
}
