package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/graph/graphtest"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// readModels is a query of both read models, by restaurant, by status and with a cursor.
const readModels = `query($p: Int64, $after: String) {
	restaurants(first: 1, minPosition: $p) { totalCount nodes { id name version menu { menuItems { menuItemId } } } pageInfo { hasNextPage endCursor } }
	byRestaurant: orders(restaurantId: "r1", first: 2, minPosition: $p) { totalCount nodes { id restaurantId status version menuItems { menuItemId price } } pageInfo { hasNextPage endCursor } }
	prepared: orders(status: PREPARED, minPosition: $p) { totalCount nodes { id status } }
	next: orders(first: 2, after: $after, minPosition: $p) { totalCount nodes { id status } pageInfo { hasNextPage endCursor } }
	order(id: "o1", minPosition: $p) { id status version }
}`

// A server stopped gracefully saves its read models' states in DIR/readmodels, and the
// next one starts from them: its log says so, its queries answer as before (with a cursor
// given out before the restart; a restaurant's order changes after a position, which the
// orders read model finds in its state), and a command retried with its command id is a duplicate.
func TestMain_readModelStates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	m1, _ := startMain(t, "--data", dir)
	c := newClient(t, m1.URL()+"/graphql")
	gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"id": "r1", "name": "Da Mario", "menu": menu("pizza", "pasta")}})
	gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"id": "r2", "name": "Chez Paul", "menu": menu("soup")}})
	var last result
	for i, o := range []struct{ id, restaurant, item string }{{"o1", "r1", "pizza"}, {"o2", "r2", "soup"}, {"o3", "r1", "pasta"}, {"o4", "r1", "pizza"}, {"o5", "r2", "soup"}} {
		in := map[string]any{"restaurantId": o.restaurant, "orderId": o.id, "menuItemIds": []string{o.item}, "commandId": "place-" + o.id}
		last = decode[struct{ PlaceOrder result }](t, gql(t, c, placeOrder, map[string]any{"in": in})).PlaceOrder
		if i == 0 {
			gql(t, c, `query($p: Int64) { order(id: "o1", minPosition: $p) { id } }`, map[string]any{"p": last.Position})
			gql(t, c, markPrepared, map[string]any{"in": map[string]any{"id": "o1"}})
		}
	}
	// minPosition waits for the saga's CreateOrders of the placements up to head too.
	head := decode[struct{ Status struct{ Head int64 } }](t, gql(t, c, `query { status { head } }`, nil)).Status.Head
	first := gql(t, c, readModels, map[string]any{"p": head})
	cursor := decode[struct {
		ByRestaurant struct{ PageInfo struct{ EndCursor string } }
	}](t, first).ByRestaurant.PageInfo.EndCursor
	before := gql(t, c, readModels, map[string]any{"p": head, "after": cursor})
	changesBefore := orderChanges(t, c, 4) // r1's orders o1, o3 and o4 created, o1 prepared
	head = decode[struct{ Status struct{ Head int64 } }](t, gql(t, c, `query { status { head } }`, nil)).Status.Head
	if err := m1.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, jsonl.StateDir, jsonl.StateFile)); err != nil || fi.Size() == 0 {
		t.Fatalf("the states file after a graceful stop: %v, %v", fi, err)
	}

	m2, logs := startMain(t, "--data", dir, "--state-interval", "5ms")
	c = newClient(t, m2.URL()+"/graphql")
	awaitReady(t, m2)
	if got := scrapeMetrics(t, m2)["eventgraph_projection_states_position"]; got != float64(head) {
		t.Errorf("eventgraph_projection_states_position after the restart = %v, want the head %d the states were loaded at", got, head)
	}
	after := gql(t, c, readModels, map[string]any{"p": head, "after": cursor})
	if !jsonEqual(t, before, after) {
		t.Errorf("after the restart the read models answer\n%s\nwant, as before it,\n%s", after, before)
	}
	if changes := orderChanges(t, c, 4); !slicesEqualJSON(t, changes, changesBefore) {
		t.Errorf("after the restart orderChanged(restaurantId: r1, afterPosition: 0) sends\n%s\nwant, as before it,\n%s", changes, changesBefore)
	}
	again := decode[struct{ PlaceOrder result }](t, gql(t, c, placeOrder, map[string]any{"in": map[string]any{
		"restaurantId": "r2", "orderId": "o5", "menuItemIds": []string{"soup"}, "commandId": "place-o5"}})).PlaceOrder
	if !again.Duplicate || again.Position != last.Position {
		t.Errorf("a command retried after the restart: %+v; want a duplicate of %+v", again, last)
	}
	// The states are saved again, every 5ms, once the read models moved on.
	r3 := decode[struct{ CreateRestaurant result }](t, gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"id": "r3", "name": "Sushi Bar", "menu": menu("maki")}})).CreateRestaurant
	awaitMetricThat(t, m2, "eventgraph_projection_states_position", fmt.Sprintf(">= %d", r3.Position), func(v float64) bool { return v >= float64(r3.Position) })
	if got := scrapeMetrics(t, m2); got["eventgraph_projection_states_saves_total"] < 1 || got["eventgraph_projection_states_bytes"] <= 0 ||
		got["eventgraph_projection_states_saved_timestamp_seconds"] <= 0 || got["eventgraph_projection_states_save_failures_total"] != 0 {
		t.Errorf("the states' metrics after a save: %v", got)
	}
	st := decode[struct {
		Status struct{ ReadModelStates *readModelStates }
	}](t, gql(t, c, statesQuery, nil)).Status.ReadModelStates
	if st == nil || st.LoadedPosition != head || st.Position < r3.Position || st.SavedAt == nil || st.Bytes <= 0 || st.Saves < 1 || st.Failures != 0 {
		t.Errorf("status { readModelStates } = %+v; want loaded at %d, saved at %d or later", st, head, r3.Position)
	}
	if !strings.Contains(logs.String(), "projections resume from their saved states") || strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("the restarted server's log does not say the read models resumed from their states, or warns:\n%s", logs)
	}
}

