package jsonl

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// TestRestore_refusedIntoADirectoryTakenMeanwhile: a restore into a missing directory that a
// server (or another restore) takes between the restore's making it and its lock is refused,
// and leaves that owner's LOCK and directory alone. It removed the LOCK, as a failed restore
// into a directory of its own making does: a second server could then start beside the first.
func TestRestore_refusedIntoADirectoryTakenMeanwhile(t *testing.T) {
	backup := t.TempDir()
	if err := os.WriteFile(filepath.Join(backup, LogFile), logOf(t, 3), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "data")
	var server *Store
	_, _, err := restore(context.Background(), backup, dir, func() {
		var oerr error
		if server, oerr = Open(dir, WithNoSync()); oerr != nil {
			t.Errorf("the server's Open: %v", oerr)
		}
	})
	if server == nil {
		t.FailNow()
	}
	defer server.Close()
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("Restore into a directory a server took meanwhile: %v, want ErrLocked", err)
	}
	if _, err := os.Stat(filepath.Join(dir, lockName)); err != nil {
		t.Fatalf("the server's LOCK after the refused restore: %v", err)
	}
	// The server's directory holds no trace of the restore, and the server goes on.
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != lockName && e.Name() != LogFile {
			t.Errorf("the refused restore left %s in the server's directory", e.Name())
		}
	}
	if _, err := server.Append(context.Background(), "s", store.NoStream, store.EventData{Type: "T", Data: []byte(`{}`)}); err != nil {
		t.Fatalf("the server's append after the refused restore: %v", err)
	}
}
