package graph_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/graph/graphtest"
	"github.com/eventgraph/eventgraph/store"
)

// transports are the ways a client can subscribe.
var transports = []string{string(graphtest.TransportWS), string(graphtest.LegacyWS), "sse"}

func (e *env) subscribe(tb testing.TB, transport, query string, vars map[string]any) *graphtest.Subscription {
	tb.Helper()
	ctx := testContext(tb)
	var sub *graphtest.Subscription
	var err error
	if transport == "sse" {
		sub, err = e.client.SubscribeSSE(ctx, query, vars)
	} else {
		sub, err = e.client.SubscribeWS(ctx, graphtest.Protocol(transport), query, vars)
	}
	if err != nil {
		tb.Fatalf("subscribe over %s: %v", transport, err)
	}
	tb.Cleanup(func() { _ = sub.Close() })
	return sub
}

// next returns the subscription's next message decoded into v, failing after a while.
func next(tb testing.TB, sub *graphtest.Subscription, v any) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := sub.Next(ctx)
	if err != nil {
		tb.Fatalf("next: %v", err)
	}
	if err := r.Decode(v); err != nil {
		tb.Fatalf("next: %v", err)
	}
}

const eventsSub = `subscription($a: Int64, $s: ID, $t: [String!]) { events(afterPosition: $a, streamId: $s, types: $t) { id position streamId version type time data metadata } }`

func TestSubscription_EventsOverEveryTransport(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr+": history after the position, then live events made by another client, filtered", func(t *testing.T) {
			e := newEnv(t)
			e.create(t, restaurantInput("r1", "a"))
			e.create(t, restaurantInput("r2", "a"))
			sub := e.subscribe(t, tr, eventsSub, map[string]any{"a": 1, "t": []string{"RestaurantCreated", "RestaurantMenuChanged"}})
			var got struct{ Events event }
			next(t, sub, &got)
			if got.Events.Position != 2 || got.Events.StreamID != "restaurant-r2" || got.Events.Type != "RestaurantCreated" {
				t.Fatalf("history: %+v", got.Events)
			}

			other := graphtest.New(e.client.URL(), graphtest.WithHTTPClient(e.http))
			if r, err := other.Query(testContext(t), `mutation { placeOrder(input: {restaurantId: "r1", menuItemIds: ["a"]}) { id } }`, nil); err != nil || r.Err() != nil {
				t.Fatalf("placeOrder: %v %v", err, r.Err())
			}
			if r, err := other.Query(testContext(t), changeMenu, map[string]any{"in": map[string]any{"id": "r2", "menu": menu("b")}}); err != nil || r.Err() != nil {
				t.Fatalf("changeMenu: %v %v", err, r.Err())
			}
			next(t, sub, &got)
			if got.Events.StreamID != "restaurant-r2" || got.Events.Type != "RestaurantMenuChanged" || got.Events.Version != 2 {
				t.Fatalf("live: %+v (the order's events must be filtered out)", got.Events)
			}
			var data map[string]any
			if err := json.Unmarshal(got.Events.Data, &data); err != nil || data["restaurantId"] != "r2" {
				t.Fatalf("data %s", got.Events.Data)
			}
			if got.Events.Metadata["commandId"] == "" || got.Events.Time.IsZero() {
				t.Fatalf("event %+v", got.Events)
			}
		})
	}
}

func TestSubscription_EventsInOrderWithoutGapsWhileTheClientIsSlow(t *testing.T) {
	e := newEnv(t)
	sub := e.subscribe(t, string(graphtest.TransportWS), eventsSub, map[string]any{"a": 0, "s": "restaurant-r1"})
	e.create(t, restaurantInput("r1", "a"))
	// The client reads nothing while 100 commands run: they must not block.
	for i := range 100 {
		e.must(t, changeMenu, map[string]any{"in": map[string]any{"id": "r1", "menu": menu(fmt.Sprint("d", i))}}, nil)
	}
	for v := 1; v <= 101; v++ {
		var got struct{ Events event }
		next(t, sub, &got)
		if got.Events.Version != v || got.Events.StreamID != "restaurant-r1" {
			t.Fatalf("got version %d of %s, want %d", got.Events.Version, got.Events.StreamID, v)
		}
	}
}

