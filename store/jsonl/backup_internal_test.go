package jsonl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// TestBackup_logCutBackWhileCopied: a server cuts its log back when a write or its sync
// fails; a backup that finds fewer bytes than the log held as it began is refused, and
// keeps nothing, rather than copy a log that lost a commit it had read the start of.
func TestBackup_logCutBackWhileCopied(t *testing.T) {
	log := []byte(strings.Repeat("x", 100))
	dest := t.TempDir()
	_, err := backupFrom(context.Background(), bytes.NewReader(log[:60]), int64(len(log)), "events.jsonl", dest, nil)
	if !errors.Is(err, ErrLogChanged) || !strings.Contains(err.Error(), "shrank from 100 to 60 bytes") {
		t.Fatalf("backup of a log cut back while copied: %v, want it refused", err)
	}
	if entries, err := os.ReadDir(dest); err != nil || len(entries) != 0 {
		t.Fatalf("the destination holds %v (%v) after a refused backup", entries, err)
	}
	if _, err := os.Stat(filepath.Join(dest, LogFile+".tmp")); !os.IsNotExist(err) {
		t.Fatalf("temporary copy left: %v", err)
	}
}

// gatedReader is a log's bytes whose first read waits: it says it began on started, and
// goes on once release is closed.
type gatedReader struct {
	r       *bytes.Reader
	started chan struct{}
	release chan struct{}
	once    sync.Once
}

func (g *gatedReader) ReadAt(p []byte, off int64) (int, error) {
	g.once.Do(func() {
		close(g.started)
		<-g.release
	})
	return g.r.ReadAt(p, off)
}

