package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// TestRun_usageAndDefaults pins what the usage promises: tail prints the last 10 events
// without -n, a negative -n is a usage error (it printed the whole log), and a sound log's
// verify says nothing of a torn tail.
func TestRun_usageAndDefaults(t *testing.T) {
	dir, _ := bigLog(t, 25)
	t.Run("tail prints the last 10 events by default", func(t *testing.T) {
		code, out, errOut := runIn("tail", dir)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if code != exitOK || len(lines) != 10 || !strings.HasPrefix(lines[0], `{"position":16,`) || !strings.HasPrefix(lines[9], `{"position":25,`) {
			t.Errorf("exit %d, %d lines, stderr %q; want positions 16 to 25:\n%s", code, len(lines), errOut, out)
		}
	})
	t.Run("a negative -n is a usage error", func(t *testing.T) {
		code, out, errOut := runIn("tail", "-n", "-1", dir)
		if code != exitUsage || out != "" || !strings.Contains(errOut, "invalid -n -1: must not be negative") {
			t.Errorf("exit %d, stdout %.100q, stderr %q; want exit 2 naming -n", code, out, errOut)
		}
	})
	t.Run("verify of a sound log mentions no torn tail", func(t *testing.T) {
		code, out, _ := runIn("verify", dir)
		if code != exitOK || !strings.Contains(out, "OK: 25 events") || strings.Contains(out, "torn") {
			t.Errorf("exit %d, stdout %q; want OK without a torn tail", code, out)
		}
	})
}

