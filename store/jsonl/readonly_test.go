package jsonl_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// snapshot returns every file of dir with its contents and mode, to check that nothing
// changed.
func snapshot(tb testing.TB, dir string) map[string]string {
	tb.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		fi, err := e.Info()
		if err != nil {
			tb.Fatal(err)
		}
		out[e.Name()] = fi.Mode().String() + " " + string(b)
	}
	return out
}

// unchanged fails the test when dir differs from the snapshot before.
func unchanged(tb testing.TB, dir string, before map[string]string) {
	tb.Helper()
	after := snapshot(tb, dir)
	if maps.Equal(before, after) {
		return
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			tb.Errorf("%s was created", name)
		} else if before[name] != after[name] {
			tb.Errorf("%s was changed: %d bytes, was %d", name, len(after[name]), len(before[name]))
		}
	}
	for name := range before {
		if _, ok := after[name]; !ok {
			tb.Errorf("%s was removed", name)
		}
	}
}

// writeCounter counts the writes, syncs and cuts of the log file.
type writeCounter struct {
	jsonl.File
	n *atomic.Int64
}

func (w writeCounter) WriteAt(p []byte, off int64) (int, error) {
	w.n.Add(1)
	return w.File.WriteAt(p, off)
}
func (w writeCounter) Sync() error               { w.n.Add(1); return w.File.Sync() }
func (w writeCounter) Truncate(size int64) error { w.n.Add(1); return w.File.Truncate(size) }

