package jsonl_test

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// countingFile counts the reads of the log file.
type countingFile struct {
	jsonl.File
	reads atomic.Int64
}

func (f *countingFile) ReadAt(p []byte, off int64) (int, error) {
	f.reads.Add(1)
	return f.File.ReadAt(p, off)
}

// readCounter is a jsonl.ReadObserver that counts where readers' events came from.
type readCounter struct{ cached, fromFile atomic.Int64 }

func (*readCounter) Appended(int, time.Duration, error)    {}
func (*readCounter) Synced(int, int, time.Duration, error) {}
func (c *readCounter) Read(cached, fromFile int) {
	c.cached.Add(int64(cached))
	c.fromFile.Add(int64(fromFile))
}

// tailEvents are appends of every shape the cache must reproduce exactly as a reader parses
// them from the file: no metadata, empty metadata, several keys, data to compact, escapes
// and non-ASCII text, and a batch.
func tailEvents() []struct {
	stream string
	events []store.EventData
} {
	return []struct {
		stream string
		events []store.EventData
	}{
		{"a", []store.EventData{{Type: "NoMeta", Data: json.RawMessage(`{"n":1}`)}}},
		{"a", []store.EventData{{Type: "EmptyMeta", Data: json.RawMessage(`[1, 2, {"x" : "y"}]`), Metadata: map[string]string{}}}},
		{"b", []store.EventData{{ID: "chosen-id", Type: "Meta", Data: json.RawMessage(`"caf\u00e9 \"q\" é"`),
			Metadata: map[string]string{"z": "last", "a": "first", "ü": "ß"}}}},
		{"c", []store.EventData{
			{Type: "Batch", Data: json.RawMessage(` { "i" : 0 } `)},
			{Type: "Batch", Data: json.RawMessage(`{"i":1.50e3}`), Metadata: map[string]string{"k": "v"}},
			{Type: "Batch", Data: json.RawMessage(`null`)},
		}},
	}
}

// The events a subscriber takes from the tail cache are exactly those a reader parses
// from the file, field by field, whether shared or copied.
func TestStore_tailCache_sameAsFile(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			ctx := t.Context()
			f := &countingFile{}
			s := openStore(t, t.TempDir(), jsonl.WithFile(func(inner jsonl.File) jsonl.File { f.File = inner; return f }))
			seq := s.Subscribe(ctx, 0)
			if shared {
				seq = s.SubscribeShared(ctx, 0)
			}
			next, stop := iter.Pull2(seq)
			defer stop()
			// The subscription starts with the first pull, which reads the first event from
			// the file; the cache holds what is committed from then on.
			mustAppend(t, s, "a", store.NoStream, ev("First", 0))
			first, err, ok := next()
			if !ok || err != nil {
				t.Fatalf("Subscribe: ok=%v err=%v", ok, err)
			}
			f.reads.Store(0)
			got := []store.Event{first}
			for _, a := range tailEvents() {
				mustAppend(t, s, a.stream, store.Any, a.events...)
				for range a.events {
					e, err, ok := next()
					if !ok || err != nil {
						t.Fatalf("Subscribe: ok=%v err=%v", ok, err)
					}
					got = append(got, e)
				}
			}
			if n := f.reads.Load(); n != 0 {
				t.Errorf("a subscriber that kept up read the file %d times, want 0 (every event from the cache)", n)
			}
			// ReadStream always reads the file.
			var want []store.Event
			for _, stream := range []string{"a", "b", "c"} {
				want = append(want, collect(t, s.ReadStream(ctx, stream, 0))...)
			}
			if f.reads.Load() == 0 {
				t.Fatal("ReadStream did not read the file")
			}
			if len(got) != len(want) {
				t.Fatalf("subscriber got %d events, the file holds %d", len(got), len(want))
			}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Errorf("event %d from the cache:\n%#v\nfrom the file:\n%#v", i, got[i], want[i])
				}
			}
		})
	}
}

// Without the cache, or for events committed before a subscription began, subscribers read
// the file.
func TestStore_tailCache_readsFileOtherwise(t *testing.T) {
	tests := []struct {
		name      string
		opts      []jsonl.Option
		wantReads bool // for the events appended while subscribed
	}{
		{"cache on", nil, false},
		{"cache off", []jsonl.Option{jsonl.WithTailCache(0)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &countingFile{}
			obs := &readCounter{}
			s := openStore(t, t.TempDir(), append(tt.opts, jsonl.WithObserver(obs),
				jsonl.WithFile(func(inner jsonl.File) jsonl.File { f.File = inner; return f }))...)
			next, stop := iter.Pull2(s.Subscribe(t.Context(), 0))
			defer stop()
			// The subscription begins with the first pull, after the first event.
			mustAppend(t, s, "s", store.Any, ev("Before", 0))
			if e, err, ok := next(); !ok || err != nil || e.Position != 1 {
				t.Fatalf("event 1: %+v ok=%v err=%v", e, ok, err)
			}
			if f.reads.Load() == 0 {
				t.Error("an event committed before the subscription began was not read from the file")
			}
			f.reads.Store(0)
			for i := 1; i < 4; i++ {
				mustAppend(t, s, "s", store.Any, ev("While", i))
				e, err, ok := next()
				if !ok || err != nil || e.Position != store.Position(i+1) {
					t.Fatalf("event %d: %+v ok=%v err=%v", i+1, e, ok, err)
				}
			}
			if got := f.reads.Load() > 0; got != tt.wantReads {
				t.Errorf("subscriber read the file: %v (%d reads), want %v", got, f.reads.Load(), tt.wantReads)
			}
			// The observer heard the same, once the subscription ended (a run is reported
			// when the reader is done with it): the first event from the file, the next
			// three from wherever the subscriber found them.
			stop()
			wantCached, wantFile := int64(3), int64(1)
			if tt.wantReads {
				wantCached, wantFile = 0, 4
			}
			if obs.cached.Load() != wantCached || obs.fromFile.Load() != wantFile {
				t.Errorf("observer heard %d events from the cache and %d from the file, want %d and %d",
					obs.cached.Load(), obs.fromFile.Load(), wantCached, wantFile)
			}
		})
	}
}

