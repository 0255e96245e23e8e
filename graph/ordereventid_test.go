package graph_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

// restoredOrderLogs returns two servers whose logs hold the same order history at the same
// positions with other event ids, as restoredLogs does: r1 created (1), o1 placed (2) and
// created by the saga (3), o2 placed (4) and created (5), o1 prepared (6). r1's orders'
// changes are at 3, 5 and 6.
func restoredOrderLogs(t *testing.T) (before, after *env) {
	t.Helper()
	before, after = newEnv(t), newEnv(t)
	ctx := testContext(t)
	for _, e := range []*env{before, after} {
		e.create(t, restaurantInput("r1", "a"))
		for _, id := range []string{"o1", "o2"} {
			r := e.place(t, map[string]any{"restaurantId": "r1", "orderId": id, "menuItemIds": []string{"a"}})
			if err := e.svc.WaitFor(ctx, store.Position(r.Position)); err != nil { // the saga's creation written
				t.Fatal(err)
			}
		}
		e.must(t, markPrepared, map[string]any{"in": map[string]any{"id": "o1"}}, nil)
		if h := e.head(t); h != 6 {
			t.Fatalf("head %d, want 6", h)
		}
	}
	return before, after
}

// TestEventID_namesTheEventAtPosition: a state's and a page's eventId is the id of the event
// at their position, read from the log when a query selects it; a page of an empty log has
// none.
func TestEventID_namesTheEventAtPosition(t *testing.T) {
	e, _ := restoredOrderLogs(t)
	var out struct {
		Restaurant struct {
			Position int64
			EventID  string
		}
		Order struct {
			Position int64
			EventID  string
		}
		Restaurants struct {
			Position int64
			EventID  *string
			Nodes    []struct {
				Position int64
				EventID  string
			}
		}
		Orders struct {
			Position int64
			EventID  *string
			Edges    []struct {
				Node struct {
					Position int64
					EventID  string
				}
			}
		}
	}
	e.must(t, `{
		restaurant(id: "r1") { position eventId }
		order(id: "o1") { position eventId }
		restaurants { position eventId nodes { position eventId } }
		orders(restaurantId: "r1") { position eventId edges { node { position eventId } } }
	}`, nil, &out)
	check := func(what string, p int64, id string) {
		t.Helper()
		if want := e.eventAtPosition(t, p); id != want {
			t.Errorf("%s: eventId %q at position %d, want %q", what, id, p, want)
		}
	}
	check("restaurant", out.Restaurant.Position, out.Restaurant.EventID)
	check("order", out.Order.Position, out.Order.EventID)
	if out.Order.Position != 6 || out.Restaurant.Position != 4 {
		t.Fatalf("order at %d, restaurant at %d: want 6 and 4", out.Order.Position, out.Restaurant.Position)
	}
	if out.Restaurants.EventID == nil || out.Orders.EventID == nil {
		t.Fatalf("pages' eventId: %v, %v", out.Restaurants.EventID, out.Orders.EventID)
	}
	check("restaurants page", out.Restaurants.Position, *out.Restaurants.EventID)
	check("orders page", out.Orders.Position, *out.Orders.EventID)
	check("restaurants node", out.Restaurants.Nodes[0].Position, out.Restaurants.Nodes[0].EventID)
	for _, ed := range out.Orders.Edges {
		check("orders edge", ed.Node.Position, ed.Node.EventID)
	}
	var empty struct {
		Orders, Restaurants struct {
			Position int64
			EventID  *string
		}
	}
	newEnv(t).must(t, `{ orders { position eventId } restaurants { position eventId } }`, nil, &empty)
	if empty.Orders.Position != 0 || empty.Orders.EventID != nil || empty.Restaurants.Position != 0 || empty.Restaurants.EventID != nil {
		t.Fatalf("pages of an empty log: %+v, want position 0 and a null eventId", empty)
	}
}