const statesQuery = `{ status { readModelStates { position loadedPosition savedAt bytes saves failures } } }`

// readModelStates is a decoded ReadModelStates.
type readModelStates struct {
	Position, LoadedPosition, Bytes int64
	SavedAt                         *string
	Saves, Failures                 int
}

// A server that keeps no states says so: its status has no readModelStates.
func TestMain_noReadModelStates(t *testing.T) {
	for name, args := range map[string][]string{
		"memory store":      {"--store", "memory"},
		"jsonl, states off": {"--data", filepath.Join(t.TempDir(), "data"), "--state-interval", "0"},
	} {
		t.Run(name, func(t *testing.T) {
			m, _ := startMain(t, args...)
			awaitReady(t, m)
			c := newClient(t, m.URL()+"/graphql")
			if st := decode[struct {
				Status struct{ ReadModelStates *readModelStates }
			}](t, gql(t, c, statesQuery, nil)).Status.ReadModelStates; st != nil {
				t.Errorf("status { readModelStates } = %+v; want null", st)
			}
			for k := range scrapeMetrics(t, m) {
				if strings.HasPrefix(k, "eventgraph_projection_states_") {
					t.Errorf("%s served by a server that keeps no states", k)
				}
			}
		})
	}
}

// jsonEqual reports whether two JSON documents hold the same value.
func jsonEqual(t *testing.T, a, b json.RawMessage) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}

// orderChanges returns the first n changes orderChanged(restaurantId: "r1", afterPosition: 0)
// sends over Server-Sent Events.
func orderChanges(t *testing.T, c *graphtest.Client, n int) []json.RawMessage {
	t.Helper()
	ctx := testCtx(t)
	sub, err := c.SubscribeSSE(ctx, `subscription { orderChanged(restaurantId: "r1", afterPosition: 0) { id status version position } }`, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var out []json.RawMessage
	for range n {
		r, err := sub.Next(ctx)
		if err != nil || len(r.Errors) > 0 {
			t.Fatalf("orderChanged: %v, %v", r, err)
		}
		out = append(out, r.Data)
	}
	return out
}

func slicesEqualJSON(t *testing.T, a, b []json.RawMessage) bool {
	t.Helper()
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !jsonEqual(t, a[i], b[i]) {
			return false
		}
	}
	return true
}

// With --state-every, the states are saved once the read models applied that many events,
// however long the interval.
func TestMain_stateEvery(t *testing.T) {
	m, _ := startMain(t, "--data", filepath.Join(t.TempDir(), "data"), "--state-interval", "1h", "--state-every", "3")
	c := newClient(t, m.URL()+"/graphql")
	var last result
	for _, id := range []string{"r1", "r2", "r3"} {
		last = decode[struct{ CreateRestaurant result }](t, gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"id": id, "name": "Da " + id, "menu": menu("pizza")}})).CreateRestaurant
	}
	awaitMetricThat(t, m, "eventgraph_projection_states_position", fmt.Sprintf("= %d", last.Position), func(v float64) bool { return v == float64(last.Position) })
}