// A subscriber that falls further behind than the cache holds reads the older events from
// the file and the rest from the cache, with no gap and no duplicate.
func TestStore_tailCache_subscriberFallsBehind(t *testing.T) {
	for name, limit := range map[string]jsonl.Option{
		"by count": jsonl.WithTailCache(4),
		"by size":  jsonl.WithTailCacheBytes(1), // only the newest event fits
	} {
		t.Run(name, func(t *testing.T) { subscriberFallsBehind(t, limit) })
	}
}

func subscriberFallsBehind(t *testing.T, limit jsonl.Option) {
	const cache = 4
	s := openStore(t, t.TempDir(), limit, jsonl.WithNoSync())
	next, stop := iter.Pull2(s.Subscribe(t.Context(), 0))
	defer stop()
	mustAppend(t, s, "s", store.Any, ev("E", 0))
	if e, err, ok := next(); !ok || err != nil || e.Position != 1 {
		t.Fatalf("first event: %+v ok=%v err=%v", e, ok, err)
	}
	for i := 1; i < 5*cache; i++ {
		mustAppend(t, s, fmt.Sprint("s", i%3), store.Any, ev("E", i))
	}
	want := readAll(t, s)
	for p := 2; p <= 5*cache; p++ {
		e, err, ok := next()
		if !ok || err != nil {
			t.Fatalf("event %d: ok=%v err=%v", p, ok, err)
		}
		if !reflect.DeepEqual(e, want[p-1]) {
			t.Fatalf("event %d:\n%#v\nwant\n%#v", p, e, want[p-1])
		}
	}
}

// Writers, and subscribers that come, read for a while and go, race one another over a
// small cache; every subscriber receives exactly the log's events from where it started,
// as a fresh reader of the file (without a cache) reads them.
func TestStore_tailCache_concurrentSubscribers(t *testing.T) {
	for _, opts := range [][]jsonl.Option{{jsonl.WithNoSync()}, nil} {
		dir := t.TempDir()
		s, err := jsonl.Open(dir, append(opts, jsonl.WithTailCache(5))...)
		if err != nil {
			t.Fatal(err)
		}
		const (
			writers     = 4
			appends     = 60
			subscribers = 6
			total       = writers * appends * 2 // batches of 1, 2, 3, 1, 2, 3, ...
		)
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := range appends {
					n := 1 + i%3 // batches of 1 to 3
					evs := make([]store.EventData, n)
					for j := range evs {
						evs[j] = ev("W", w*1000+i*10+j)
					}
					if _, err := s.Append(ctx, fmt.Sprint("w", w), store.Any, evs...); err != nil {
						t.Errorf("writer %d: %v", w, err)
						return
					}
				}
			})
		}
		type run struct {
			after  store.Position
			events []store.Event
		}
		runs := make(chan run, 64)
		var subs sync.WaitGroup
		for k := range subscribers {
			subs.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(k), 7))
				for range 5 {
					head, err := s.Head(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					r := run{after: store.Position(rng.IntN(int(head) + 1))}
					if r.after == total {
						r.after--
					}
					take := 1 + rng.IntN(40)
					for e, err := range s.Subscribe(ctx, r.after) {
						if err != nil {
							t.Errorf("subscriber %d: %v", k, err)
							return
						}
						r.events = append(r.events, e)
						if len(r.events) == take || e.Position == total {
							break
						}
					}
					runs <- r
				}
			})
		}
		wg.Wait()
		subs.Wait()
		cancel()
		close(runs)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		fresh := openStore(t, dir, jsonl.WithTailCache(0))
		all := readAll(t, fresh)
		if len(all) != total {
			t.Fatalf("the log holds %d events, want %d", len(all), total)
		}
		n := 0
		for r := range runs {
			n++
			for i, e := range r.events {
				p := int(r.after) + i + 1
				if p > len(all) || !reflect.DeepEqual(e, all[p-1]) {
					t.Fatalf("a subscriber from %d got as event %d:\n%#v\nthe file holds:\n%#v", r.after, i+1, e, all[min(p, len(all))-1])
				}
			}
		}
		if n != subscribers*5 {
			t.Fatalf("%d subscriber runs reported, want %d", n, subscribers*5)
		}
	}
}