func TestSubscription_EventsWithoutAfterPositionStartAtTheHead(t *testing.T) {
	rec := newOpRecorder()
	e := newEnv(t, withConfig(graph.Config{Observer: rec}))
	before := e.create(t, restaurantInput("r0", "a"))
	sub := e.subscribe(t, string(graphtest.TransportWS), eventsSub, map[string]any{"t": []string{"RestaurantCreated"}})
	recv(t, rec.started) // the subscription starts asynchronously; from here on it sees every event
	live := e.create(t, restaurantInput("live", "a"))
	var got struct{ Events event }
	next(t, sub, &got)
	if got.Events.Position != live.Position || got.Events.StreamID != "restaurant-live" {
		t.Fatalf("first event %+v: want the live one at %d, none before it (r0 is at %d)", got.Events, live.Position, before.Position)
	}
}

func TestSubscription_RestaurantChanged(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr+": current state first, then every restaurant event", func(t *testing.T) {
			e := newEnv(t)
			e.create(t, restaurantInput("r1", "a"))
			sub := e.subscribe(t, tr, `subscription { restaurantChanged(id: "r1") { `+restaurantFields+` } }`, nil)
			var got struct{ RestaurantChanged restaurantOut }
			next(t, sub, &got)
			if got.RestaurantChanged.Version != 1 || got.RestaurantChanged.Name != "Trattoria r1" {
				t.Fatalf("current: %+v", got.RestaurantChanged)
			}
			e.must(t, changeMenu, map[string]any{"in": map[string]any{"id": "r1", "menu": menu("b")}}, nil)
			next(t, sub, &got)
			if got.RestaurantChanged.Version != 2 || got.RestaurantChanged.Menu.MenuItems[0].MenuItemID != "b" {
				t.Fatalf("after menu change: %+v", got.RestaurantChanged)
			}
			e.place(t, map[string]any{"restaurantId": "r1", "menuItemIds": []string{"b"}})
			next(t, sub, &got)
			if got.RestaurantChanged.Version != 3 {
				t.Fatalf("after an order: %+v", got.RestaurantChanged)
			}
		})
	}

	t.Run("a restaurant that does not exist yet is sent when it is created", func(t *testing.T) {
		e := newEnv(t)
		sub := e.subscribe(t, string(graphtest.LegacyWS), `subscription { restaurantChanged(id: "later") { id version } }`, nil)
		e.create(t, restaurantInput("later", "a"))
		var got struct{ RestaurantChanged restaurantOut }
		next(t, sub, &got)
		if got.RestaurantChanged.ID != "later" || got.RestaurantChanged.Version != 1 {
			t.Fatalf("got %+v", got.RestaurantChanged)
		}
	})
}

