package main

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres"
	"github.com/eventgraph/eventgraph/store/postgres/pgtest"
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

// BenchmarkMain_postgresRestart times a server's start on a PostgreSQL log of 100,000 events
// of the reference domain (restaurants, orders created and one in two prepared), until it is
// ready: replay, its read models folding the whole log (--state-interval 0), against states,
// loading the states the server before saved when it stopped.
func BenchmarkMain_postgresRestart(b *testing.B) {
	const n = 100_000
	url := pgtest.URL(b)
	schema := pgtest.Schema(b, url)
	args := []string{"--store", "postgres", "--postgres-url", url, "--postgres-schema", schema}
	fillPostgres(b, url, schema, n)
	start := func(b *testing.B, extra ...string) {
		m, _ := startMain(b, append(append([]string{}, args...), extra...)...)
		awaitReady(b, m)
		b.StopTimer()
		if err := m.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.Run(fmt.Sprintf("events=%d/replay", n), func(b *testing.B) {
		for b.Loop() {
			start(b, "--state-interval", "0")
		}
	})
	b.Run(fmt.Sprintf("events=%d/states", n), func(b *testing.B) {
		b.StopTimer()
		start(b) // saves the states when it stops
		b.StartTimer()
		for b.Loop() {
			start(b)
		}
	})
}

// fillPostgres appends about n events of the reference domain to the log in schema: 100
// restaurants, then orders created and, one in two, prepared, from 16 writers at once.
func fillPostgres(b *testing.B, url, schema string, n int) {
	ctx := b.Context()
	st, err := postgres.Open(ctx, url, postgres.WithSchema(schema))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	menu := restaurant.Menu{MenuID: "m1", Cuisine: restaurant.Italian, MenuItems: []restaurant.MenuItem{{MenuItemID: "pizza", Name: "Pizza", Price: "8.99"}}}
	for r := range 100 {
		id := fmt.Sprintf("r%d", r)
		typ, data, err := restaurant.Codec{}.Encode(restaurant.RestaurantCreated{RestaurantID: id, Name: "Restaurant " + id, Menu: menu})
		if err == nil {
			_, err = st.Append(ctx, restaurant.StreamID(id), store.NoStream, store.EventData{Type: typ, Data: data})
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	const writers = 16
	orders := (n - 100) * 2 / 3 // an order is 1.5 events on average
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := w; i < orders; i += writers {
				o, r := fmt.Sprintf("0b5c2a4e-6f1d-4a53-9c1e-%012d", i), fmt.Sprintf("r%d", i%100)
				evs := []order.Event{order.OrderCreated{OrderID: o, RestaurantID: r, MenuItems: menu.MenuItems}}
				if i%2 == 0 {
					evs = append(evs, order.OrderPrepared{OrderID: o})
				}
				var data []store.EventData
				for _, e := range evs {
					typ, body, err := order.Codec{}.Encode(e)
					if err != nil {
						b.Error(err)
						return
					}
					data = append(data, store.EventData{Type: typ, Data: body})
				}
				if _, err := st.Append(ctx, order.StreamID(o), store.NoStream, data...); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}
