package jsonl_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// snapshotPath returns the path of stream's snapshot file in the store directory dir, as
// the package documents it.
func snapshotPath(dir, stream string) string {
	sum := sha256.Sum256([]byte(stream))
	return filepath.Join(dir, "snapshots", hex.EncodeToString(sum[:])+".json")
}

// tree returns every file and directory under dir, by slash-separated path, with a file's
// contents, to check what changed (readonly_test.go's snapshot reads one level only).
func tree(tb testing.TB, dir string) map[string]string {
	tb.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			out[filepath.ToSlash(rel)+"/"] = ""
			return nil
		}
		b, err := os.ReadFile(path)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// sameTree fails the test when dir's tree differs from before.
func sameTree(tb testing.TB, dir string, before map[string]string) {
	tb.Helper()
	after := tree(tb, dir)
	if !maps.Equal(before, after) {
		tb.Errorf("the directory changed: it holds %q, it held %q", slices.Sorted(maps.Keys(after)), slices.Sorted(maps.Keys(before)))
	}
}

// wantSnapshot fails the test unless s holds want for stream, State byte for byte.
func wantSnapshot(tb testing.TB, s store.Snapshotter, stream string, want store.Snapshot) {
	tb.Helper()
	got, ok, err := s.Snapshot(context.Background(), stream)
	if err != nil || !ok || got.Version != want.Version || got.EventID != want.EventID ||
		got.Revision != want.Revision || !bytes.Equal(got.State, want.State) {
		tb.Errorf("Snapshot(%q) = %+v (state %q), %v, %v; want %+v (state %q)", stream, got, got.State, ok, err, want, want.State)
	}
}

// wantNoSnapshot fails the test unless s holds no snapshot for stream, and no error.
func wantNoSnapshot(tb testing.TB, s store.Snapshotter, stream string) {
	tb.Helper()
	if got, ok, err := s.Snapshot(context.Background(), stream); ok || err != nil {
		tb.Errorf("Snapshot(%q) = %+v (state %q), %v, %v; want none and no error", stream, got, got.State, ok, err)
	}
}

func TestStore_snapshotFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openStore(t, dir)
	wantNoSnapshot(t, s, "order-1")
	if _, err := os.Stat(filepath.Join(dir, "snapshots")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("snapshots/ exists before the first save: %v", err)
	}

	snap := store.Snapshot{Version: 2, EventID: "e2", Revision: "v1", State: json.RawMessage(`{"b": 1, "a":[1,2]}`)}
	if err := s.SaveSnapshot(ctx, "order-1", snap); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(snapshotPath(dir, "order-1"))
	if err != nil {
		t.Fatalf("the stream's snapshot file: %v", err)
	}
	if want := `{"stream":"order-1","version":2,"eventId":"e2","revision":"v1","state":{"b": 1, "a":[1,2]}}` + "\n"; string(b) != want {
		t.Errorf("snapshot file:\n%s\nwant:\n%s", b, want)
	}

	// Each state comes back byte for byte, from the Store that saved it and after a
	// restart; the stream ids are arbitrary.
	cases := []struct {
		name, stream, state string
	}{
		{"spacing and key order", "a", `{ "z" : 1,"a":[ 1 ,2 ],  "m":{} }`},
		{"spaces around the value", "b", " \t{\"n\":1}\r\n "},
		{"indented over lines", "c", "{\n  \"items\": [\n    1\n  ]\n}"},
		{"characters json.Marshal escapes", "d", `{"h":"<a href='x'>&amp;</a>","ls":"` + "\u2028\u2029" + `"}`},
		{"escapes kept as written", "e", `"\u00e9\/\ud83d\ude00\n"`},
		{"numbers as written", "f", `[1.50, -0.0e+00, 1E400, 12345678901234567890]`},
		{"a literal", "g", `null`},
		{"path characters in the stream id", "../../etc/passwd", `{}`},
		{"another case of the same id", "A", `{"case":"upper"}`},
		{"a stream id of unusual characters", "order/ü 1\n\x00\u2028", `{}`},
		{"a long stream id", strings.Repeat("x", 10000), `{}`},
	}
	for i, c := range cases {
		snap := store.Snapshot{Version: store.Version(i + 1), EventID: fmt.Sprintf("e%d", i+1), Revision: "r" + c.name, State: json.RawMessage(c.state)}
		if err := s.SaveSnapshot(ctx, c.stream, snap); err != nil {
			t.Fatalf("%s: SaveSnapshot: %v", c.name, err)
		}
	}
	check := func(when string, s *jsonl.Store) {
		for i, c := range cases {
			t.Run(when+"/"+c.name, func(t *testing.T) {
				wantSnapshot(t, s, c.stream, store.Snapshot{Version: store.Version(i + 1), EventID: fmt.Sprintf("e%d", i+1), Revision: "r" + c.name, State: json.RawMessage(c.state)})
			})
		}
	}
	check("saved", s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	check("after a restart", openStore(t, dir))
	if entries, err := os.ReadDir(filepath.Join(dir, "snapshots")); err != nil || len(entries) != len(cases)+1 {
		t.Errorf("snapshots/ holds %d files, %v; want one per stream, %d", len(entries), err, len(cases)+1)
	}
}

