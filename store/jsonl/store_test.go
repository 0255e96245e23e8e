package jsonl_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

func TestStore_AppendAndRead(t *testing.T) {
	dir := t.TempDir()
	clock := time.Date(2026, 11, 23, 10, 0, 0, 123456789, time.UTC)
	s := openStore(t, dir, jsonl.WithClock(func() time.Time { return clock }))
	ctx := context.Background()

	a := mustAppend(t, s, "order-1", store.NoStream, ev("OrderCreated", 1), ev("OrderPrepared", 2))
	if a != (store.Appended{Version: 2, Position: 2}) {
		t.Fatalf("Append = %+v, want version 2 position 2", a)
	}
	mustAppend(t, s, "order-2", store.NoStream, ev("OrderCreated", 3))
	mustAppend(t, s, "order-1", 2, ev("Weird \"type\"\n\t\x01é", 4))

	got := readAll(t, s)
	if len(got) != 4 {
		t.Fatalf("ReadAll: %d events, want 4", len(got))
	}
	for i, e := range got {
		if e.Position != store.Position(i+1) || !e.Time.Equal(clock) || e.ID == "" {
			t.Errorf("event %d: %+v", i, e)
		}
	}
	stream := collect(t, s.ReadStream(ctx, "order-1", 1))
	if len(stream) != 2 || stream[0].Version != 2 || stream[1].Version != 3 || stream[1].Type != "Weird \"type\"\n\t\x01é" {
		t.Fatalf("ReadStream(order-1, 1) = %+v", stream)
	}
	if string(stream[0].Data) != `{"n":2,"orderId":"o-2"}` {
		t.Errorf("Data = %s, want it compacted", stream[0].Data)
	}
	if h, err := s.Head(ctx); err != nil || h != 4 {
		t.Errorf("Head = %d, %v; want 4", h, err)
	}

	t.Run("the same events after reopening", func(t *testing.T) {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s2 := openStore(t, dir)
		if again := readAll(t, s2); !reflect.DeepEqual(again, got) {
			t.Fatalf("after reopen:\n got %+v\nwant %+v", again, got)
		}
		if r := s2.Recovery(); r.Events != 4 || r.Commits != 3 || r.Streams != 2 || r.TornBytes != 0 {
			t.Errorf("Recovery = %+v", r)
		}
		a := mustAppend(t, s2, "order-2", 1, ev("OrderPrepared", 5))
		if a != (store.Appended{Version: 2, Position: 5}) {
			t.Errorf("Append after reopen = %+v", a)
		}
	})
}

func TestStore_LineFormat(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, jsonl.WithNoSync(), jsonl.WithClock(func() time.Time {
		return time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600))
	}))
	mustAppend(t, s, "order-42", store.NoStream, store.EventData{ID: "e1", Type: "OrderCreated",
		Data: []byte(`{ "orderId" : "42", "n": 1.50 }`), Metadata: map[string]string{"b": "2", "a": "1"}})
	b, err := os.ReadFile(filepath.Join(dir, jsonl.LogFile))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"position":1,"stream":"order-42","version":1,"id":"e1","type":"OrderCreated","time":"2026-01-02T02:04:05.000000006Z","data":{"orderId":"42","n":1.50},"metadata":{"a":"1","b":"2"},"batch":1,"crc":"`
	if !strings.HasPrefix(string(b), want) || !strings.HasSuffix(string(b), "\"}\n") {
		t.Fatalf("line:\n got %s\nwant %s…", b, want)
	}
}

