package service_test

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
	"github.com/eventgraph/eventgraph/store/memory"
)

// typeReads passes a store.TypeReader through and counts the events that ReadAll and
// Subscribe yield, which a read of some types should not need.
type typeReads struct {
	store.Store
	tr        store.TypeReader
	all, subs atomic.Int64
}

func (c *typeReads) ReadAll(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return counted(c.Store.ReadAll(ctx, after), &c.all)
}

func (c *typeReads) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return counted(c.Store.Subscribe(ctx, after), &c.subs)
}

func (c *typeReads) ReadAllTypes(ctx context.Context, after store.Position, types []string) iter.Seq2[store.Event, error] {
	return c.tr.ReadAllTypes(ctx, after, types)
}

// Head passes the store's head through (memory and JSONL know it): without it the service
// would find the head by reading the whole log.
func (c *typeReads) Head(ctx context.Context) (store.Position, error) {
	return c.Store.(store.Header).Head(ctx)
}

func counted(seq iter.Seq2[store.Event, error], n *atomic.Int64) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		for e, err := range seq {
			n.Add(1)
			if !yield(e, err) {
				return
			}
		}
	}
}

// typeService returns a service over st, through a typeReads when st reads by type (its
// tr is then set).
func typeService(st store.Store) (*service.Service, *typeReads) {
	reads := &typeReads{Store: st}
	if tr, ok := st.(store.TypeReader); ok {
		reads.tr = tr
		return service.New(reads), reads
	}
	return service.New(st), reads
}

// plainStore hides every optional method of a store: the service filters ReadAll.
type plainStore struct{ store.Store }

// typedLog appends n events of types T0 to T4 (T4 rare) over three streams.
func typedLog(t *testing.T, st store.Store, n int) []store.Event {
	t.Helper()
	for i := range n {
		typ := fmt.Sprint("T", i%4)
		if i%50 == 7 {
			typ = "T4"
		}
		if _, err := st.Append(t.Context(), fmt.Sprint("s-", i%3), store.Any, store.EventData{Type: typ, Data: []byte(fmt.Sprintf(`{"n":%d}`, i))}); err != nil {
			t.Fatal(err)
		}
	}
	return mustReadFrom(t, st, 0)
}

func ofTypes(all []store.Event, after store.Position, types []string) []store.Event {
	var out []store.Event
	for _, e := range all {
		if e.Position > after && slices.Contains(types, e.Type) {
			out = append(out, e)
		}
	}
	return out
}

