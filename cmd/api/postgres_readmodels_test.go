package main

import (
	"fmt"
	"strings"
	"testing"
)

// pageWithEventIDs is a page of orders whose nodes and page give the ids of their events.
const pageWithEventIDs = `query($p: Int64, $n: Int) { orders(first: $n, minPosition: $p) { position eventId nodes { id position eventId } } }`

// pageWithoutEventIDs is the same page without them: the baseline of
// BenchmarkMain_postgresPageEventIDs.
const pageWithoutEventIDs = `query($p: Int64, $n: Int) { orders(first: $n, minPosition: $p) { position nodes { id position } } }`

type eventIDPage struct {
	Orders struct {
		Position int64
		EventID  *string
		Nodes    []struct {
			ID       string
			Position int64
			EventID  string
		}
	}
}

// placeOrders starts a server with args (on a fresh PostgreSQL schema when nil), creates a restaurant and places n
// orders at it, and returns the server with the head once the saga created them all.
func placeOrders(tb testing.TB, n int, args ...string) (*Main, int64) {
	tb.Helper()
	if args == nil {
		args = postgresArgs(tb)
	}
	m, _ := startMain(tb, args...)
	c := newClient(tb, m.URL()+"/graphql")
	gql(tb, c, createRestaurant, map[string]any{"in": map[string]any{"id": "r1", "name": "Trattoria", "menu": menu("pasta")}})
	for i := range n {
		gql(tb, c, placeOrder, map[string]any{"in": map[string]any{"restaurantId": "r1", "orderId": fmt.Sprintf("o%03d", i), "menuItemIds": []string{"pasta"}}})
	}
	return m, awaitQuiet(tb, c)
}

// On PostgreSQL, whose store reads many events' ids in one query, a page's eventIds (its
// nodes' and its own) are the ids of the events at their positions, as events() reads them.
func TestMain_postgresPageEventIDs(t *testing.T) {
	m, head := placeOrders(t, 12)
	if !m.svc.BatchesEventIDs() {
		t.Fatal("the service over PostgreSQL does not read a page's event ids at once")
	}
	c := newClient(t, m.URL()+"/graphql")
	page := decode[eventIDPage](t, gql(t, c, pageWithEventIDs, map[string]any{"p": head, "n": 10}))
	events := decode[struct {
		Events []struct {
			Position int64
			ID       string
		}
	}](t, gql(t, c, `query { events(afterPosition: 0, first: 100) { position id } }`, nil)).Events
	ids := map[int64]string{}
	for _, e := range events {
		ids[e.Position] = e.ID
	}
	if len(page.Orders.Nodes) != 10 || page.Orders.EventID == nil || *page.Orders.EventID != ids[page.Orders.Position] {
		t.Fatalf("the page %+v, want 10 orders and the id of the event at its position, %q", page.Orders, ids[page.Orders.Position])
	}
	for _, o := range page.Orders.Nodes {
		if o.EventID == "" || o.EventID != ids[o.Position] {
			t.Errorf("order %s at %d: eventId %q, want %q", o.ID, o.Position, o.EventID, ids[o.Position])
		}
	}
}

// BenchmarkMain_postgresPageEventIDs times a query of a page of 100 orders on PostgreSQL
// with the ids of their events (read in one query) against the same page without them.
func BenchmarkMain_postgresPageEventIDs(b *testing.B) {
	m, head := placeOrders(b, 100)
	c := newClient(b, m.URL()+"/graphql")
	for _, q := range []struct{ name, query string }{{"without", pageWithoutEventIDs}, {"eventIds", pageWithEventIDs}} {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				gql(b, c, q.query, map[string]any{"p": head, "n": 100})
			}
		})
	}
}

// A PostgreSQL server stopped gracefully saves its read models' states in the schema's
// table projection_states, and the next server on the schema starts from them: its log says
// so, and its read models answer as the first one's did.
func TestMain_postgresReadModelStates(t *testing.T) {
	args := postgresArgs(t)
	m1, head := placeOrders(t, 3, args...)
	c := newClient(t, m1.URL()+"/graphql")
	before := gql(t, c, pageWithEventIDs, map[string]any{"p": head, "n": 10})
	if err := m1.Close(); err != nil {
		t.Fatal(err)
	}

	m2, logs := startMain(t, args...)
	awaitReady(t, m2)
	if got := scrapeMetrics(t, m2)["eventgraph_projection_states_position"]; got != float64(head) {
		t.Errorf("eventgraph_projection_states_position after the restart = %v, want the head %d the states were loaded at", got, head)
	}
	c = newClient(t, m2.URL()+"/graphql")
	if after := gql(t, c, pageWithEventIDs, map[string]any{"p": head, "n": 10}); !jsonEqual(t, before, after) {
		t.Errorf("after the restart the orders read model answers\n%s\nwant, as before it,\n%s", after, before)
	}
	if !strings.Contains(logs.String(), "projections resume from their saved states") || strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("the restarted server's log does not say the read models resumed from their states, or warns:\n%s", logs)
	}
}