func TestStore_snapshotUnusableFile(t *testing.T) {
	ctx := context.Background()
	saved := store.Snapshot{Version: 3, EventID: "e3", Revision: "v1", State: json.RawMessage(`{"n": 3}`)}
	valid := `{"stream":"a","version":3,"eventId":"e3","revision":"v1","state":{"n": 3}}` + "\n"
	cases := []struct {
		name, file string
	}{
		// Another stream whose id hashed alike, further on in the same revision: a save
		// for "a" replaces it all the same.
		{"another stream's (a hash collision)", `{"stream":"b","version":9,"eventId":"e9","revision":"v1","state":{"n":9}}` + "\n"},
		{"truncated", valid[:len(valid)/2]},
		{"cut before its last byte", valid[:len(valid)-2]},
		{"garbled", "\x00\xff\x13garbage" + valid[8:]},
		{"empty", ""},
		{"null", "null\n"},
		{"an array", `[{"stream":"a"}]`},
		{"two objects", valid + valid},
		{"a version below 1", `{"stream":"a","version":0,"eventId":"e9","revision":"v1","state":{}}` + "\n"},
		{"a fractional version", `{"stream":"a","version":9.5,"eventId":"e9","revision":"v1","state":{}}` + "\n"},
		{"no event id", `{"stream":"a","version":9,"revision":"v1","state":{}}` + "\n"},
		{"no state", `{"stream":"a","version":9,"eventId":"e9","revision":"v1"}` + "\n"},
		{"a member after the state", `{"stream":"a","version":9,"eventId":"e9","revision":"v1","state":{},"x":1}` + "\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openStore(t, dir)
			path := snapshotPath(dir, "a")
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(c.file), 0o644); err != nil {
				t.Fatal(err)
			}
			wantNoSnapshot(t, s, "a")
			if err := s.SaveSnapshot(ctx, "a", saved); err != nil {
				t.Fatalf("SaveSnapshot over the file: %v", err)
			}
			wantSnapshot(t, s, "a", saved)
			if b, err := os.ReadFile(path); err != nil || string(b) != valid {
				t.Errorf("after the save the file holds %q, %v; want %q", b, err, valid)
			}
		})
	}

	t.Run("a valid file laid out otherwise is read", func(t *testing.T) {
		dir := t.TempDir()
		s := openStore(t, dir)
		path := snapshotPath(dir, "a")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		file := `{ "state": {"n": 3}, "revision": "v1", "eventId": "e3", "version": 3, "stream": "a" }`
		if err := os.WriteFile(path, []byte(file), 0o644); err != nil {
			t.Fatal(err)
		}
		wantSnapshot(t, s, "a", saved)
	})
}