func TestSubscription_OrderChanged(t *testing.T) {
	t.Run("one order: current state first, then each change", func(t *testing.T) {
		e := newEnv(t)
		e.create(t, restaurantInput("r1", "a"))
		placed := e.place(t, map[string]any{"restaurantId": "r1", "orderId": "o1", "menuItemIds": []string{"a"}})
		e.must(t, `query($p: Int64) { order(id: "o1", minPosition: $p) { id } }`, map[string]any{"p": placed.Position}, nil)
		sub := e.subscribe(t, string(graphtest.TransportWS), `subscription { orderChanged(id: "o1") { `+orderFields+` } }`, nil)
		var got struct{ OrderChanged orderOut }
		next(t, sub, &got)
		if got.OrderChanged.Status != "CREATED" || got.OrderChanged.Version != 1 || got.OrderChanged.RestaurantID != "r1" {
			t.Fatalf("current: %+v", got.OrderChanged)
		}
		e.must(t, markPrepared, map[string]any{"in": map[string]any{"id": "o1"}}, nil)
		next(t, sub, &got)
		if got.OrderChanged.Status != "PREPARED" || got.OrderChanged.Version != 2 {
			t.Fatalf("after prepared: %+v", got.OrderChanged)
		}
	})

	t.Run("a restaurant's orders: every change from the moment of subscribing", func(t *testing.T) {
		rec := newOpRecorder()
		e := newEnv(t, withConfig(graph.Config{Observer: rec}))
		e.create(t, restaurantInput("r1", "a"))
		e.create(t, restaurantInput("r2", "a"))
		early := e.place(t, map[string]any{"restaurantId": "r1", "orderId": "early", "menuItemIds": []string{"a"}})
		e.must(t, `query($p: Int64) { order(id: "early", minPosition: $p) { id } }`, map[string]any{"p": early.Position}, nil)

		sub := e.subscribe(t, "sse", `subscription { orderChanged(restaurantId: "r1") { `+orderFields+` } }`, nil)
		recv(t, rec.started) // the subscription starts asynchronously; from here on it sees every change
		var got struct{ OrderChanged orderOut }
		e.place(t, map[string]any{"restaurantId": "r2", "orderId": "elsewhere", "menuItemIds": []string{"a"}})
		mine := e.place(t, map[string]any{"restaurantId": "r1", "orderId": "mine", "menuItemIds": []string{"a"}})
		e.must(t, `query($p: Int64) { order(id: "mine", minPosition: $p) { id } }`, map[string]any{"p": mine.Position}, nil)
		e.must(t, markPrepared, map[string]any{"in": map[string]any{"id": "mine"}}, nil)
		e.must(t, markPrepared, map[string]any{"in": map[string]any{"id": "early"}}, nil)

		var seen []string
		for len(seen) < 3 {
			next(t, sub, &got)
			o := got.OrderChanged
			if o.RestaurantID != "r1" {
				t.Fatalf("an order of another restaurant: %+v", o)
			}
			seen = append(seen, fmt.Sprintf("%s:%s:%d", o.ID, o.Status, o.Version))
		}
		if got, want := strings.Join(seen, " "), "mine:CREATED:1 mine:PREPARED:2 early:PREPARED:2"; got != want {
			t.Fatalf("got %s, want %s", got, want)
		}
	})
}

func TestSubscription_BadArguments(t *testing.T) {
	e := newEnv(t)
	tests := []struct{ name, query string }{
		{"orderChanged with both id and restaurantId", `subscription { orderChanged(id: "o", restaurantId: "r") { id } }`},
		{"orderChanged with neither", `subscription { orderChanged { id } }`},
		{"restaurantChanged with an empty id", `subscription { restaurantChanged(id: "") { id } }`},
		{"orderChanged with a bad restaurant id", `subscription { orderChanged(restaurantId: "a b") { id } }`},
		{"orderChanged of one order after a position", `subscription { orderChanged(id: "o1", afterPosition: 0) { id } }`},
		{"orderChanged after a negative position", `subscription { orderChanged(restaurantId: "r1", afterPosition: -1) { id } }`},
		{"orderChanged after a position beyond the head", `subscription { orderChanged(restaurantId: "r1", afterPosition: 1000000) { id } }`},
		{"events after a negative position", `subscription { events(afterPosition: -5) { id } }`},
		// A client resuming after a log was restored from a backup waited without a word.
		{"events after a position beyond the head", `subscription { events(afterPosition: 1000000) { id } }`},
		{"events of an empty stream id", `subscription { events(streamId: "") { id } }`},
		{"events of 101 types", `subscription { events(types: [` + strings.Repeat(`"T", `, 101) + `]) { id } }`},
	}
	for _, tt := range tests {
		for _, tr := range transports {
			t.Run(tt.name+" over "+tr+" is BAD_USER_INPUT", func(t *testing.T) {
				sub := e.subscribe(t, tr, tt.query, nil)
				ctx := testContext(t)
				r, err := sub.Next(ctx)
				if err != nil {
					t.Fatalf("next: %v", err)
				}
				if r.Code() != graph.CodeBadUserInput {
					t.Fatalf("got %s %v, want BAD_USER_INPUT", r.Data, r.Err())
				}
				if _, err := sub.Next(ctx); !errors.Is(err, io.EOF) {
					t.Fatalf("after the error: %v, want io.EOF", err)
				}
			})
		}
	}
}

