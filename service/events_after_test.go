package service_test

import (
	"context"
	"iter"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

// versionedReads is streamReads that also tells a stream's version, as the stores do, and
// counts the events its subscriptions yield.
type versionedReads struct {
	*streamReads
	sv   store.StreamVersioner
	subs *atomic.Int64
}

func (v versionedReads) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		for e, err := range v.streamReads.Subscribe(ctx, after) {
			v.subs.Add(1)
			if !yield(e, err) {
				return
			}
		}
	}
}

func (v versionedReads) StreamVersion(ctx context.Context, stream string) (store.Version, error) {
	return v.sv.StreamVersion(ctx, stream)
}

// interleaved appends n events to three streams in a random order and returns the log.
func interleaved(t *testing.T, st store.Store, n int) []store.Event {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	for range n {
		if _, err := st.Append(t.Context(), []string{"s-a", "s-b", "s-c"}[rng.IntN(3)], store.Any, store.EventData{Type: "T", Data: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	var all []store.Event
	for e, err := range st.ReadAll(t.Context(), 0) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, e)
	}
	return all
}

func streamAfter(all []store.Event, stream string, after store.Position) []store.Event {
	var out []store.Event
	for _, e := range all {
		if e.StreamID == stream && e.Position > after {
			out = append(out, e)
		}
	}
	return out
}

// otherStreamThan returns a stream of the three that the last event is not of.
func otherStreamThan(all []store.Event) string {
	for _, s := range []string{"s-a", "s-b", "s-c"} {
		if s != all[len(all)-1].StreamID {
			return s
		}
	}
	panic("unreachable")
}

// TestService_Events_streamAfterAnyPosition: a page of one stream's events after any position
// (its own events', another stream's, the head, beyond it) holds the stream's events after
// that position; with a store that tells a stream's version, finding where to start reads a
// few of the stream's events (a bisection), not every event before the position.
func TestService_Events_streamAfterAnyPosition(t *testing.T) {
	for name, versioned := range map[string]bool{"a store that tells a stream's version": true, "a store that does not": false} {
		t.Run(name, func(t *testing.T) {
			mem := memory.New()
			t.Cleanup(func() { _ = mem.Close() })
			counting := &streamReads{Store: mem}
			var st store.Store = counting
			if versioned {
				st = versionedReads{counting, mem, new(atomic.Int64)}
			}
			svc := service.New(st)
			all := interleaved(t, mem, 300)
			head := all[len(all)-1].Position
			for _, stream := range []string{"s-a", "s-b", "s-c"} {
				for after := store.Position(0); after <= head+1; after++ {
					got, err := svc.Events(t.Context(), after, service.EventFilter{StreamID: stream}, 1000)
					if err != nil {
						t.Fatal(err)
					}
					checkSame(t, got, streamAfter(all, stream, after))
				}
			}
			stream := otherStreamThan(all)
			before := counting.n.Load()
			if page, err := svc.Events(t.Context(), head, service.EventFilter{StreamID: stream}, 10); err != nil || len(page) != 0 {
				t.Fatalf("a page after the head = %d events, %v; want none", len(page), err)
			}
			read := counting.n.Load() - before
			if versioned && read > 10 {
				t.Errorf("read %d of the stream's ~100 events to find its place after the head, want at most 10", read)
			}
			if !versioned && read < 50 {
				t.Errorf("read %d events of the stream: the test's counting is off", read)
			}
		})
	}
}

// TestService_SubscribeEvents_streamAfterAPosition: a subscription to one stream's events
// after a position replays the stream's events after it, read from the stream, then goes on
// with the stream's new events and nothing else.
func TestService_SubscribeEvents_streamAfterAPosition(t *testing.T) {
	mem := memory.New()
	t.Cleanup(func() { _ = mem.Close() })
	counting := &streamReads{Store: mem}
	subscribed := new(atomic.Int64)
	svc := service.New(versionedReads{counting, mem, subscribed})
	all := interleaved(t, mem, 300)
	head := all[len(all)-1].Position
	stream := otherStreamThan(all)
	// Each position is taken from the head as it is when its turn comes: the log grows as
	// the test goes, and a position computed up front was no longer beyond the head.
	for _, at := range []func(head store.Position) store.Position{
		func(store.Position) store.Position { return 0 },
		func(store.Position) store.Position { return 1 },
		func(head store.Position) store.Position { return head / 2 },
		func(head store.Position) store.Position { return head - 1 },
		func(head store.Position) store.Position { return head },
		func(head store.Position) store.Position { return head + 5 },
	} {
		after := at(head)
		ctx, cancel := context.WithCancel(t.Context())
		before, subscribedBefore := counting.n.Load(), subscribed.Load()
		seq, err := svc.SubscribeEvents(ctx, &after, service.EventFilter{StreamID: stream})
		if err != nil {
			t.Fatal(err)
		}
		next, stop := iter.Pull2(seq)
		want := streamAfter(all, stream, after)
		var got []store.Event
		for range want {
			e, err, ok := next()
			if err != nil || !ok {
				t.Fatalf("after %d: event %d: %v, %v", after, len(got), err, ok)
			}
			got = append(got, e)
		}
		checkSame(t, got, want)
		// The replay read the stream from its place: a bisection and the events replayed,
		// and at most one more (the stream's read stops past the head).
		if read := counting.n.Load() - before; read > int64(len(want))+11 {
			t.Errorf("after %d: read %d events of the stream to replay %d", after, read, len(want))
		}
		// Live: another stream's event is skipped, the stream's next one comes. A
		// subscription that starts beyond the head sees only events after its position.
		if _, err := mem.Append(ctx, "s-other", store.Any, store.EventData{Type: "T", Data: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
		var app store.Appended
		for app.Position <= after {
			if app, err = mem.Append(ctx, stream, store.Any, store.EventData{Type: "T", Data: []byte(`{}`)}); err != nil {
				t.Fatal(err)
			}
		}
		e, err, ok := next()
		if err != nil || !ok || e.StreamID != stream || e.Position != app.Position {
			t.Fatalf("after %d: live event %+v, %v, %v; want %s's at %d", after, e, err, ok, stream, app.Position)
		}
		// The log was followed from the head (or the position, beyond it), not read from
		// the position to find the stream's events in it.
		if n, live := subscribed.Load()-subscribedBefore, app.Position-max(head, after); n > int64(live) {
			t.Errorf("after %d: the subscription read %d events of the log, want at most the %d after the head", after, n, live)
		}
		stop()
		cancel()
		all = append(all, mustReadFrom(t, mem, head)...)
		head = all[len(all)-1].Position
	}
}

// mustReadFrom returns the log's events after position after.
func mustReadFrom(t *testing.T, st store.Store, after store.Position) []store.Event {
	t.Helper()
	var out []store.Event
	for e, err := range st.ReadAll(t.Context(), after) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// TestService_Events_typesPageIsTheCallers: a page found by type, read without copying every
// event passed over, holds copies: changing them changes nothing in the store.
func TestService_Events_typesPageIsTheCallers(t *testing.T) {
	mem := memory.New()
	t.Cleanup(func() { _ = mem.Close() })
	svc := service.New(mem)
	ctx := t.Context()
	for _, typ := range []string{"A", "B", "A"} {
		if _, err := mem.Append(ctx, "s", store.Any, store.EventData{Type: typ, Data: []byte(`{"n":1}`), Metadata: map[string]string{"k": "v"}}); err != nil {
			t.Fatal(err)
		}
	}
	page, err := svc.Events(ctx, 0, service.EventFilter{Types: []string{"B"}}, 10)
	if err != nil || len(page) != 1 {
		t.Fatalf("Events = %d events, %v; want 1", len(page), err)
	}
	page[0].Data[2] = 'X'
	page[0].Metadata["k"] = "changed"
	for e, err := range mem.ReadAll(ctx, 1) {
		if err != nil {
			t.Fatal(err)
		}
		if string(e.Data) != `{"n":1}` || e.Metadata["k"] != "v" {
			t.Errorf("the store's event is now %s %v: the page shared it", e.Data, e.Metadata)
		}
		break
	}
}
