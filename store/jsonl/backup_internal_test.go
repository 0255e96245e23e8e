package jsonl

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackup_logCutBackWhileCopied: a server cuts its log back when a write or its sync
// fails; a backup that finds fewer bytes than the log held as it began is refused, and
// keeps nothing, rather than copy a log that lost a commit it had read the start of.
func TestBackup_logCutBackWhileCopied(t *testing.T) {
	log := []byte(strings.Repeat("x", 100))
	dest := t.TempDir()
	_, err := backupFrom(context.Background(), bytes.NewReader(log[:60]), int64(len(log)), "events.jsonl", dest)
	if err == nil || !strings.Contains(err.Error(), "shrank from 100 to 60 bytes") {
		t.Fatalf("backup of a log cut back while copied: %v, want it refused", err)
	}
	if entries, err := os.ReadDir(dest); err != nil || len(entries) != 0 {
		t.Fatalf("the destination holds %v (%v) after a refused backup", entries, err)
	}
	if _, err := os.Stat(filepath.Join(dest, LogFile+".tmp")); !os.IsNotExist(err) {
		t.Fatalf("temporary copy left: %v", err)
	}
}