// TestStore_snapshotFurtherOnFile checks a save over a file of a later version that the log
// holds: a save looks at the old file's header first, and keeps the file only when the
// whole of it is a valid snapshot.
func TestStore_snapshotFurtherOnFile(t *testing.T) {
	ctx := context.Background()
	saved := store.Snapshot{Version: 3, EventID: "e3", Revision: "v1", State: json.RawMessage(`{"n": 3}`)}
	further := `{"stream":"a","version":9,"eventId":"e9","revision":"v1","state":`
	cases := []struct {
		name, file string
		kept       bool
	}{
		{"a valid one is kept", further + `{"n": 9}}` + "\n", true},
		{"a valid one laid out otherwise is kept", `{"state":{"n": 9},"stream":"a","version":9,"eventId":"e9","revision":"v1"}`, true},
		{"one whose state is not JSON is replaced", further + `{"n": ]}` + "\n", false},
		{"one whose state is cut short is replaced", further + `{"n": 9` + "}\n", false},
		{"one of another revision is replaced", strings.Replace(further, "v1", "v0", 1) + `{"n": 9}}` + "\n", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openStore(t, dir)
			events := make([]store.EventData, 9)
			for i := range events {
				events[i] = store.EventData{ID: fmt.Sprintf("e%d", i+1), Type: "T", Data: json.RawMessage(`{}`)}
			}
			if _, err := s.Append(ctx, "a", store.NoStream, events...); err != nil {
				t.Fatal(err)
			}
			path := snapshotPath(dir, "a")
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(c.file), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := s.SaveSnapshot(ctx, "a", saved); err != nil {
				t.Fatalf("SaveSnapshot over the file: %v", err)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if c.kept && string(b) != c.file {
				t.Errorf("the file holds %q, want it kept: %q", b, c.file)
			}
			if !c.kept {
				wantSnapshot(t, s, "a", saved)
			}
		})
	}
}

