package jsonl_test

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// liveDir returns a closed store directory as a server leaves it: a log of its own (five
// events), a saga checkpoint and a snapshot.
func liveDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	s := openStore(t, dir)
	ctx := context.Background()
	a := mustAppend(t, s, "a", store.NoStream, ev("L", 1), ev("L", 2), ev("L", 3), ev("L", 4), ev("L", 5))
	all := readAll(t, s)
	if err := s.SaveCheckpoint(ctx, "saga", store.Checkpoint{Position: a.Position, EventID: all[4].ID, Head: a.Position, HeadEventID: all[4].ID}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSnapshot(ctx, "a", store.Snapshot{Version: 5, EventID: all[4].ID, Revision: "1", State: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveProjectionStates(ctx, store.ProjectionStates{Position: a.Position, EventID: all[4].ID, Head: a.Position, HeadEventID: all[4].ID,
		States: []store.ProjectionState{{Name: "p", Revision: "1", Data: []byte("x")}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRestore_putsTheBackupInPlaceAndKeepsWhatItReplaced(t *testing.T) {
	data, ends, counts := buildLog(t, []int{2, 1, 3})
	backup := writeLog(t, data[:ends[2]-3]) // the last commit torn: left out
	dir := liveDir(t)
	before, err := os.ReadFile(filepath.Join(dir, jsonl.LogFile))
	if err != nil {
		t.Fatal(err)
	}

	rep, moved, err := jsonl.Restore(context.Background(), backup, dir)
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if rep.Events != int64(counts[1]) || rep.Valid != ends[1] || rep.Path != filepath.Join(dir, jsonl.LogFile) {
		t.Fatalf("Restore = %+v, want the backup's %d events of its whole commits, in %s", rep, counts[1], dir)
	}
	if got, err := os.ReadFile(filepath.Join(dir, jsonl.LogFile)); err != nil || !bytes.Equal(got, data[:ends[1]]) {
		t.Fatalf("the restored log holds %d bytes (%v), want the backup's %d of whole commits", len(got), err, ends[1])
	}
	if len(moved) != 4 {
		t.Fatalf("moved aside %q, want the checkpoints, the snapshots, the projections' states and the log", moved)
	}
	for i, name := range []string{jsonl.CheckpointFile, jsonl.SnapshotDir, jsonl.StateDir, jsonl.LogFile} {
		if filepath.Dir(moved[i]) != dir || !strings.HasPrefix(filepath.Base(moved[i]), name+".replaced-") {
			t.Fatalf("moved aside %q, want %s.replaced-TIME in %s", moved[i], name, dir)
		}
		if _, err := os.Stat(filepath.Join(dir, name)); name != jsonl.LogFile && !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s is still in place: %v", name, err)
		}
	}
	if kept, err := os.ReadFile(moved[3]); err != nil || !bytes.Equal(kept, before) {
		t.Fatalf("the replaced log kept as %s differs (%v)", moved[3], err)
	}

	s := openStore(t, dir)
	got := readAll(t, s)
	if len(got) != counts[1] || got[0].Type != "T" {
		t.Fatalf("a store on the restored directory reads %d events, want the backup's %d", len(got), counts[1])
	}
	if cp, err := s.Checkpoint(context.Background(), "saga"); cp != (store.Checkpoint{}) || err != nil {
		t.Fatalf("the replaced log's checkpoint is read: %+v %v", cp, err)
	}
	if ps, ok, err := s.ProjectionStates(context.Background()); ok || err != nil {
		t.Fatalf("the replaced log's projection states are read: %+v %v", ps.Position, err)
	}
}

func TestRestore_refuses(t *testing.T) {
	data, _, _ := buildLog(t, []int{2, 1, 3})
	unchangedAfter := func(t *testing.T, dir string, f func() error, want func(error) bool) {
		t.Helper()
		before := tree(t, dir)
		if err := f(); !want(err) {
			t.Fatalf("Restore: %v", err)
		}
		if after := tree(t, dir); !maps.Equal(before, after) {
			t.Fatalf("the directory changed:\n%v\nwas\n%v", after, before)
		}
	}
	t.Run("while a store holds the directory", func(t *testing.T) {
		dir := liveDir(t)
		s := openStore(t, dir)
		unchangedAfter(t, dir, func() error {
			_, _, err := jsonl.Restore(context.Background(), writeLog(t, data), dir)
			return err
		}, func(err error) bool { return errors.Is(err, jsonl.ErrLocked) })
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a damaged backup", func(t *testing.T) {
		dir := liveDir(t)
		backup := writeLog(t, []byte(strings.Replace(string(data), `"n":4`, `"n":5`, 1)))
		unchangedAfter(t, dir, func() error {
			_, _, err := jsonl.Restore(context.Background(), backup, dir)
			if ce, ok := errors.AsType[*jsonl.CorruptError](err); !ok || ce.Path != filepath.Join(backup, jsonl.LogFile) {
				return errors.New("not a *CorruptError of the backup: " + err.Error())
			}
			return err
		}, func(err error) bool { return errors.Is(err, jsonl.ErrCorrupt) })
	})
	t.Run("the directory itself as its backup", func(t *testing.T) {
		dir := liveDir(t)
		unchangedAfter(t, dir, func() error {
			_, _, err := jsonl.Restore(context.Background(), dir, dir)
			return err
		}, func(err error) bool {
			return err != nil && strings.Contains(err.Error(), "is the directory it would replace")
		})
	})
	t.Run("a canceled context", func(t *testing.T) {
		dir := liveDir(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		unchangedAfter(t, dir, func() error {
			_, _, err := jsonl.Restore(ctx, writeLog(t, data), dir)
			return err
		}, func(err error) bool { return errors.Is(err, context.Canceled) })
	})
}

// TestRestore_intoANewDirectory: a backup restored where no log was is the log there.
func TestRestore_intoANewDirectory(t *testing.T) {
	data, ends, counts := buildLog(t, []int{2, 1, 3})
	dir := filepath.Join(t.TempDir(), "data")
	rep, moved, err := jsonl.Restore(context.Background(), writeLog(t, data), dir)
	if err != nil || rep.Events != int64(counts[2]) || rep.Valid != ends[2] || len(moved) != 0 {
		t.Fatalf("Restore = %+v, %q, %v; want the backup's %d events and nothing moved", rep, moved, err, counts[2])
	}
	if n := len(readAll(t, openStore(t, dir))); n != counts[2] {
		t.Fatalf("a store on the directory reads %d events, want %d", n, counts[2])
	}
}

// TestRestore_twiceWithinASecond: each restore keeps what it replaced under a name of its
// own: the second, in the same second, did not move its log aside over the first one's.
func TestRestore_twiceWithinASecond(t *testing.T) {
	data, _, _ := buildLog(t, []int{2, 1, 3})
	dir := liveDir(t)
	original, err := os.ReadFile(filepath.Join(dir, jsonl.LogFile))
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for range 3 {
		_, moved, err := jsonl.Restore(context.Background(), writeLog(t, data), dir)
		if err != nil {
			t.Fatalf("Restore: %v", err)
		}
		kept = append(kept, moved[len(moved)-1])
	}
	if kept[0] == kept[1] || kept[1] == kept[2] || kept[0] == kept[2] {
		t.Fatalf("the replaced logs were kept as %q: one name twice", kept)
	}
	if b, err := os.ReadFile(kept[0]); err != nil || !bytes.Equal(b, original) {
		t.Fatalf("the first replaced log, kept as %s, is no longer the original (%v)", kept[0], err)
	}
}

// TestRestore_refusedIntoAMissingDirectory: a restore that fails (here a damaged backup)
// into a directory that did not exist leaves none behind, as a failed Backup leaves no DEST.
func TestRestore_refusedIntoAMissingDirectory(t *testing.T) {
	data, _, _ := buildLog(t, []int{2, 1, 3})
	backup := writeLog(t, []byte(strings.Replace(string(data), `"n":4`, `"n":5`, 1)))
	dir := filepath.Join(t.TempDir(), "data")
	if _, _, err := jsonl.Restore(context.Background(), backup, dir); !errors.Is(err, jsonl.ErrCorrupt) {
		t.Fatalf("Restore: %v, want a *CorruptError of the backup", err)
	}
	if _, err := os.Lstat(dir); !errors.Is(err, os.ErrNotExist) {
		entries, _ := os.ReadDir(dir)
		t.Fatalf("the failed restore left %s behind (%v), holding %v", dir, err, entries)
	}
}