// TestOrderChanged_afterEventIdRefusesAPositionOfARestoredLog: orderChanged(restaurantId:)
// resumes after the last change's position, checked by its eventId as events(afterEventId:)
// is: on a log restored from a backup and grown past that position again, the subscription is
// refused instead of going on after changes the client never saw.
func TestOrderChanged_afterEventIdRefusesAPositionOfARestoredLog(t *testing.T) {
	before, after := restoredOrderLogs(t)
	const sub = `subscription($a: Int64, $id: ID) { orderChanged(restaurantId: "r1", afterPosition: $a, afterEventId: $id) { id position eventId } }`
	type change struct {
		ID       string
		Position int64
		EventID  string
	}
	// The client received o1's creation from the first log, with its eventId.
	var first struct{ OrderChanged change }
	next(t, before.subscribe(t, "graphql-transport-ws", sub, map[string]any{"a": 0}), &first)
	if first.OrderChanged.Position != 3 || first.OrderChanged.EventID != before.eventAtPosition(t, 3) {
		t.Fatalf("first change %+v, want position 3 with the id of the event there", first.OrderChanged)
	}
	read, held := first.OrderChanged.EventID, after.eventAtPosition(t, 3)

	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ctx := testContext(t)
			s := after.subscribe(t, tr, sub, map[string]any{"a": 3, "id": read})
			r, err := s.Next(ctx)
			if err != nil {
				t.Fatalf("next: %v", err)
			}
			if r.Code() != graph.CodeBadUserInput || !strings.Contains(r.Err().Error(), "afterEventId") || !strings.Contains(r.Err().Error(), held) {
				t.Fatalf("got %s %v, want afterEventId refused, naming the event the log holds", r.Data, r.Err())
			}
			if _, err := s.Next(ctx); !errors.Is(err, io.EOF) {
				t.Fatalf("after the error: %v, want io.EOF", err)
			}
			for _, e := range []struct {
				env *env
				id  string
			}{{after, held}, {before, read}} {
				s = e.env.subscribe(t, tr, sub, map[string]any{"a": 3, "id": e.id})
				var got struct{ OrderChanged change }
				next(t, s, &got)
				if got.OrderChanged.Position != 5 || got.OrderChanged.ID != "o2" || got.OrderChanged.EventID != e.env.eventAtPosition(t, 5) {
					t.Fatalf("with the id of the event at 3: %+v, want o2's creation at 5 with its eventId", got.OrderChanged)
				}
				_ = s.Close()
			}
		})
	}

	for _, tt := range []struct {
		name, query, field string
		vars               map[string]any
	}{
		{"without afterPosition", sub, "afterEventId", map[string]any{"id": held}},
		{"after position 0", sub, "afterEventId", map[string]any{"a": 0, "id": held}},
		{"beyond the head", sub, "afterPosition", map[string]any{"a": 7, "id": held}},
		{"with id", `subscription($id: ID) { orderChanged(id: "o1", afterEventId: $id) { id } }`, "afterEventId", map[string]any{"id": held}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := after.subscribe(t, "graphql-transport-ws", tt.query, tt.vars).Next(testContext(t))
			if err != nil {
				t.Fatalf("next: %v", err)
			}
			if r.Code() != graph.CodeBadUserInput || !strings.Contains(r.Err().Error(), tt.field) {
				t.Fatalf("got %s %v, want %s refused", r.Data, r.Err(), tt.field)
			}
		})
	}
}

// TestSSE_orderChangedAfterEventIdCoversLastEventID: over SSE, an orderChanged(restaurantId:)
// subscription with afterEventId gets ids that name the changes' events, and a reconnect's
// Last-Event-ID from the log the client read is refused by the log restored in its place.
func TestSSE_orderChangedAfterEventIdCoversLastEventID(t *testing.T) {
	before, after := restoredOrderLogs(t)
	ctx := testContext(t)
	const sub = `subscription($a: Int64, $id: ID) { orderChanged(restaurantId: "r1", afterPosition: $a, afterEventId: $id) { position } }`
	vars := func(e *env) string { return fmt.Sprintf(`{"a": 3, "id": %q}`, e.eventAtPosition(t, 3)) }
	evs := newSSEReader(before.openSSE(t, ctx, http.MethodGet, sub, vars(before), "").Body).next(t, 1)
	if len(evs) != 1 || evs[0].id != "5/"+before.eventAtPosition(t, 5) {
		t.Fatalf("events %+v, want o2's creation with id 5/<its event id>", evs)
	}
	last := evs[0].id

	evs = newSSEReader(before.openSSE(t, ctx, http.MethodGet, sub, vars(before), last).Body).next(t, 1)
	if len(evs) != 1 || evs[0].data != `{"data":{"orderChanged":{"position":6}}}` || evs[0].id != "6/"+before.eventAtPosition(t, 6) {
		t.Fatalf("the log the client read: events %+v, want the change at 6", evs)
	}
	evs = readEvents(t, after.openSSE(t, ctx, http.MethodGet, sub, vars(after), last).Body, 2)
	if len(evs) != 2 || !strings.Contains(evs[0].data, `"code":"BAD_USER_INPUT"`) || !strings.Contains(evs[0].data, `"field":"Last-Event-ID"`) || evs[1].name != "complete" {
		t.Fatalf("the restored log: events %+v, want a BAD_USER_INPUT error naming Last-Event-ID, then complete", evs)
	}
}