// TestStore_snapshotLeavesNoTemporaryFile checks what the store's directory holds after
// saves that succeed, are kept out by a further-on snapshot, or fail.
func TestStore_snapshotLeavesNoTemporaryFile(t *testing.T) {
	ctx := context.Background()
	snap := func(v int, rev string) store.Snapshot {
		return store.Snapshot{Version: store.Version(v), EventID: fmt.Sprintf("e%d", v), Revision: rev, State: json.RawMessage(fmt.Sprintf(`{"n":%d}`, v))}
	}
	names := func(streams ...string) []string {
		var out []string
		for _, stream := range streams {
			out = append(out, filepath.Base(snapshotPath("", stream)))
		}
		slices.Sort(out)
		return out
	}
	inSnapshots := func(t *testing.T, dir string) []string {
		t.Helper()
		entries, err := os.ReadDir(filepath.Join(dir, "snapshots"))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}

	for _, opts := range []struct {
		name string
		opts []jsonl.Option
	}{{"durable", nil}, {"no sync", []jsonl.Option{jsonl.WithNoSync()}}} {
		t.Run(opts.name+"/saves that succeed", func(t *testing.T) {
			dir := t.TempDir()
			s := openStore(t, dir, opts.opts...)
			for _, save := range []struct {
				stream string
				snap   store.Snapshot
			}{
				{"a", snap(1, "v1")},
				{"b", snap(2, "v1")},
				{"a", snap(3, "v1")}, // replaces
				{"a", snap(2, "v1")}, // replaces too: the log holds no event of the one before
				{"b", snap(1, "v2")}, // replaces
			} {
				if err := s.SaveSnapshot(ctx, save.stream, save.snap); err != nil {
					t.Fatal(err)
				}
			}
			if got, want := inSnapshots(t, dir), names("a", "b"); !slices.Equal(got, want) {
				t.Errorf("snapshots/ holds %q, want %q", got, want)
			}
			wantSnapshot(t, s, "a", snap(2, "v1"))
			wantSnapshot(t, s, "b", snap(1, "v2"))
		})
	}

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	failed := []struct {
		name   string
		ctx    context.Context
		stream string
		snap   store.Snapshot
		want   error // nil: any error
	}{
		{"a state that is not JSON", ctx, "a", store.Snapshot{Version: 4, EventID: "e4", Revision: "v1", State: json.RawMessage(`{"n":`)}, store.ErrInvalid},
		{"version 0", ctx, "c", store.Snapshot{EventID: "e0", Revision: "v1", State: json.RawMessage(`{}`)}, store.ErrInvalid},
		{"a state over the limit", ctx, "c", store.Snapshot{Version: 4, EventID: "e4", Revision: "v1",
			State: json.RawMessage(`"` + strings.Repeat("x", store.MaxSnapshotSize) + `"`)}, store.ErrInvalid},
		{"a cancelled context", canceled, "a", snap(4, "v1"), context.Canceled},
	}
	for _, f := range failed {
		t.Run("a save that fails: "+f.name, func(t *testing.T) {
			t.Run("before the first save", func(t *testing.T) {
				dir := t.TempDir()
				s := openStore(t, dir)
				before := tree(t, dir)
				if err := s.SaveSnapshot(f.ctx, f.stream, f.snap); !errors.Is(err, f.want) {
					t.Errorf("SaveSnapshot: %v, want %v", err, f.want)
				}
				sameTree(t, dir, before) // not even snapshots/ was created
			})
			t.Run("after a save", func(t *testing.T) {
				dir := t.TempDir()
				s := openStore(t, dir)
				if err := s.SaveSnapshot(ctx, "a", snap(1, "v1")); err != nil {
					t.Fatal(err)
				}
				before := tree(t, dir)
				if err := s.SaveSnapshot(f.ctx, f.stream, f.snap); !errors.Is(err, f.want) {
					t.Errorf("SaveSnapshot: %v, want %v", err, f.want)
				}
				sameTree(t, dir, before)
				wantSnapshot(t, s, "a", snap(1, "v1"))
			})
		})
	}

	t.Run("a save that fails: snapshots is a regular file", func(t *testing.T) {
		dir := t.TempDir()
		s := openStore(t, dir)
		if err := os.WriteFile(filepath.Join(dir, "snapshots"), []byte("not a directory\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		before := tree(t, dir)
		err := s.SaveSnapshot(ctx, "a", snap(1, "v1"))
		if err == nil || errors.Is(err, store.ErrInvalid) || !strings.HasPrefix(err.Error(), "jsonl: save snapshot: ") {
			t.Errorf("SaveSnapshot: %v, want an error of the file system, wrapped by the package", err)
		}
		sameTree(t, dir, before)
		// Once the file is gone, saves work again.
		if err := os.Remove(filepath.Join(dir, "snapshots")); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveSnapshot(ctx, "a", snap(1, "v1")); err != nil {
			t.Fatalf("SaveSnapshot once snapshots/ can be created: %v", err)
		}
		if got, want := inSnapshots(t, dir), names("a"); !slices.Equal(got, want) {
			t.Errorf("snapshots/ holds %q, want %q", got, want)
		}
	})

	t.Run("snapshots/ deleted while the store runs", func(t *testing.T) {
		dir := t.TempDir()
		s := openStore(t, dir)
		if err := s.SaveSnapshot(ctx, "a", snap(2, "v1")); err != nil {
			t.Fatal(err)
		}
		if err := os.RemoveAll(filepath.Join(dir, "snapshots")); err != nil {
			t.Fatal(err)
		}
		wantNoSnapshot(t, s, "a")
		if err := s.SaveSnapshot(ctx, "a", snap(1, "v1")); err != nil {
			t.Fatalf("SaveSnapshot after snapshots/ was deleted: %v", err)
		}
		wantSnapshot(t, s, "a", snap(1, "v1"))
	})
}

// TestStore_snapshotConcurrentSaves saves snapshots of one stream from many goroutines:
// the one furthest on (whose event the log holds) is kept, whatever the order, and no
// temporary file is left.
func TestStore_snapshotConcurrentSaves(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openStore(t, dir, jsonl.WithNoSync())
	const writers, each = 8, 25
	// The log holds the events the snapshots name: only such a snapshot keeps older ones out.
	events := make([]store.EventData, writers*each)
	for i := range events {
		events[i] = store.EventData{ID: fmt.Sprintf("e%d", i+1), Type: "T", Data: json.RawMessage(`{}`)}
	}
	if _, err := s.Append(ctx, "a", store.NoStream, events...); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				v := store.Version(i*writers + w + 1)
				snap := store.Snapshot{Version: v, EventID: fmt.Sprintf("e%d", v), Revision: "v1", State: json.RawMessage(fmt.Sprintf(`{"n":%d}`, v))}
				if err := s.SaveSnapshot(ctx, "a", snap); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("SaveSnapshot: %v", err)
	}
	const last = writers * each
	wantSnapshot(t, s, "a", store.Snapshot{Version: last, EventID: fmt.Sprintf("e%d", last), Revision: "v1", State: json.RawMessage(fmt.Sprintf(`{"n":%d}`, last))})
	if entries, err := os.ReadDir(filepath.Join(dir, "snapshots")); err != nil || len(entries) != 1 {
		t.Errorf("snapshots/ holds %d files, %v; want 1", len(entries), err)
	}
}

// TestStore_snapshotSavesRaceReads saves a stream's snapshot again and again while another
// goroutine reads it again and again: every save and every read succeeds, and a read
// returns one of the snapshots saved, whole. A save renames a new file over the one the
// reader may have open, which Windows refuses with its older rename semantics (and Wine,
// which CI runs this under, has only those): there the save waits for the reader.
func TestStore_snapshotSavesRaceReads(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, t.TempDir(), jsonl.WithNoSync())
	const saves = 300
	events := make([]store.EventData, saves)
	for i := range events {
		events[i] = store.EventData{ID: fmt.Sprintf("e%d", i+1), Type: "T", Data: json.RawMessage(`{}`)}
	}
	if _, err := s.Append(ctx, "a", store.NoStream, events...); err != nil {
		t.Fatal(err)
	}
	snapshot := func(v store.Version) store.Snapshot {
		return store.Snapshot{Version: v, EventID: fmt.Sprintf("e%d", v), Revision: "v1", State: json.RawMessage(fmt.Sprintf(`{"n":%d}`, v))}
	}
	if err := s.SaveSnapshot(ctx, "a", snapshot(1)); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for reads := 0; ; reads++ {
			select {
			case <-done:
				if reads == 0 {
					t.Error("the reader read nothing while the saves ran")
				}
				return
			default:
			}
			got, ok, err := s.Snapshot(ctx, "a")
			if err != nil || !ok || !bytes.Equal(got.State, snapshot(got.Version).State) || got.EventID != snapshot(got.Version).EventID {
				t.Errorf("Snapshot during saves: %+v, %v, %v; want one of the snapshots saved", got, ok, err)
				return
			}
		}
	})
	for v := store.Version(2); v <= saves; v++ {
		if err := s.SaveSnapshot(ctx, "a", snapshot(v)); err != nil {
			t.Errorf("SaveSnapshot of version %d during reads: %v", v, err)
			break
		}
	}
	close(done)
	wg.Wait()
	wantSnapshot(t, s, "a", snapshot(saves))
}

