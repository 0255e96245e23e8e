package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/graph/graphtest"
	"github.com/eventgraph/eventgraph/internal/syncbuf"
	"github.com/eventgraph/eventgraph/store/postgres/pgtest"
)

// postgresArgs returns the flags of a server on a fresh PostgreSQL schema of the test
// database (dropped when the test ends); servers started with the same flags share a log.
func postgresArgs(tb testing.TB) []string {
	tb.Helper()
	url := pgtest.URL(tb)
	return []string{"--store", "postgres", "--postgres-url", url, "--postgres-schema", pgtest.Schema(tb, url)}
}

func TestParseConfig_postgresFromTheEnvironment(t *testing.T) {
	c, err := ParseConfig(nil, env(map[string]string{
		"EVENTGRAPH_STORE":           "postgres",
		"EVENTGRAPH_POSTGRES_URL":    "postgres://u@db:5432/x",
		"EVENTGRAPH_POSTGRES_SCHEMA": "tenant1",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Store != StorePostgres || c.PostgresURL != "postgres://u@db:5432/x" || c.PostgresSchema != "tenant1" {
		t.Errorf("got store %q url %q schema %q", c.Store, c.PostgresURL, c.PostgresSchema)
	}
}

type statusReply struct {
	Status struct {
		Head        int64
		Projections []struct {
			Name     string
			Position int64
		}
	}
}

// awaitQuiet polls the servers' status until they report the same head and every
// projection and saga of each has processed it, and returns that head. Sagas on several
// servers run asynchronously and write events of their own, so there is no one event to
// wait for; the poll has a deadline.
func awaitQuiet(tb testing.TB, clients ...*graphtest.Client) int64 {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		heads := map[int64]bool{}
		quiet := true
		for _, c := range clients {
			s := decode[statusReply](tb, gql(tb, c, `{ status { head projections { name position } } }`, nil)).Status
			heads[s.Head] = true
			for _, p := range s.Projections {
				quiet = quiet && p.Position == s.Head
			}
		}
		if quiet && len(heads) == 1 {
			for h := range heads {
				return h
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("servers not caught up with one head after 20s: heads %v", heads)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestMain_severalServersOnOnePostgres runs two servers on one database: a write through
// either is read through the other (minPosition), a subscription on one sees writes through
// the other, and the order saga, running on both, creates each order exactly once.
func TestMain_severalServersOnOnePostgres(t *testing.T) {
	args := postgresArgs(t)
	a, logsA := startMain(t, args...)
	b, logsB := startMain(t, args...)
	ca, cb := newClient(t, a.URL()+"/graphql"), newClient(t, b.URL()+"/graphql")
	ctx := testCtx(t)

	t.Run("a write on one server is read on the other with minPosition", func(t *testing.T) {
		created := decode[struct{ CreateRestaurant result }](t, gql(t, ca, createRestaurant, map[string]any{
			"in": map[string]any{"id": "r1", "name": "Trattoria", "menu": menu("pasta", "pizza")},
		})).CreateRestaurant
		got := decode[struct{ Restaurant *struct{ Name string } }](t, gql(t, cb,
			`query($p: Int64) { restaurant(id: "r1", minPosition: $p) { name } }`, map[string]any{"p": created.Position}))
		if got.Restaurant == nil || got.Restaurant.Name != "Trattoria" {
			t.Fatalf("server B read %+v after A wrote at %d", got.Restaurant, created.Position)
		}
	})

	t.Run("a subscription on one server sees a write through the other", func(t *testing.T) {
		sub, err := cb.SubscribeSSE(ctx, `subscription { restaurantChanged(id: "r1") { name version } }`, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		type changed struct {
			RestaurantChanged struct {
				Name    string
				Version int
			}
		}
		first, err := sub.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v := decode[changed](t, first.Data).RestaurantChanged.Version; v != 1 {
			t.Fatalf("first message: version %d, want 1 (the current state)", v)
		}
		gql(t, ca, `mutation { changeRestaurantMenu(input: {id: "r1", menu: {cuisine: ITALIAN, menuItems: [
			{menuItemId: "pasta", name: "Pasta", price: "9.00"}, {menuItemId: "pizza", name: "Pizza", price: "8.00"}]}}) { version } }`, nil)
		next, err := sub.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v := decode[changed](t, next.Data).RestaurantChanged.Version; v != 2 {
			t.Errorf("server B's subscription got version %d after A's change, want 2", v)
		}
	})

	t.Run("the saga on both servers creates each order exactly once", func(t *testing.T) {
		const orders = 30
		var wg sync.WaitGroup
		for i := range orders {
			c := []*graphtest.Client{ca, cb}[i%2]
			wg.Go(func() {
				resp, err := c.Query(ctx, placeOrder, map[string]any{"in": map[string]any{
					"restaurantId": "r1", "orderId": fmt.Sprint("o", i), "menuItemIds": []string{"pasta"},
				}})
				if err == nil {
					err = resp.Err()
				}
				if err != nil {
					t.Errorf("placeOrder o%d: %v", i, err)
				}
			})
		}
		wg.Wait()
		awaitQuiet(t, ca, cb)
		for name, logs := range map[string]*syncbuf.Buffer{"A": logsA, "B": logsB} {
			if l := logs.String(); strings.Contains(l, "level=ERROR") || strings.Contains(l, "level=WARN") {
				t.Errorf("server %s logged a problem:\n%s", name, l)
			}
		}
		for _, c := range []*graphtest.Client{ca, cb} {
			evs := decode[struct{ Events []struct{ StreamID string } }](t, gql(t, c,
				`{ events(types: ["OrderCreated"], first: 100) { streamId } }`, nil)).Events
			created := map[string]int{}
			for _, e := range evs {
				created[e.StreamID]++
			}
			for i := range orders {
				if n := created[fmt.Sprint("order-o", i)]; n != 1 {
					t.Errorf("order o%d created %d times, want exactly once", i, n)
				}
			}
			if len(evs) != orders {
				t.Errorf("%d OrderCreated events, want %d", len(evs), orders)
			}
			n := decode[struct{ Orders struct{ TotalCount int } }](t, gql(t, c,
				`{ orders(restaurantId: "r1") { totalCount } }`, nil)).Orders.TotalCount
			if n != orders {
				t.Errorf("orders read model lists %d orders, want %d", n, orders)
			}
		}
	})

	t.Run("on clocks that move on, no append is counted as held behind the log", func(t *testing.T) {
		for name, m := range map[string]*Main{"A": a, "B": b} {
			if v := sample(t, scrapeMetrics(t, m), `eventgraph_store_restamped_appends_total`); v != 0 {
				t.Errorf("server %s: eventgraph_store_restamped_appends_total = %v, want 0", name, v)
			}
		}
	})
}

// TestMain_readyzAsksTheStore: a server whose PostgreSQL schema is gone (as good as a
// database that does not answer: every command fails) is not ready, so a load balancer
// stops sending it requests.
func TestMain_readyzAsksTheStore(t *testing.T) {
	url := pgtest.URL(t)
	schema := pgtest.Schema(t, url)
	m, _ := startMain(t, "--store", "postgres", "--postgres-url", url, "--postgres-schema", schema)
	c := newClient(t, m.URL()+"/graphql")
	created := decode[struct{ CreateRestaurant result }](t, gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"id": "r1", "name": "Trattoria", "menu": menu("pasta")}})).CreateRestaurant
	gql(t, c, `query($p: Int64) { restaurant(id: "r1", minPosition: $p) { id } }`, map[string]any{"p": created.Position})
	awaitReady(t, m)
	if resp, body := httpGet(t, m.URL()+"/readyz"); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /readyz: %d %s, want 200", resp.StatusCode, body)
	}

	conn, err := pgx.Connect(testCtx(t), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(testCtx(t))
	if _, err := conn.Exec(testCtx(t), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
		t.Fatal(err)
	}
	resp, body := httpGet(t, m.URL()+"/readyz")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "store") {
		t.Errorf("GET /readyz without the store: %d %s, want 503 naming the store", resp.StatusCode, body)
	}
	if strings.Contains(string(body), schema) {
		t.Errorf("GET /readyz leaks the cause: %s", body)
	}
	// The gauge says what /readyz says (it stayed 1: it knew only that start-up had finished).
	if v := sample(t, scrapeMetrics(t, m), `eventgraph_ready`); v != 0 {
		t.Errorf("eventgraph_ready = %v without the store, want 0", v)
	}
}

// TestMain_healthzWhenPostgresLosesEvents: after the log lost events under the server (an
// asynchronous failover that lost commits, a backup restored), its read models, sagas and
// idempotency answers hold events the log no longer has. The store fails at the server's
// next append, so /healthz answers 503 and a liveness probe restarts the server, which
// rebuilds them from the log as it now is.
func TestMain_healthzWhenPostgresLosesEvents(t *testing.T) {
	url := pgtest.URL(t)
	schema := pgtest.Schema(t, url)
	m, _ := startMain(t, "--store", "postgres", "--postgres-url", url, "--postgres-schema", schema)
	c := newClient(t, m.URL()+"/graphql")
	create := func(id string) json.RawMessage {
		return gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"id": id, "name": "Trattoria", "menu": menu("pasta")}})
	}
	decode[struct{ CreateRestaurant result }](t, create("r1"))
	decode[struct{ CreateRestaurant result }](t, create("r2"))
	if resp, body := httpGet(t, m.URL()+"/healthz"); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz: %d %s, want 200", resp.StatusCode, body)
	}

	conn, err := pgx.Connect(testCtx(t), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(testCtx(t))
	if _, err := conn.Exec(testCtx(t), "DELETE FROM "+pgx.Identifier{schema, "events"}.Sanitize()+" WHERE position > 1"); err != nil {
		t.Fatal(err)
	}
	// The store fails at its next append, which committed (at position 2 again) and is
	// acknowledged; or before it, when its tailer's periodic look at the last event it read
	// (once a second, as the read models subscribe) comes first, and then that append fails.
	r3, err := c.Query(testCtx(t), createRestaurant, map[string]any{"in": map[string]any{"id": "r3", "name": "Trattoria", "menu": menu("pasta")}})
	switch {
	case err != nil:
		t.Fatal(err)
	case len(r3.Errors) == 0:
		if got := decode[struct{ CreateRestaurant result }](t, r3.Data).CreateRestaurant.Position; got != 2 {
			t.Fatalf("the mutation after the loss wrote at position %d, want 2", got)
		}
	case r3.Code() != "INTERNAL_SERVER_ERROR":
		t.Fatalf("the mutation after the loss: %+v, want it acknowledged at position 2, or INTERNAL_SERVER_ERROR", r3)
	}
	resp, body := httpGet(t, m.URL()+"/healthz")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "restart") {
		t.Errorf("GET /healthz after the log lost events: %d %s, want 503 asking for a restart", resp.StatusCode, body)
	}
	r, err := c.Query(testCtx(t), createRestaurant, map[string]any{"in": map[string]any{"id": "r4", "name": "Trattoria", "menu": menu("pasta")}})
	if err != nil || r.Code() != "INTERNAL_SERVER_ERROR" {
		t.Errorf("a mutation after the store failed: %+v (%v), want INTERNAL_SERVER_ERROR", r, err)
	}
}