// eventIDReads is a memory store that counts the reads of store.EventIDReader.
type eventIDReads struct {
	*memory.Store
	n *atomic.Int64
}

func (s eventIDReads) EventIDAt(ctx context.Context, p store.Position) (string, bool, error) {
	s.n.Add(1)
	return s.Store.EventIDAt(ctx, p)
}

// TestOrderChanged_eventIdOfAChangeIsNotRead: the changes of orderChanged(restaurantId:)
// carry the id of their event, read with it, so a subscriber that selects eventId costs no
// read of the log per change, from the history as from the live part.
func TestOrderChanged_eventIdOfAChangeIsNotRead(t *testing.T) {
	var reads atomic.Int64
	e := newEnv(t, withStore(func(s store.Store) store.Store { return eventIDReads{Store: s.(*memory.Store), n: &reads} }))
	e.create(t, restaurantInput("r1", "a"))
	placed := e.place(t, map[string]any{"restaurantId": "r1", "orderId": "o1", "menuItemIds": []string{"a"}})
	if err := e.svc.WaitFor(testContext(t), store.Position(placed.Position+1)); err != nil { // the saga's creation projected
		t.Fatal(err)
	}
	reads.Store(0)
	s := e.subscribe(t, "graphql-transport-ws", `subscription { orderChanged(restaurantId: "r1", afterPosition: 0) { position eventId } }`, nil)
	var got struct {
		OrderChanged struct {
			Position int64
			EventID  string
		}
	}
	next(t, s, &got) // o1's creation, from the history
	if got.OrderChanged.Position != 3 || got.OrderChanged.EventID != e.eventAtPosition(t, 3) {
		t.Fatalf("the first change %+v, want o1's creation at 3 with its event's id", got.OrderChanged)
	}
	e.must(t, markPrepared, map[string]any{"in": map[string]any{"id": "o1"}}, nil)
	next(t, s, &got) // o1 prepared, live
	if got.OrderChanged.Position != 4 || got.OrderChanged.EventID != e.eventAtPosition(t, 4) {
		t.Fatalf("the live change %+v, want o1 prepared at 4 with its event's id", got.OrderChanged)
	}
	if n := reads.Load(); n != 0 { // eventAtPosition reads a page of events, not this
		t.Errorf("%d reads of an event id, want none: the changes' ids were read again", n)
	}
}

// eventIDBatchReads is a memory store that reads many event ids at once, as PostgreSQL's
// does (store.EventIDsReader), and counts both kinds of reads.
type eventIDBatchReads struct {
	eventIDReads
	batches *atomic.Int64
	asked   *atomic.Int64 // positions the batches asked for
}

func (s eventIDBatchReads) EventIDsAt(ctx context.Context, ps []store.Position) (map[store.Position]string, error) {
	s.batches.Add(1)
	s.asked.Add(int64(len(ps)))
	ids := map[store.Position]string{}
	for _, p := range ps {
		if id, ok, err := s.Store.EventIDAt(ctx, p); err != nil {
			return nil, err
		} else if ok {
			ids[p] = id
		}
	}
	return ids, nil
}