func TestOpen_Locked(t *testing.T) {
	dir := t.TempDir()
	s, err := jsonl.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jsonl.Open(dir); !errors.Is(err, jsonl.ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := jsonl.Open(dir)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	s2.Close()
}

// lockEnv names the directory a child process tries to open; set only in the child.
const lockEnv = "JSONL_LOCK_CHILD_DIR"

// TestOpenChild is the child of TestOpen_lockedAcrossProcesses: it prints what Open of
// the directory returned. Without lockEnv it does nothing.
func TestOpenChild(t *testing.T) {
	dir := os.Getenv(lockEnv)
	if dir == "" {
		return // not the child
	}
	s, err := jsonl.Open(dir)
	switch {
	case errors.Is(err, jsonl.ErrLocked):
		fmt.Println("result: locked:", err)
	case err != nil:
		fmt.Println("result: error:", err)
	default:
		s.Close()
		fmt.Println("result: opened")
	}
}

func TestOpen_lockedAcrossProcesses(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	child := func() string {
		cmd := exec.Command(exe, "-test.run=^TestOpenChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), lockEnv+"="+dir)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		for _, line := range strings.Split(string(out), "\n") {
			if r, ok := strings.CutPrefix(line, "result: "); ok {
				return r
			}
		}
		t.Fatalf("child printed no result:\n%s", out)
		return ""
	}
	s, err := jsonl.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := child(); !strings.HasPrefix(got, "locked: ") || !strings.Contains(got, "locked by another store") {
		t.Fatalf("Open in another process while this one has the store open: %q, want ErrLocked", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := child(); got != "opened" {
		t.Fatalf("Open in another process after Close: %q, want opened", got)
	}
}

func TestStore_Append_invalid(t *testing.T) {
	big := make([]byte, 0, 200)
	big = append(big, '"')
	big = append(big, strings.Repeat("x", 150)...)
	big = append(big, '"')
	tests := []struct {
		name   string
		stream string
		events []store.EventData
	}{
		{"empty stream", "", []store.EventData{ev("T", 1)}},
		{"no events", "s", nil},
		{"empty type", "s", []store.EventData{{Data: []byte(`{}`)}}},
		{"invalid JSON", "s", []store.EventData{{Type: "T", Data: []byte(`{`)}}},
		{"over the size limit", "s", []store.EventData{ev("T", 1), {Type: "T", Data: big}}},
		{"stream not UTF-8", "s\xff", []store.EventData{ev("T", 1)}},
		{"metadata not UTF-8", "s", []store.EventData{{Type: "T", Data: []byte(`1`), Metadata: map[string]string{"k": "\xfe"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openStore(t, dir, jsonl.WithMaxEventSize(100))
			_, err := s.Append(context.Background(), tt.stream, store.Any, tt.events...)
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("Append: %v, want ErrInvalid", err)
			}
			if fi, err := os.Stat(filepath.Join(dir, jsonl.LogFile)); err != nil || fi.Size() != 0 {
				t.Errorf("log after a rejected append: %v, %v; want empty", fi.Size(), err)
			}
			mustAppend(t, s, "ok", store.NoStream, ev("T", 1))
		})
	}
}

func TestStore_Append_concurrentConflicts(t *testing.T) {
	for _, durable := range []bool{true, false} {
		t.Run(map[bool]string{true: "durable", false: "no sync"}[durable], func(t *testing.T) {
			var opts []jsonl.Option
			if !durable {
				opts = append(opts, jsonl.WithNoSync())
			}
			dir := t.TempDir()
			s := openStore(t, dir, opts...)
			const writers, rounds = 8, 20
			for r := range rounds {
				var wg sync.WaitGroup
				var mu sync.Mutex
				wins := 0
				for w := range writers {
					wg.Go(func() {
						_, err := s.Append(context.Background(), "contended", store.Version(r*2), ev("T", w), ev("T", w))
						switch {
						case err == nil:
							mu.Lock()
							wins++
							mu.Unlock()
						case !errors.Is(err, store.ErrConflict):
							t.Errorf("writer %d round %d: %v", w, r, err)
						}
						// A stream of its own too, so groups mix streams.
						mustAppend(t, s, fmt.Sprintf("own-%d", w), store.Any, ev("T", r))
					})
				}
				wg.Wait()
				if wins != 1 {
					t.Fatalf("round %d: %d winners, want 1", r, wins)
				}
			}
			s.Close()
			s2 := openStore(t, dir)
			all := readAll(t, s2)
			if len(all) != rounds*2+writers*rounds {
				t.Fatalf("%d events after reopen, want %d", len(all), rounds*2+writers*rounds)
			}
			versions := map[string]store.Version{}
			for i, e := range all {
				if e.Position != store.Position(i+1) || e.Version != versions[e.StreamID]+1 {
					t.Fatalf("event %d: position %d version %d after %d", i, e.Position, e.Version, versions[e.StreamID])
				}
				versions[e.StreamID] = e.Version
			}
		})
	}
}

func TestStore_Append_clockOutOfRange(t *testing.T) {
	s := openStore(t, t.TempDir(), jsonl.WithClock(func() time.Time { return time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }))
	if _, err := s.Append(context.Background(), "a", store.Any, ev("T", 1)); err == nil {
		t.Fatal("Append with the clock in the year 10000 succeeded; its line could not be read back")
	}
	if h, _ := s.Head(context.Background()); h != 0 {
		t.Fatalf("Head = %d, want 0", h)
	}
}

// TestOpen_makesMissingDirectories: Open creates the data directory and the parents it lacks
// (syncing each new directory's parent), and fails clearly when a parent is a file.
func TestOpen_makesMissingDirectories(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "a", "b", "data")
	s := openStore(t, dir)
	mustAppend(t, s, "s", store.NoStream, ev("T", 1))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, jsonl.LogFile)); err != nil {
		t.Fatalf("the log is not in the new directory: %v", err)
	}
	if err := os.WriteFile(filepath.Join(root, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if s, err := jsonl.Open(filepath.Join(root, "file", "data")); err == nil {
		s.Close()
		t.Fatal("Open under a file succeeded")
	}
}

// TestStore_clockSteppedBack: an append whose clock reads before the log's last event is
// written with that event's time, in every event of its batch, also when its id, type and
// metadata spell a time field of their own, and as the tail cache of a subscriber holds it.
func TestStore_clockSteppedBack(t *testing.T) {
	dir := t.TempDir()
	later := time.Date(2026, 12, 7, 15, 0, 0, 123456789, time.UTC)
	clock := later
	var mu sync.Mutex
	s := openStore(t, dir, jsonl.WithClock(func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return clock
	}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sub := s.Subscribe(ctx, 0) // the tail cache fills while someone subscribes
	next, stop := iterPull(sub)
	defer stop()

	mustAppend(t, s, "a", store.NoStream, ev("A", 1))
	mu.Lock()
	clock = later.Add(-time.Hour)
	mu.Unlock()
	tricky := []store.EventData{
		{ID: `,"time":"1999-01-01T00:00:00.000000000Z"`, Type: `,"time":"`, Data: []byte(`{"time":"x"}`), Metadata: map[string]string{"time": `","time":"`}},
		{ID: "plain", Type: "B", Data: []byte(`{}`)},
	}
	mustAppend(t, s, `b,"time":"`, store.NoStream, tricky...)

	check := func(what string, got []store.Event) {
		t.Helper()
		if len(got) != 3 {
			t.Fatalf("%s: %d events, want 3", what, len(got))
		}
		for i, e := range got {
			if !e.Time.Equal(later) {
				t.Errorf("%s: event %d has time %v, want %v (the clock read an hour before the last event)", what, i, e.Time, later)
			}
		}
		for i, d := range tricky {
			if e := got[1+i]; e.ID != d.ID || e.Type != d.Type || string(e.Data) != string(d.Data) || len(e.Metadata) != len(d.Metadata) || e.Metadata["time"] != d.Metadata["time"] {
				t.Errorf("%s: event %d is %+v, want %+v", what, 1+i, e, d)
			}
		}
	}
	var subscribed []store.Event
	for range 3 {
		e, err, ok := next()
		if !ok || err != nil {
			t.Fatalf("Subscribe ended: %v", err)
		}
		subscribed = append(subscribed, e)
	}
	check("Subscribe", subscribed)
	check("ReadAll", readAll(t, s))
	stop()
	cancel()
	s.Close()
	s = openStore(t, dir)
	check("ReadAll after a restart", readAll(t, s))
}
