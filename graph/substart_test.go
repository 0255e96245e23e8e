package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/graph/graphtest"
	"github.com/eventgraph/eventgraph/store"
)

// appendWatch is a store whose armed channel (see arm) is closed once the first Append after
// arm has committed: the signal the stores below wait for.
type appendWatch struct {
	store.Store

	mu       sync.Mutex
	appended chan struct{} // closed by the first Append after arm to commit; nil: not armed
}

func (s *appendWatch) arm() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.appended = make(chan struct{})
}

// armed returns the channel the next Append to commit closes, nil when not armed.
func (s *appendWatch) armed() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appended
}

func (s *appendWatch) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	a, err := s.Store.Append(ctx, stream, expected, events...)
	s.mu.Lock()
	if s.appended != nil && err == nil {
		close(s.appended)
		s.appended = nil
	}
	s.mu.Unlock()
	return a, err
}

// lateSubscriberHead is a store whose Head, once armed, answers a subscription's resolver
// (a field of a subscription operation) only after the next Append has committed: the
// widest of the race between a subscription that reads the log's head as it runs and a
// command its client sent after it.
type lateSubscriberHead struct{ appendWatch }

func (s *lateSubscriberHead) Head(ctx context.Context) (store.Position, error) {
	if appended := s.armed(); appended != nil && graphql.HasOperationContext(ctx) && graphql.GetFieldContext(ctx) != nil {
		if op := graphql.GetOperationContext(ctx).Operation; op != nil && op.Operation == ast.Subscription {
			select {
			case <-appended:
			case <-ctx.Done():
				return 0, ctx.Err()
			}
		}
	}
	return s.Store.(store.Header).Head(ctx)
}

// A live subscription (events without afterPosition, orderChanged(restaurantId:)) starts
// at the head as the server took it, in the order of the client's messages: a mutation the
// client sends after it on the same connection is seen. These subscriptions send nothing
// until a change, so the order of its messages is all a client can go by. The head was read
// as the subscription's goroutine ran, and a mutation sent right after the subscribe often
// committed first: its event was missed (about every other time with the real store).
func TestSubscription_liveStartsWhereTheClientSubscribed(t *testing.T) {
	const changeMenu = `mutation { changeRestaurantMenu(input: {id: "r1", menu: {cuisine: ITALIAN, menuItems: [{menuItemId: "b", name: "B", price: "2"}]}}) { position } }`
	tests := []struct {
		name, subscription string
		mutation, marker   string // sent after the subscription, one after the other
		first              string // what the subscription's first message holds
	}{
		{
			name:         "events without afterPosition",
			subscription: `subscription { events { type } }`,
			mutation:     changeMenu,
			marker:       `mutation { createRestaurant(input: {id: "r2", name: "Two", menu: {cuisine: ITALIAN, menuItems: [{menuItemId: "a", name: "A", price: "1"}]}}) { position } }`,
			first:        `"RestaurantMenuChanged"`,
		},
		{
			name:         "events of one stream without afterPosition",
			subscription: `subscription { events(streamId: "restaurant-r1") { type } }`,
			mutation:     changeMenu,
			marker:       `mutation { placeOrder(input: {restaurantId: "r1", orderId: "o2", menuItemIds: ["b"]}) { position } }`,
			first:        `"RestaurantMenuChanged"`,
		},
		{
			name:         "orderChanged of a restaurant",
			subscription: `subscription { orderChanged(restaurantId: "r1") { id status } }`,
			mutation:     `mutation { markOrderAsPrepared(input: {id: "o1"}) { position } }`,
			marker:       `mutation { placeOrder(input: {restaurantId: "r1", orderId: "o2", menuItemIds: ["a"]}) { position } }`,
			first:        `"status":"PREPARED"`,
		},
	}
	for _, p := range wsProtocols {
		for _, tt := range tests {
			t.Run(string(p.proto)+": "+tt.name, func(t *testing.T) {
				var st *lateSubscriberHead
				e := newEnv(t, withStore(func(s store.Store) store.Store { st = &lateSubscriberHead{appendWatch{Store: s}}; return st }))
				e.create(t, restaurantInput("r1", "a"))
				placed := e.place(t, map[string]any{"restaurantId": "r1", "orderId": "o1", "menuItemIds": []string{"a"}})
				// The saga has created the order (o1 exists for markOrderAsPrepared).
				e.must(t, fmt.Sprintf(`{ order(id: "o1", minPosition: %d) { id } }`, placed.Position), nil, nil)

				ws := e.dialWS(t, p.proto)
				ws.init()
				c := &keptReader{c: ws}
				st.arm()
				ws.start(p.start, "s", tt.subscription)
				ws.start(p.start, "m", tt.mutation)
				c.answer(t, "s", "m")
				ws.start(p.start, "k", tt.marker)
				c.answer(t, "s", "k")

				m := c.next(t, "s")
				if !strings.Contains(string(m.Payload), tt.first) {
					t.Fatalf("the subscription's first message %s; want the change of the mutation sent after it (%s)", m.Payload, tt.first)
				}
			})
		}
	}
}