// TestEventID_aPageReadsItsIdsAtOnce: on a store that reads many event ids at once, a page of
// orders whose nodes (and edges' nodes) select eventId reads them all, and the page's own,
// in one read, not one each: on PostgreSQL one round trip instead of one a node.
func TestEventID_aPageReadsItsIdsAtOnce(t *testing.T) {
	var reads, batches, asked atomic.Int64
	e := newEnv(t, withStore(func(s store.Store) store.Store {
		return eventIDBatchReads{eventIDReads: eventIDReads{Store: s.(*memory.Store), n: &reads}, batches: &batches, asked: &asked}
	}))
	e.create(t, restaurantInput("r1", "a"))
	var last int64
	for i := range 5 {
		last = e.place(t, map[string]any{"restaurantId": "r1", "orderId": fmt.Sprintf("o%d", i), "menuItemIds": []string{"a"}}).Position
	}
	if err := e.svc.WaitFor(testContext(t), store.Position(last+1)); err != nil { // the saga's creations projected
		t.Fatal(err)
	}
	reads.Store(0)
	var out struct {
		Orders struct {
			Position int64
			EventID  *string
			Nodes    []struct {
				Position int64
				EventID  string
			}
			Edges []struct {
				Node struct {
					Position int64
					EventID  string
				}
			}
		}
	}
	e.must(t, `{ orders(restaurantId: "r1", first: 10) { position eventId nodes { position eventId } edges { node { position eventId } } } }`, nil, &out)
	if len(out.Orders.Nodes) != 5 || len(out.Orders.Edges) != 5 {
		t.Fatalf("the page: %+v, want 5 orders", out.Orders)
	}
	if out.Orders.EventID == nil || *out.Orders.EventID != e.eventAtPosition(t, out.Orders.Position) {
		t.Errorf("the page's eventId %v at %d, want the event's there", out.Orders.EventID, out.Orders.Position)
	}
	for i, n := range out.Orders.Nodes {
		want := e.eventAtPosition(t, n.Position)
		if n.EventID != want || out.Orders.Edges[i].Node.EventID != want {
			t.Errorf("order %d at %d: eventId %q, its edge's %q, want %q", i, n.Position, n.EventID, out.Orders.Edges[i].Node.EventID, want)
		}
	}
	// The saga's checkpoint save (every second) reads an id or two of its own meanwhile; the
	// page's nodes, read one by one, would make 5 reads and their edges 5 more.
	if b, r, a := batches.Load(), reads.Load(), asked.Load(); b != 1 || r > 2 || a != 5 {
		t.Errorf("%d reads of many ids (for %d positions) and %d of one, want one read of the page's 5 positions (its own is its last order's) and none of one", b, a, r)
	}
}

// TestEventID_aPageReadsItsRestaurantsIdsWithIt: a page of orders whose nodes select their
// restaurant's eventId (here through a fragment, and in the edges) reads those ids with the
// orders', in the one read of the page: not one read a restaurant.
func TestEventID_aPageReadsItsRestaurantsIdsWithIt(t *testing.T) {
	var reads, batches, asked atomic.Int64
	e := newEnv(t, withStore(func(s store.Store) store.Store {
		return eventIDBatchReads{eventIDReads: eventIDReads{Store: s.(*memory.Store), n: &reads}, batches: &batches, asked: &asked}
	}))
	var last int64
	for i := range 3 {
		r := fmt.Sprintf("r%d", i)
		e.create(t, restaurantInput(r, "a"))
		for j := range 2 {
			last = e.place(t, map[string]any{"restaurantId": r, "orderId": fmt.Sprintf("o%d-%d", i, j), "menuItemIds": []string{"a"}}).Position
		}
	}
	if err := e.svc.WaitFor(testContext(t), store.Position(last+1)); err != nil { // the saga's creations projected
		t.Fatal(err)
	}
	reads.Store(0)
	type node struct {
		Position   int64
		EventID    string
		Restaurant struct {
			ID       string
			Position int64
			EventID  string
		}
	}
	var out struct {
		Orders struct {
			Nodes []node
			Edges []struct{ Node node }
		}
	}
	e.must(t, `fragment R on Order { restaurant { id position eventId } }
		{ orders(first: 10) { nodes { position eventId ...R } edges { node { position eventId ... on Order { restaurant { id position eventId } } } } } }`, nil, &out)
	if len(out.Orders.Nodes) != 6 || len(out.Orders.Edges) != 6 {
		t.Fatalf("the page: %+v, want 6 orders", out.Orders)
	}
	for i, n := range append(out.Orders.Nodes, out.Orders.Edges[0].Node, out.Orders.Edges[5].Node) {
		if n.EventID != e.eventAtPosition(t, n.Position) || n.Restaurant.EventID != e.eventAtPosition(t, n.Restaurant.Position) {
			t.Errorf("order %d: %+v, want the events' ids at its position and its restaurant's", i, n)
		}
	}
	// Six orders and three restaurants (each at its last placement); the saga's checkpoint
	// save may read an id or two of its own meanwhile.
	if b, r, a := batches.Load(), reads.Load(), asked.Load(); b != 1 || r > 2 || a != 9 {
		t.Errorf("%d reads of many ids (for %d positions) and %d of one, want one read of 9 positions (6 orders, 3 restaurants) and none of one", b, a, r)
	}
}