func TestOpenReadOnly_snapshots(t *testing.T) {
	ctx := context.Background()
	saved := store.Snapshot{Version: 1, EventID: "e1", Revision: "v1", State: json.RawMessage(`{"n": 1}`)}
	newer := store.Snapshot{Version: 2, EventID: "e2", Revision: "v1", State: json.RawMessage(`{"n": 2}`)}
	for _, c := range []struct {
		name string
		save bool // save a snapshot of "a" before
	}{{"with a snapshot saved before", true}, {"without snapshots/", false}} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			w := openStore(t, dir, jsonl.WithNoSync())
			mustAppend(t, w, "a", store.NoStream, ev("T", 1))
			if c.save {
				if err := w.SaveSnapshot(ctx, "a", saved); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			before := tree(t, dir)
			s, err := jsonl.OpenReadOnly(dir)
			if err != nil {
				t.Fatal(err)
			}
			if c.save {
				wantSnapshot(t, s, "a", saved)
			} else {
				wantNoSnapshot(t, s, "a")
			}
			wantNoSnapshot(t, s, "b")
			for _, stream := range []string{"a", "b"} {
				if err := s.SaveSnapshot(ctx, stream, newer); !errors.Is(err, jsonl.ErrReadOnly) {
					t.Errorf("SaveSnapshot(%q): %v, want ErrReadOnly", stream, err)
				}
			}
			if c.save {
				wantSnapshot(t, s, "a", saved)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := s.SaveSnapshot(ctx, "a", newer); !errors.Is(err, store.ErrClosed) {
				t.Errorf("SaveSnapshot after Close: %v, want ErrClosed", err)
			}
			if _, _, err := s.Snapshot(ctx, "a"); !errors.Is(err, store.ErrClosed) {
				t.Errorf("Snapshot after Close: %v, want ErrClosed", err)
			}
			sameTree(t, dir, before)
		})
	}
}
