package jsonl_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// leftIn returns the names of the entries of dir ("" when dir does not exist).
func leftIn(tb testing.TB, dir string) string {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return ""
	}
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return strings.Join(names, " ")
}

// TestBackup_whileAStoreWrites: the copy of a log a store holds open and goes on writing
// is every commit made before it, opens as it is, and later commits are not in it.
func TestBackup_whileAStoreWrites(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	mustAppend(t, s, "a", store.NoStream, ev("T", 1), ev("T", 2))
	mustAppend(t, s, "b", store.NoStream, ev("T", 3))
	want := readAll(t, s)

	dest := filepath.Join(t.TempDir(), "backups", "monday") // created, parents too
	rep, err := jsonl.Backup(context.Background(), dir, dest)
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if rep.Events != 3 || rep.Commits != 2 || rep.Streams != 2 || rep.TornBytes != 0 || rep.Path != filepath.Join(dest, jsonl.LogFile) {
		t.Fatalf("Backup = %+v, want 3 events in 2 commits of 2 streams in %s", rep, dest)
	}
	mustAppend(t, s, "a", 2, ev("T", 4)) // after the copy

	if got := leftIn(t, dest); got != jsonl.LogFile {
		t.Fatalf("the backup directory holds %q, want %s alone", got, jsonl.LogFile)
	}
	b, err := jsonl.OpenReadOnly(dest)
	if err != nil {
		t.Fatalf("open the copy: %v", err)
	}
	defer b.Close()
	got := readAll(t, b)
	if len(got) != len(want) {
		t.Fatalf("the copy holds %d events, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID || got[i].Position != want[i].Position || !bytes.Equal(got[i].Data, want[i].Data) {
			t.Fatalf("event %d of the copy %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestBackup_leavesATornTailOut: a commit in flight (its lines partly written) is not
// copied, where cp would copy it for the next Open to cut; the log itself is not changed.
func TestBackup_leavesATornTailOut(t *testing.T) {
	data, ends, counts := buildLog(t, []int{2, 1, 3})
	torn := data[:ends[1]+(ends[2]-ends[1])/2] // the third commit half written
	dir := writeLog(t, torn)
	dest := t.TempDir()
	rep, err := jsonl.Backup(context.Background(), dir, dest)
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if rep.Events != int64(counts[1]) || rep.Valid != ends[1] || rep.TornBytes != int64(len(torn))-ends[1] {
		t.Fatalf("Backup = %+v, want %d events in %d bytes and the rest left out", rep, counts[1], ends[1])
	}
	copied, err := os.ReadFile(filepath.Join(dest, jsonl.LogFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(copied, data[:ends[1]]) {
		t.Fatalf("the copy holds %d bytes, want the %d of the whole commits", len(copied), ends[1])
	}
	if src, err := os.ReadFile(filepath.Join(dir, jsonl.LogFile)); err != nil || !bytes.Equal(src, torn) {
		t.Fatalf("the log changed: %d bytes, %v", len(src), err)
	}
}

func TestBackup_refuses(t *testing.T) {
	data, _, _ := buildLog(t, []int{2, 1, 3})
	t.Run("a destination that holds a log", func(t *testing.T) {
		dir, dest := writeLog(t, data), writeLog(t, []byte("theirs\n"))
		_, err := jsonl.Backup(context.Background(), dir, dest)
		if !errors.Is(err, jsonl.ErrBackupExists) {
			t.Fatalf("Backup: %v, want ErrBackupExists", err)
		}
		if b, _ := os.ReadFile(filepath.Join(dest, jsonl.LogFile)); string(b) != "theirs\n" {
			t.Fatalf("the log in the destination became %q", b)
		}
		if got := leftIn(t, dest); got != jsonl.LogFile {
			t.Fatalf("the destination holds %q", got)
		}
	})
	t.Run("a damaged log", func(t *testing.T) {
		starts := lineStarts(data)
		dir := writeLog(t, []byte(strings.Replace(string(data), `"n":4`, `"n":5`, 1))) // line 4
		dest := filepath.Join(t.TempDir(), "b")
		rep, err := jsonl.Backup(context.Background(), dir, dest)
		ce, ok := errors.AsType[*jsonl.CorruptError](err)
		if !ok || ce.Offset != starts[3] || ce.Path != filepath.Join(dir, jsonl.LogFile) {
			t.Fatalf("Backup: %v, want a *CorruptError of %s at byte offset %d", err, dir, starts[3])
		}
		if rep.Events != 3 || rep.Path != filepath.Join(dir, jsonl.LogFile) {
			t.Fatalf("report %+v, want the 3 events before the damage, of the log", rep)
		}
		if _, err := os.Stat(dest); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("the destination the refused backup made is left: %v", err)
		}
	})
	t.Run("a canceled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		dest := t.TempDir()
		if _, err := jsonl.Backup(ctx, writeLog(t, data), dest); !errors.Is(err, context.Canceled) {
			t.Fatalf("Backup: %v, want context.Canceled", err)
		}
		if got := leftIn(t, dest); got != "" {
			t.Fatalf("the destination holds %q after a canceled backup", got)
		}
	})
	t.Run("a directory without a log", func(t *testing.T) {
		dest := t.TempDir()
		if _, err := jsonl.Backup(context.Background(), t.TempDir(), dest); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("Backup: %v, want ErrNotExist", err)
		}
		if got := leftIn(t, dest); got != "" {
			t.Fatalf("the destination holds %q", got)
		}
	})
}

// TestBackup_underLoad: backups taken while commits of three events are appended without
// pause each hold whole commits only, the first of the log's events as they are in it.
func TestBackup_underLoad(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, jsonl.WithNoSync())
	ctx, stop := context.WithCancel(context.Background())
	wrote := make(chan error, 1)
	go func() {
		for i := 0; ctx.Err() == nil; i++ {
			if _, err := s.Append(ctx, fmt.Sprintf("s%d", i%7), store.Any, ev("T", 3*i), ev("T", 3*i+1), ev("T", 3*i+2)); err != nil && ctx.Err() == nil {
				wrote <- err
				return
			}
		}
		wrote <- nil
	}()
	var dests []string
	for i := range 5 {
		dest := filepath.Join(t.TempDir(), fmt.Sprint(i))
		if _, err := jsonl.Backup(context.Background(), dir, dest); err != nil {
			t.Fatalf("Backup %d: %v", i, err)
		}
		dests = append(dests, dest)
	}
	stop()
	if err := <-wrote; err != nil {
		t.Fatalf("Append: %v", err)
	}
	all := readAll(t, s)
	for _, dest := range dests {
		rep, err := jsonl.Verify(dest)
		if err != nil || rep.TornBytes != 0 || rep.Events%3 != 0 {
			t.Fatalf("the backup in %s: %+v, %v; want whole commits of three", dest, rep, err)
		}
		b, err := jsonl.OpenReadOnly(dest)
		if err != nil {
			t.Fatal(err)
		}
		got := readAll(t, b)
		b.Close()
		for i, e := range got {
			if e.ID != all[i].ID || e.Position != all[i].Position {
				t.Fatalf("event %d of %s is %+v, the log's %+v", i, dest, e, all[i])
			}
		}
	}
}