// TestStats_timeRange: stats gives the time of the first and of the last event.
func TestStats_timeRange(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	s, err := jsonl.Open(dir, jsonl.WithNoSync(), jsonl.WithClock(func() time.Time { at = at.Add(time.Hour); return at }))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := s.Append(context.Background(), fmt.Sprint("s", i), store.NoStream, store.EventData{Type: "T", Data: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runIn("stats", dir)
	if code != exitOK || !strings.Contains(out, "first:   2024-05-01T13:00:00Z\nlast:    2024-05-01T15:00:00Z\n") {
		t.Errorf("exit %d, stderr %q, stdout:\n%s\nwant the first event at 13:00 and the last at 15:00", code, errOut, out)
	}
}

// TestEndsInCR: the CR LF hint finds the line's end a block at a time, also when the CR
// ends one block and the LF starts the next.
func TestEndsInCR(t *testing.T) {
	const block = 64 << 10 // endsInCR's block
	for _, tt := range []struct {
		name string
		file string
		off  int64
		want bool
	}{
		{"CR LF within a block", "abc\r\nnext\n", 0, true},
		{"LF alone", "abc\nnext\r\n", 0, false},
		{"CR ending a block, LF starting the next", strings.Repeat("x", block-1) + "\r\n", 0, true},
		{"a line longer than a block, LF alone", strings.Repeat("x", block+10) + "\n", 0, false},
		{"CR LF of a line at an offset", "a\r\nb\n", 3, false},
		{"no line end", "abc", 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), jsonl.LogFile)
			if err := os.WriteFile(path, []byte(tt.file), 0o644); err != nil {
				t.Fatal(err)
			}
			if got := endsInCR(path, tt.off); got != tt.want {
				t.Errorf("endsInCR = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestBackup_opensAndIsNeverOverwritten: a backup is a log that verify passes and holds the
// events of the log; a second backup into the same directory is refused and leaves the
// first as it was.
func TestBackup_opensAndIsNeverOverwritten(t *testing.T) {
	dir, _ := bigLog(t, 25)
	dest := filepath.Join(t.TempDir(), "backup")
	if code, out, errOut := runIn("backup", dir, dest); code != exitOK || !strings.Contains(out, "backed up 25 events (positions up to 25)") {
		t.Fatalf("backup: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	want, err := os.ReadFile(filepath.Join(dir, jsonl.LogFile))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(dest, jsonl.LogFile)); err != nil || string(got) != string(want) {
		t.Fatalf("the backup differs from the log (%v)", err)
	}
	if code, out, _ := runIn("verify", dest); code != exitOK || !strings.Contains(out, "OK: 25 events") {
		t.Fatalf("verify of the backup: exit %d, %q", code, out)
	}
	code, out, errOut := runIn("backup", newLog(t), dest)
	if code != exitExists || !strings.Contains(errOut, "holds a log already") || !strings.Contains(errOut, "nothing was done") {
		t.Fatalf("a second backup into %s: exit %d, stdout %q, stderr %q; want it refused", dest, code, out, errOut)
	}
	if got, err := os.ReadFile(filepath.Join(dest, jsonl.LogFile)); err != nil || string(got) != string(want) {
		t.Fatalf("the refused backup changed the first (%v)", err)
	}
}

// TestRestore_aBackupAfterMoreWasWritten: a backup restored over its log, which grew since,
// is the log again as the backup holds it; the grown log is kept aside; while a store holds
// the directory the restore is refused and changes nothing.
func TestRestore_aBackupAfterMoreWasWritten(t *testing.T) {
	dir, _ := bigLog(t, 25)
	backupDir := filepath.Join(t.TempDir(), "backup")
	if code, out, errOut := runIn("backup", dir, backupDir); code != exitOK {
		t.Fatalf("backup: exit %d, %q %q", code, out, errOut)
	}
	s, err := jsonl.Open(dir, jsonl.WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(context.Background(), "later", store.NoStream, store.EventData{Type: "Later", Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	grown, err := os.ReadFile(filepath.Join(dir, jsonl.LogFile))
	if err != nil {
		t.Fatal(err)
	}

	code, out, errOut := runIn("restore", backupDir, dir)
	if code != exitLocked || !strings.Contains(errOut, "stop it and wait until it has exited") || !strings.Contains(errOut, "was not changed") {
		t.Fatalf("restore while a store holds the directory: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, jsonl.LogFile)); string(b) != string(grown) {
		t.Fatal("the refused restore changed the log")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	code, out, errOut = runIn("restore", backupDir, dir)
	if code != exitOK || !strings.Contains(out, "restored 25 events (positions up to 25)") || !strings.Contains(out, "moved aside: "+filepath.Join(dir, jsonl.LogFile)+".replaced-") {
		t.Fatalf("restore: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if code, out, _ := runIn("verify", dir); code != exitOK || !strings.Contains(out, "OK: 25 events") {
		t.Fatalf("verify after the restore: exit %d, %q", code, out)
	}
	kept, err := filepath.Glob(filepath.Join(dir, jsonl.LogFile+".replaced-*"))
	if err != nil || len(kept) != 1 {
		t.Fatalf("kept aside: %q %v", kept, err)
	}
	if b, err := os.ReadFile(kept[0]); err != nil || string(b) != string(grown) {
		t.Fatalf("the log kept aside differs from the replaced one (%v)", err)
	}
}

// TestRun_restoreUsage: restore's usage names everything a restore moves aside (the read
// models' states were moved and not named).
func TestRun_restoreUsage(t *testing.T) {
	backup, dir := newLog(t), newLog(t)
	if err := os.WriteFile(filepath.Join(dir, jsonl.CheckpointFile), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{jsonl.SnapshotDir, jsonl.StateDir} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := runIn("restore", backup, dir)
	if code != exitOK {
		t.Fatalf("restore: exit %d, stderr %q", code, errOut)
	}
	usage, _ := synopsis("restore")
	moved := 0
	for _, line := range strings.Split(out, "\n") {
		p, ok := strings.CutPrefix(line, "  moved aside: ")
		if !ok {
			continue
		}
		moved++
		name, _, _ := strings.Cut(filepath.Base(p), ".replaced-")
		if name != jsonl.LogFile && !strings.Contains(usage, name) {
			t.Errorf("restore moved %s aside; its usage does not name %s:\n%s", p, name, usage)
		}
	}
	if moved != 4 {
		t.Errorf("restore moved %d paths aside, want the log, checkpoints, snapshots and states:\n%s", moved, out)
	}
}