// logOf returns the bytes of a log of n events, in a store of its own.
func logOf(tb testing.TB, n int) []byte {
	tb.Helper()
	dir := tb.TempDir()
	s, err := Open(dir, WithNoSync())
	if err != nil {
		tb.Fatal(err)
	}
	for i := range n {
		if _, err := s.Append(context.Background(), "s", store.Any, store.EventData{Type: "T", Data: []byte(fmt.Sprintf(`{"n":%d}`, i))}); err != nil {
			tb.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		tb.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, LogFile))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestBackup_twoIntoOneDestination: of two backups into one destination at once, one is
// kept whole and the other is refused; neither writes into the other's copy, and the one
// that finishes second does not replace the first (a backup never replaces another).
func TestBackup_twoIntoOneDestination(t *testing.T) {
	first, second := logOf(t, 3), logOf(t, 3)
	dest := t.TempDir()
	g := &gatedReader{r: bytes.NewReader(first), started: make(chan struct{}), release: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := backupFrom(context.Background(), g, int64(len(first)), "first", dest, nil)
		done <- err
	}()
	<-g.started // the first backup has made its temporary file and is copying
	if _, err := backupFrom(context.Background(), bytes.NewReader(second), int64(len(second)), "second", dest, nil); err != nil {
		t.Fatalf("the second backup, run while the first copies: %v", err)
	}
	close(g.release)
	if err := <-done; !errors.Is(err, ErrBackupExists) {
		t.Errorf("the first backup, finished after the second: %v, want ErrBackupExists", err)
	}
	got, err := os.ReadFile(filepath.Join(dest, LogFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, second) {
		t.Fatalf("the destination's log is not the copy of the backup that finished first:\n%s\nwant\n%s", got, second)
	}
	if entries, err := os.ReadDir(dest); err != nil || len(entries) != 1 {
		t.Fatalf("the destination holds %v (%v), want %s alone", entries, err, LogFile)
	}
}

// changingReader is a log that a server cut back and wrote over while it was copied: the
// copy's read finds before, every later read after.
type changingReader struct {
	before, after []byte
	reads         int
}

func (r *changingReader) ReadAt(p []byte, off int64) (int, error) {
	r.reads++
	if r.reads == 1 {
		return bytes.NewReader(r.before).ReadAt(p, off)
	}
	return bytes.NewReader(r.after).ReadAt(p, off)
}

// TestBackup_logWrittenOverWhileCopied: a copy that holds the start of one commit and the
// rest of another (the server cut a failed commit back and wrote the next in its place
// while the copy went on) is refused as a log that changed, not blamed on the log as
// damage, which the log does not hold; nothing is kept.
func TestBackup_logWrittenOverWhileCopied(t *testing.T) {
	log := logOf(t, 5)
	lines := bytes.SplitAfter(log, []byte("\n"))
	mixed := bytes.Clone(log)
	third := len(lines[0]) + len(lines[1]) + len(lines[2])/2 // the middle of the third line
	copy(mixed[third:], `"garbage"`)
	dest := t.TempDir()
	_, err := backupFrom(context.Background(), &changingReader{before: mixed, after: log}, int64(len(log)), "events.jsonl", dest, nil)
	if _, ok := errors.AsType[*CorruptError](err); ok || !errors.Is(err, ErrLogChanged) || !strings.Contains(err.Error(), "changed while it was copied") {
		t.Fatalf("backup of a log written over while copied: %v, want it refused as changed", err)
	}
	if entries, err := os.ReadDir(dest); err != nil || len(entries) != 0 {
		t.Fatalf("the destination holds %v (%v) after a refused backup", entries, err)
	}

	// A log that holds the damage still is damaged.
	_, err = backupFrom(context.Background(), bytes.NewReader(mixed), int64(len(mixed)), "events.jsonl", dest, nil)
	if _, ok := errors.AsType[*CorruptError](err); !ok {
		t.Fatalf("backup of a damaged log: %v, want a *CorruptError", err)
	}
}

// damagedLog returns the bytes of a log of 5 events with damage in its third line.
func damagedLog(tb testing.TB) []byte {
	tb.Helper()
	log := logOf(tb, 5)
	lines := bytes.SplitAfter(log, []byte("\n"))
	third := len(lines[0]) + len(lines[1]) + len(lines[2])/2
	copy(log[third:], `"garbage"`)
	return log
}

// TestBackup_aFailedBackupAndAnotherIntoOneMissingDestination: a backup that made its
// missing destination and fails removes it when it is empty, which it still is while
// another backup into it is between making it and creating its temporary copy there. That
// other backup makes the destination again and finishes (it failed with the directory
// gone); one that did not make the destination leaves it.
func TestBackup_aFailedBackupAndAnotherIntoOneMissingDestination(t *testing.T) {
	good, damaged := logOf(t, 3), damagedLog(t)
	// gate returns a destMade seam that, the first time it is called, says the backup got
	// there, then waits for release; calls counts every call.
	gate := func(at, release chan struct{}, calls *atomic.Int32) func() {
		return func() {
			if calls.Add(1) == 1 {
				close(at)
				<-release
			}
		}
	}

	t.Run("the failed backup made the destination", func(t *testing.T) {
		dest := filepath.Join(t.TempDir(), "backup")
		failedAt, failedGo := make(chan struct{}), make(chan struct{})
		failed := make(chan error, 1)
		go func() {
			_, err := backupFrom(context.Background(), bytes.NewReader(damaged), int64(len(damaged)), "damaged", dest, gate(failedAt, failedGo, new(atomic.Int32)))
			failed <- err
		}()
		<-failedAt // it made the destination
		otherAt, otherGo := make(chan struct{}), make(chan struct{})
		other := make(chan error, 1)
		var otherCalls atomic.Int32
		go func() {
			_, err := backupFrom(context.Background(), bytes.NewReader(good), int64(len(good)), "good", dest, gate(otherAt, otherGo, &otherCalls))
			other <- err
		}()
		<-otherAt // it found the destination made, and has not created its copy yet
		close(failedGo)
		if err := <-failed; !errors.Is(err, ErrCorrupt) {
			t.Fatalf("the backup of the damaged log: %v, want a *CorruptError", err)
		}
		if _, err := os.Stat(dest); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("the failed backup left the empty destination it made (%v)", err)
		}
		close(otherGo)
		if err := <-other; err != nil {
			t.Fatalf("the other backup, whose destination the failed one removed: %v", err)
		}
		if n := otherCalls.Load(); n != 2 {
			t.Errorf("the other backup made its destination %d times, want 2 (once more after its removal)", n)
		}
		if got, err := os.ReadFile(filepath.Join(dest, LogFile)); err != nil || !bytes.Equal(got, good) {
			t.Fatalf("the destination's log is not the other backup's copy (%v)", err)
		}
		if entries, err := os.ReadDir(dest); err != nil || len(entries) != 1 {
			t.Fatalf("the destination holds %v (%v), want %s alone", entries, err, LogFile)
		}
	})

	t.Run("the other backup made the destination", func(t *testing.T) {
		dest := filepath.Join(t.TempDir(), "backup")
		otherAt, otherGo := make(chan struct{}), make(chan struct{})
		other := make(chan error, 1)
		go func() {
			_, err := backupFrom(context.Background(), bytes.NewReader(good), int64(len(good)), "good", dest, gate(otherAt, otherGo, new(atomic.Int32)))
			other <- err
		}()
		<-otherAt // it made the destination and has not created its copy yet
		if _, err := backupFrom(context.Background(), bytes.NewReader(damaged), int64(len(damaged)), "damaged", dest, nil); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("the backup of the damaged log: %v, want a *CorruptError", err)
		}
		if _, err := os.Stat(dest); err != nil {
			t.Fatalf("the failed backup removed the destination the other made: %v", err)
		}
		close(otherGo)
		if err := <-other; err != nil {
			t.Fatalf("the other backup: %v", err)
		}
		if got, err := os.ReadFile(filepath.Join(dest, LogFile)); err != nil || !bytes.Equal(got, good) {
			t.Fatalf("the destination's log is not the other backup's copy (%v)", err)
		}
	})
}