func typeStores(t *testing.T) map[string]store.Store {
	st, err := jsonl.Open(t.TempDir(), jsonl.WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	stores := map[string]store.Store{"memory": memory.New(), "jsonl": st, "without TypeReader": plainStore{memory.New()}}
	for _, s := range stores {
		t.Cleanup(func() { _ = s.Close() })
	}
	return stores
}

// A page of events of some types holds what filtering the log gives, whether the store
// reads by type or not; a store that does is asked for those types' events alone.
func TestService_Events_byType(t *testing.T) {
	for name, st := range typeStores(t) {
		t.Run(name, func(t *testing.T) {
			all := typedLog(t, st, 400)
			svc, reads := typeService(st)
			head := all[len(all)-1].Position
			for _, types := range [][]string{{"T4"}, {"T1", "T4"}, {"T2", "T2"}, {"none"}, {}} {
				for _, after := range []store.Position{0, 8, head / 2, head} {
					for _, limit := range []int{1, 3, 1000} {
						want := ofTypes(all, after, types)
						want = want[:min(limit, len(want))]
						got, err := svc.Events(t.Context(), after, service.EventFilter{Types: types}, limit)
						if err != nil {
							t.Fatal(err)
						}
						if len(got) != len(want) {
							t.Fatalf("types %q after %d first %d: %d events, want %d", types, after, limit, len(got), len(want))
						}
						checkSame(t, got, want)
					}
				}
			}
			if reads.tr != nil && reads.all.Load() != 0 {
				t.Errorf("the pages read %d events with ReadAll; want none (the store reads by type)", reads.all.Load())
			}
		})
	}
}

// A subscription to some types after a position replays their events, read by type, then
// goes on with new events of those types and nothing else, following the log from the head.
func TestService_SubscribeEvents_byTypeAfterAPosition(t *testing.T) {
	for name, st := range typeStores(t) {
		t.Run(name, func(t *testing.T) {
			all := typedLog(t, st, 300)
			svc, reads := typeService(st)
			types := []string{"T4", "T1"}
			head := all[len(all)-1].Position
			// Each position is taken from the head as it is when its turn comes: the log grows
			// as the test goes, and a position computed up front was no longer beyond the head.
			for _, at := range []func(head store.Position) store.Position{
				func(store.Position) store.Position { return 0 },
				func(store.Position) store.Position { return 9 },
				func(head store.Position) store.Position { return head / 2 },
				func(head store.Position) store.Position { return head },
				func(head store.Position) store.Position { return head + 3 },
			} {
				after := at(head)
				ctx, cancel := context.WithCancel(t.Context())
				subsBefore := reads.subs.Load()
				seq, err := svc.SubscribeEvents(ctx, &after, service.EventFilter{Types: types})
				if err != nil {
					t.Fatal(err)
				}
				next, stop := iter.Pull2(seq)
				want := ofTypes(all, after, types)
				var got []store.Event
				for range want {
					e, err, ok := next()
					if err != nil || !ok {
						t.Fatalf("after %d: event %d: %v, %v", after, len(got), err, ok)
					}
					got = append(got, e)
				}
				checkSame(t, got, want)
				// Live: an event of another type is skipped, one of the types comes.
				if _, err := st.Append(ctx, "s-x", store.Any, store.EventData{Type: "T0", Data: []byte(`{}`)}); err != nil {
					t.Fatal(err)
				}
				var app store.Appended
				for app.Position <= after {
					if app, err = st.Append(ctx, "s-x", store.Any, store.EventData{Type: "T4", Data: []byte(`{}`)}); err != nil {
						t.Fatal(err)
					}
				}
				e, err, ok := next()
				if err != nil || !ok || e.Type != "T4" || e.Position != app.Position {
					t.Fatalf("after %d: live event %+v, %v, %v; want T4 at %d", after, e, err, ok, app.Position)
				}
				if reads.tr != nil {
					if n, live := reads.subs.Load()-subsBefore, app.Position-max(head, after); n > int64(live) {
						t.Errorf("after %d: the subscription read %d events of the log, want at most the %d after the head", after, n, live)
					}
				}
				stop()
				cancel()
				all = append(all, mustReadFrom(t, st, head)...)
				head = all[len(all)-1].Position
			}
		})
	}
}

// A restaurant's order changes from a position far behind the head (an SSE client resuming
// with Last-Event-ID: 0) read the order events by type, not the whole log: every request
// had read and filtered every event of a long log, menus and all.
func TestService_WatchRestaurantOrdersAfter_readsOrderEventsOnly(t *testing.T) {
	for name, st := range typeStores(t) {
		t.Run(name, func(t *testing.T) {
			svc, reads := typeService(st)
			run(t, svc)
			create(t, svc, "r1", "a")
			create(t, svc, "r2", "a")
			for i := range 200 { // restaurant events, none of them an order's
				if _, err := svc.ChangeRestaurantMenu(t.Context(), restaurant.ChangeRestaurantMenu{ID: "r2", Menu: restaurant.Menu{
					MenuID: "m", Cuisine: restaurant.Cuisine("GENERAL"), MenuItems: []restaurant.MenuItem{{MenuItemID: fmt.Sprint("m", i), Name: "x", Price: "1.00"}},
				}}, eventsourcing.Meta{}); err != nil {
					t.Fatal(err)
				}
			}
			placeAndWait(t, svc, "r2", "o-r2", "m199")
			placeAndWait(t, svc, "r1", "o1", "a")
			placeAndWait(t, svc, "r1", "o2", "a")
			reads.all.Store(0)
			reads.subs.Store(0)
			var got []string
			for c, err := range svc.WatchRestaurantOrdersAfter(t.Context(), "r1", 0) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, c.ID)
				if len(got) == 2 {
					break
				}
			}
			if !slices.Equal(got, []string{"o1", "o2"}) {
				t.Fatalf("changes of orders %v, want o1 and o2", got)
			}
			if n := reads.all.Load() + reads.subs.Load(); reads.tr != nil && n > 0 {
				t.Errorf("the history was read from the whole log (%d events); want the order events alone, by type", n)
			}
		})
	}
}

// snapshotAtCall is a store whose reads by type hold the events up to the head when they are
// made, as store.TypeReader allows, and whose Head sees one more event appended first, as
// if a writer appended between a subscription's read and its look at the head.
type snapshotAtCall struct {
	store.Store
	appendOnce sync.Once
}

func (s *snapshotAtCall) ReadAllTypes(ctx context.Context, after store.Position, types []string) iter.Seq2[store.Event, error] {
	var events []store.Event
	for e, err := range s.Store.(store.TypeReader).ReadAllTypes(ctx, after, types) {
		if err != nil {
			return func(yield func(store.Event, error) bool) { yield(store.Event{}, err) }
		}
		events = append(events, e)
	}
	return func(yield func(store.Event, error) bool) {
		for _, e := range events {
			if !yield(e, nil) {
				return
			}
		}
	}
}

func (s *snapshotAtCall) Head(ctx context.Context) (store.Position, error) {
	s.appendOnce.Do(func() {
		_, _ = s.Store.Append(ctx, "s-late", store.Any, store.EventData{Type: "T4", Data: []byte(`{"late":true}`)})
	})
	return s.Store.(store.Header).Head(ctx)
}

// A subscription to some types misses no event appended while it starts: it looks at the
// head before it reads the history, which then holds at least the events up to that head.
func TestService_SubscribeEvents_byTypeNoGapAtTheStart(t *testing.T) {
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	typedLog(t, st, 20)
	svc := service.New(&snapshotAtCall{Store: st})
	after := store.Position(0)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second) // a gap would wait for good
	defer cancel()
	events, err := svc.SubscribeEvents(ctx, &after, service.EventFilter{Types: []string{"T4"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for e, err := range events {
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		got = append(got, e.StreamID)
		if e.StreamID == "s-late" || len(got) > 5 {
			break
		}
	}
	if len(got) == 0 || got[len(got)-1] != "s-late" {
		t.Fatalf("events of streams %v: the one appended as the subscription started is missing", got)
	}
}