func TestOpenReadOnly_leavesTheLogAsItIs(t *testing.T) {
	data, ends, counts := buildLog(t, []int{2, 1, 3, 2})
	// A crash in the middle of the last commit: its first line and part of the second.
	cut := ends[2] + (ends[3]-ends[2])*3/4
	dir := writeLog(t, data[:cut])
	if err := os.WriteFile(filepath.Join(dir, jsonl.CheckpointFile), []byte(`{"saga:order":{"position":3,"eventId":"e3"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)

	var writes atomic.Int64
	s, err := jsonl.OpenReadOnly(dir, jsonl.WithFile(func(f jsonl.File) jsonl.File { return writeCounter{f, &writes} }))
	if err != nil {
		t.Fatalf("OpenReadOnly: %v", err)
	}
	ctx := t.Context()
	rep := s.Recovery()
	if rep.Events != int64(counts[2]) || rep.Valid != ends[2] || rep.TornBytes != cut-ends[2] || rep.TornLines != 1 {
		t.Errorf("Recovery = %+v; want %d events, %d valid bytes, a torn tail of %d bytes with 1 complete line",
			rep, counts[2], ends[2], cut-ends[2])
	}
	if h, err := s.Head(ctx); err != nil || h != store.Position(counts[2]) {
		t.Errorf("Head = %d, %v; want %d", h, err, counts[2])
	}
	all := readAll(t, s)
	if len(all) != counts[2] {
		t.Fatalf("ReadAll: %d events, want the %d of whole commits", len(all), counts[2])
	}
	// Commit 3 (3 events) went to stream "c".
	if got := collect(t, s.ReadStream(ctx, "c", 0)); len(got) != 3 || !reflect.DeepEqual(got, all[3:6]) {
		t.Errorf("ReadStream(c) = %d events, want events 4-6 of ReadAll", len(got))
	}
	if cps, err := s.Checkpoints(ctx); err != nil || cps["saga:order"] != (store.Checkpoint{Position: 3, EventID: "e3"}) {
		t.Errorf("Checkpoints = %v, %v", cps, err)
	}

	t.Run("Subscribe yields the history, then waits until ctx ends", func(t *testing.T) {
		sctx, cancel := context.WithCancel(ctx)
		defer cancel()
		var got []store.Event
		for e, err := range s.Subscribe(sctx, 0) {
			if err != nil {
				if !errors.Is(err, context.Canceled) || len(got) != len(all) {
					t.Fatalf("Subscribe: %v after %d events, want context.Canceled after %d", err, len(got), len(all))
				}
				break
			}
			got = append(got, e)
			if len(got) == len(all) {
				cancel()
			}
		}
		if !reflect.DeepEqual(got, all) {
			t.Errorf("Subscribe yielded %d events, not those of ReadAll", len(got))
		}
	})

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := writes.Load(); n != 0 {
		t.Errorf("%d writes, syncs or cuts of the log file", n)
	}
	// The one file it may make: an empty LOCK where the log came without one.
	if lock, err := os.ReadFile(filepath.Join(dir, "LOCK")); err != nil || len(lock) != 0 {
		t.Errorf("LOCK: %q, %v; want an empty file", lock, err)
	}
	before["LOCK"] = snapshot(t, dir)["LOCK"] // its mode follows the umask
	unchanged(t, dir, before)
}

func TestOpenReadOnly_refusesWrites(t *testing.T) {
	dir := t.TempDir()
	w := openStore(t, dir, jsonl.WithNoSync())
	mustAppend(t, w, "a", store.NoStream, ev("T", 1))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	s, err := jsonl.OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	writes := map[string]func() error{
		"Append": func() error { _, err := s.Append(ctx, "a", store.Any, ev("T", 2)); return err },
		"AppendEvents": func() error {
			_, _, err := s.AppendEvents(ctx, "b", store.NoStream, ev("T", 2))
			return err
		},
		"AppendHandover": func() error {
			_, _, err := s.AppendHandover(ctx, "b", store.NoStream, ev("T", 2))
			return err
		},
		"SaveCheckpoint": func() error {
			return s.SaveCheckpoint(ctx, "saga", store.Checkpoint{Position: 1, EventID: "x"})
		},
	}
	for name, write := range writes {
		if err := write(); !errors.Is(err, jsonl.ErrReadOnly) || !strings.Contains(err.Error(), "read-only") {
			t.Errorf("%s: %v, want ErrReadOnly", name, err)
		}
	}
	if h, err := s.Head(ctx); err != nil || h != 1 {
		t.Errorf("Head after refused writes = %d, %v; want 1", h, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for name, write := range writes {
		if err := write(); !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
	unchanged(t, dir, before)
}

func TestOpenReadOnly_missingLog(t *testing.T) {
	t.Run("a missing directory is not created", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "typo")
		if _, err := jsonl.OpenReadOnly(dir); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("OpenReadOnly: %v, want fs.ErrNotExist", err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the directory exists after OpenReadOnly: %v", err)
		}
	})
	t.Run("an empty directory stays empty", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := jsonl.OpenReadOnly(dir); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), jsonl.LogFile) {
			t.Fatalf("OpenReadOnly: %v, want fs.ErrNotExist naming %s", err, jsonl.LogFile)
		}
		unchanged(t, dir, map[string]string{})
	})
}

func TestOpenReadOnly_refusesCorruption(t *testing.T) {
	data, _, _ := buildLog(t, []int{2, 1, 3})
	starts := lineStarts(data)
	bad := []byte(strings.Replace(string(data), `"n":4`, `"n":5`, 1)) // line 4
	dir := writeLog(t, bad)
	before := snapshot(t, dir)
	_, err := jsonl.OpenReadOnly(dir)
	var ce *jsonl.CorruptError
	if !errors.As(err, &ce) || ce.Offset != starts[3] {
		t.Fatalf("OpenReadOnly: %v, want a *CorruptError at byte offset %d", err, starts[3])
	}
	unchanged(t, dir, before)
}

func TestOpenReadOnly_locks(t *testing.T) {
	dir := t.TempDir()
	w, err := jsonl.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	if _, err := jsonl.OpenReadOnly(dir); !errors.Is(err, jsonl.ErrLocked) {
		t.Fatalf("OpenReadOnly while a writer holds the directory: %v, want ErrLocked", err)
	}
	unchanged(t, dir, before)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	r1, err := jsonl.OpenReadOnly(dir)
	if err != nil {
		t.Fatalf("OpenReadOnly after the writer closed: %v", err)
	}
	r2, err := jsonl.OpenReadOnly(dir)
	if err != nil {
		t.Fatalf("a second OpenReadOnly: %v, want both open together", err)
	}
	if _, err := jsonl.Open(dir); !errors.Is(err, jsonl.ErrLocked) {
		t.Fatalf("Open while read-only stores hold the directory: %v, want ErrLocked", err)
	}
	r1.Close()
	if _, err := jsonl.Open(dir); !errors.Is(err, jsonl.ErrLocked) {
		t.Fatalf("Open while a read-only store holds the directory: %v, want ErrLocked", err)
	}
	r2.Close()
	w, err = jsonl.Open(dir)
	if err != nil {
		t.Fatalf("Open after the read-only stores closed: %v", err)
	}
	w.Close()
}

// TestOpenReadOnly_readOnlyDirectory opens a log whose directory and files the process may
// only read, as a backup on read-only media. Root may write anyway, so it skips as root.
func TestOpenReadOnly_readOnlyDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root may write to read-only files: run as another user")
	}
	data, _, counts := buildLog(t, []int{2, 1})
	dir := writeLog(t, data[:len(data)-3]) // and a torn tail
	if err := os.WriteFile(filepath.Join(dir, "LOCK"), nil, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, jsonl.LogFile), 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	before := snapshot(t, dir)
	s, err := jsonl.OpenReadOnly(dir)
	if err != nil {
		t.Fatalf("OpenReadOnly of a read-only directory: %v", err)
	}
	if got := readAll(t, s); len(got) != counts[0] {
		t.Errorf("%d events, want %d", len(got), counts[0])
	}
	s.Close()
	unchanged(t, dir, before)
}

func TestVerify_countsTheCommitsBeforeDamage(t *testing.T) {
	data, ends, counts := buildLog(t, []int{2, 1, 3, 1})
	bad := []byte(strings.Replace(string(data), `"n":5`, `"n":6`, 1)) // line 5, in commit 3
	rep, err := jsonl.Verify(writeLog(t, bad))
	if !errors.Is(err, jsonl.ErrCorrupt) {
		t.Fatalf("Verify: %v, want ErrCorrupt", err)
	}
	if rep.Events != int64(counts[1]) || rep.Commits != 2 || rep.Streams != 2 || rep.Valid != ends[1] {
		t.Errorf("Verify = %+v; want the %d events, 2 commits and 2 streams before the damage, ending at %d",
			rep, counts[1], ends[1])
	}
}

// TestOpenReadOnly_locksALogCopiedAlone: a directory holding the log file alone (a backup
// of it, copied without its LOCK) gets an empty LOCK, so that no server opens the log to
// write while a migration reads it (found by review: one started and took writes the
// migration never copied).
func TestOpenReadOnly_locksALogCopiedAlone(t *testing.T) {
	data, _, _ := buildLog(t, []int{2, 1})
	dir := writeLog(t, data)
	r, err := jsonl.OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jsonl.Open(dir); !errors.Is(err, jsonl.ErrLocked) {
		t.Fatalf("Open while a read-only store reads a log copied alone: %v, want ErrLocked", err)
	}
	r.Close()
	w, err := jsonl.Open(dir)
	if err != nil {
		t.Fatalf("Open after the read-only store closed: %v", err)
	}
	w.Close()
	if got, _ := os.ReadFile(filepath.Join(dir, jsonl.LogFile)); !bytes.Equal(got, data) {
		t.Error("the log changed")
	}
}