// keptReader reads a WebSocket's messages, keeping those of one operation while it waits
// for another's.
type keptReader struct {
	c    *wsClient
	kept []wsMsg
}

// answer reads the answer of the mutation sent under id, with its complete, failing the
// test on an error; it keeps what the subscription sub sends meanwhile for next.
func (c *keptReader) answer(tb testing.TB, sub, id string) {
	tb.Helper()
	for {
		m := c.next(tb, "")
		switch {
		case m.ID == sub:
			c.kept = append(c.kept, m)
		case m.ID != id:
			tb.Fatalf("got %s %q %s while waiting for %s's answer", m.Type, m.ID, m.Payload, id)
		case m.Type == "complete":
			return
		case m.Type == "error" || strings.Contains(string(m.Payload), `"errors"`):
			tb.Fatalf("%s failed: %s", id, m.Payload)
		}
	}
}

// next returns the next message kept or read, of id (any when id is "").
func (c *keptReader) next(tb testing.TB, id string) wsMsg {
	tb.Helper()
	if id != "" {
		for i, m := range c.kept {
			if m.ID == id {
				c.kept = append(c.kept[:i], c.kept[i+1:]...)
				return m
			}
		}
	}
	for {
		m, err := c.c.read()
		if err != nil {
			tb.Fatalf("read: %v", err)
		}
		if id == "" || m.ID == id {
			return m
		}
		c.kept = append(c.kept, m)
	}
}

// stuckHead is a store whose Head, once armed, answers only once released (or its context
// ends): a database that does not answer.
type stuckHead struct {
	store.Store
	armed   atomic.Bool
	release chan struct{}
}

func (s *stuckHead) Head(ctx context.Context) (store.Position, error) {
	if s.armed.Load() {
		select {
		case <-s.release:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	return s.Store.(store.Header).Head(ctx)
}

// The head a live subscription starts at is read as the server takes the subscribe message,
// on the WebSocket's read loop: a store that does not answer must not hold that loop, which
// answers the client's pings and completes, for longer than a moment (the read waited for
// ever, and the connection was dropped for want of pongs). The subscription then fails, and
// the client subscribes again: started from a head read later it could miss a command the
// client sent after it. A subscription that needs no head (from a position, or the state
// first) does not wait for one.
func TestSubscription_headReadDoesNotHoldTheConnection(t *testing.T) {
	st := &stuckHead{release: make(chan struct{})}
	e := newEnv(t, withStore(func(s store.Store) store.Store { st.Store = s; return st }))
	e.create(t, restaurantInput("r1", "a"))
	ws := e.dialWS(t, graphtest.TransportWS)
	ws.init()
	st.armed.Store(true)
	defer close(st.release) // before the server stops: deferred calls run before cleanups
	ws.start("subscribe", "s", `subscription { events { type } }`)
	ws.send(wsMsg{Type: "ping"})
	var refused wsMsg // the subscription's first message, which may come before the pong
	for ponged := false; !ponged || refused.ID == ""; {
		_, b, err := ws.conn.Read(testContext(t))
		if err != nil {
			t.Fatalf("no pong, or no answer to the subscription, while the store did not tell its head: %v", err)
		}
		var m wsMsg
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		switch {
		case m.Type == "pong":
			ponged = true
		case m.ID == "s" && refused.ID == "":
			refused = m
		}
	}
	if !strings.Contains(string(refused.Payload), graph.CodeInternal) || !strings.Contains(string(refused.Payload), "did not tell where the log ends in time: subscribe again") {
		t.Errorf("the live subscription's answer %s %s; want %s saying the store did not answer in time, to subscribe again", refused.Type, refused.Payload, graph.CodeInternal)
	}
	ws.start("subscribe", "h", `subscription { events(afterPosition: 0) { type } }`)
	for {
		m, err := ws.read()
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if m.ID == "s" { // its complete
			continue
		}
		if m.ID != "h" || m.Type != "next" || !strings.Contains(string(m.Payload), "RestaurantCreated") {
			t.Errorf("a subscription from a position got %s %q %s; want the log's first event", m.Type, m.ID, m.Payload)
		}
		break
	}
}

// A store that refuses to tell its head at once (a database that refuses connections) fails
// a live subscription saying so, not that it did not answer in time.
func TestSubscription_headReadRefused(t *testing.T) {
	var hs *headFails
	e := newEnv(t, withStore(func(st store.Store) store.Store { hs = &headFails{Store: st}; return hs }))
	ws := e.dialWS(t, graphtest.TransportWS)
	ws.init()
	hs.fail.Store(true)
	ws.start("subscribe", "s", `subscription { events { type } }`)
	m := ws.next("next", "s")
	if !strings.Contains(string(m.Payload), graph.CodeInternal) || !strings.Contains(string(m.Payload), "could not tell where the log ends: subscribe again") {
		t.Errorf("the live subscription's answer %s; want %s saying the store could not tell its head, to subscribe again", m.Payload, graph.CodeInternal)
	}
}