func TestSubscription_EndsWhenTheClientGoesAway(t *testing.T) {
	e := newEnv(t)
	e.create(t, restaurantInput("r1", "a"))
	for _, tr := range transports {
		sub := e.subscribe(t, tr, `subscription { restaurantChanged(id: "r1") { version } }`, nil)
		var got struct{ RestaurantChanged restaurantOut }
		next(t, sub, &got)
		if err := sub.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// Commands keep working; TestMain's goleak check proves the server-side pumps ended.
	e.must(t, changeMenu, map[string]any{"in": map[string]any{"id": "r1", "menu": menu("b")}}, nil)
}

// poisonedStore fails the subscriptions begun after arm when they reach an event of
// stream restaurant-poison, as a store whose log turned unreadable would.
type poisonedStore struct {
	store.Store
	armed atomic.Bool
}

func (p *poisonedStore) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	armed := p.armed.Load()
	return func(yield func(store.Event, error) bool) {
		for e, err := range p.Store.Subscribe(ctx, after) {
			if err == nil && armed && e.StreamID == "restaurant-poison" {
				yield(store.Event{}, errors.New("disk on fire at /var/lib/secret"))
				return
			}
			if !yield(e, err) || err != nil {
				return
			}
		}
	}
}

// TestSubscriptions_FailMidStream: a subscription that cannot read the log ends with an
// error, over every transport: an error message over a WebSocket, over Server-Sent Events a
// next event with the error before complete (the stream had just ended with complete, as if
// the subscription had finished).
func TestSubscriptions_FailMidStream(t *testing.T) {
	for _, tr := range []string{string(graphtest.TransportWS), string(graphtest.LegacyWS), "sse"} {
		t.Run(tr+": an error with INTERNAL_SERVER_ERROR, no internals", func(t *testing.T) {
			ps := &poisonedStore{}
			e := newEnv(t, withStore(func(s store.Store) store.Store { ps.Store = s; return ps }))
			ps.armed.Store(true)
			sub := e.subscribe(t, tr, `subscription { events(afterPosition: 0) { streamId } }`, nil)
			e.create(t, restaurantInput("ok", "a"))
			var got struct{ Events struct{ StreamID string } }
			next(t, sub, &got)
			if got.Events.StreamID != "restaurant-ok" {
				t.Fatalf("first event %+v", got)
			}
			e.create(t, restaurantInput("poison", "a"))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			r, err := sub.Next(ctx)
			if err != nil {
				t.Fatalf("next: %v (want an error message, not the end of the stream)", err)
			}
			if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != graph.CodeInternal || strings.Contains(r.Errors[0].Message, "secret") {
				t.Fatalf("got %+v; want one INTERNAL_SERVER_ERROR without internals", r)
			}
			if _, err := sub.Next(ctx); !errors.Is(err, io.EOF) {
				t.Fatalf("after the error: %v, want the end of the stream", err)
			}
		})
	}

}

// TestSubscriptions_storeClosedCutsOffSSE: a subscription whose store closes under it (the
// server is shutting down) ends its Server-Sent Events stream without "complete", which
// would tell a graphql-sse client the subscription finished for good: the client sees a
// dropped stream and reconnects.
func TestSubscriptions_storeClosedCutsOffSSE(t *testing.T) {
	e := newEnv(t)
	e.create(t, restaurantInput("r1", "a"))
	sub := e.subscribe(t, "sse", `subscription { events(afterPosition: 0) { streamId } }`, nil)
	var got struct{ Events struct{ StreamID string } }
	next(t, sub, &got)
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if r, err := sub.Next(ctx); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("got %+v, %v; want the stream cut off without complete", r, err)
	}
}
