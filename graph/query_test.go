package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/service"
)

type restaurantOut struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Menu struct {
		MenuID    string `json:"menuId"`
		Cuisine   string `json:"cuisine"`
		MenuItems []struct {
			MenuItemID string `json:"menuItemId"`
			Name       string `json:"name"`
			Price      string `json:"price"`
		} `json:"menuItems"`
	} `json:"menu"`
	Version  int   `json:"version"`
	Position int64 `json:"position"` // of the restaurant's latest event
}

type orderOut struct {
	ID           string `json:"id"`
	RestaurantID string `json:"restaurantId"`
	MenuItems    []struct {
		MenuItemID string `json:"menuItemId"`
		Price      string `json:"price"`
	} `json:"menuItems"`
	Status   string `json:"status"`
	Version  int    `json:"version"`
	Position int64  `json:"position"` // of the order's latest event
}

const restaurantFields = `id name version position menu { menuId cuisine menuItems { menuItemId name price } }`
const orderFields = `id restaurantId status version position menuItems { menuItemId price }`

func TestMutations_CreateAndChangeRestaurant(t *testing.T) {
	e := newEnv(t)

	t.Run("createRestaurant with an id writes RestaurantCreated and reports it", func(t *testing.T) {
		in := restaurantInput("r1", "pizza", "pasta")
		in["commandId"] = "cmd-create-r1"
		in["name"] = "  Trattoria r1  "
		res := e.create(t, in)
		if res.ID != "r1" || res.StreamID != "restaurant-r1" || res.Version != 1 || res.Duplicate {
			t.Fatalf("got %+v", res)
		}
		if len(res.Events) != 1 || res.Events[0].Type != "RestaurantCreated" || res.Events[0].Position != res.Position {
			t.Fatalf("events %+v", res.Events)
		}
		if got := res.Events[0].Metadata["commandId"]; got != "cmd-create-r1" {
			t.Fatalf("metadata commandId = %q", got)
		}
		var data struct {
			RestaurantID string `json:"restaurantId"`
			Name         string `json:"name"`
		}
		if err := json.Unmarshal(res.Events[0].Data, &data); err != nil || data.RestaurantID != "r1" || data.Name != "Trattoria r1" {
			t.Fatalf("data %s (%v)", res.Events[0].Data, err)
		}

		var out struct{ Restaurant restaurantOut }
		e.must(t, `query($p: Int64) { restaurant(id: "r1", minPosition: $p) { `+restaurantFields+` } }`, map[string]any{"p": res.Position}, &out)
		r := out.Restaurant
		if r.ID != "r1" || r.Name != "Trattoria r1" || r.Version != 1 || r.Position != res.Position || r.Menu.Cuisine != "ITALIAN" || len(r.Menu.MenuItems) != 2 || r.Menu.MenuItems[1].Price != "2.50" {
			t.Fatalf("restaurant %+v", r)
		}
		if r.Menu.MenuID != service.NewID("menu", "cmd-create-r1") {
			t.Fatalf("menuId %q not derived from the command id", r.Menu.MenuID)
		}
	})

	t.Run("createRestaurant without an id generates one, derived from the commandId", func(t *testing.T) {
		in := restaurantInput("", "soup")
		in["commandId"] = "cmd-gen"
		res := e.create(t, in)
		if want := service.NewID("restaurant", "cmd-gen"); res.ID != want || res.StreamID != "restaurant-"+want {
			t.Fatalf("got id %q stream %q, want %q", res.ID, res.StreamID, want)
		}
		other := e.create(t, restaurantInput("", "soup"))
		if other.ID == res.ID || other.ID == "" {
			t.Fatalf("random id %q", other.ID)
		}
	})

	t.Run("changeRestaurantMenu replaces the menu and bumps the version", func(t *testing.T) {
		var out struct{ ChangeRestaurantMenu result }
		m := menu("risotto")
		m["menuId"] = "m2"
		e.must(t, changeMenu, map[string]any{"in": map[string]any{"id": "r1", "menu": m, "expectedVersion": 1}}, &out)
		res := out.ChangeRestaurantMenu
		if res.ID != "r1" || res.Version != 2 || res.Events[0].Type != "RestaurantMenuChanged" {
			t.Fatalf("got %+v", res)
		}
		var q struct{ Restaurant restaurantOut }
		e.must(t, `query($p: Int64) { restaurant(id: "r1", minPosition: $p) { `+restaurantFields+` } }`, map[string]any{"p": res.Position}, &q)
		if q.Restaurant.Version != 2 || q.Restaurant.Position != res.Position || q.Restaurant.Menu.MenuID != "m2" || q.Restaurant.Menu.MenuItems[0].MenuItemID != "risotto" {
			t.Fatalf("restaurant %+v", q.Restaurant)
		}
	})

	t.Run("an unknown restaurant is null", func(t *testing.T) {
		var out struct{ Restaurant *restaurantOut }
		e.must(t, `{ restaurant(id: "nope") { id } }`, nil, &out)
		if out.Restaurant != nil {
			t.Fatalf("got %+v", out.Restaurant)
		}
	})
}

func TestMutations_PlaceOrderReadYourWrites(t *testing.T) {
	e := newEnv(t)
	e.create(t, restaurantInput("r1", "pizza", "pasta"))

	res := e.place(t, map[string]any{"restaurantId": "r1", "orderId": "o1", "menuItemIds": []string{"pizza", "pizza", "pasta"}})
	if res.ID != "o1" || res.StreamID != "restaurant-r1" || res.Version != 2 || res.Events[0].Type != "RestaurantOrderPlaced" {
		t.Fatalf("placeOrder %+v", res)
	}
	// The saga creates the order asynchronously; minPosition makes the query wait for it.
	var out struct{ Order orderOut }
	e.must(t, `query($p: Int64) { order(id: "o1", minPosition: $p) { `+orderFields+` } }`, map[string]any{"p": res.Position}, &out)
	o := out.Order
	if o.ID != "o1" || o.RestaurantID != "r1" || o.Status != "CREATED" || o.Version != 1 || o.Position != res.Position+1 || len(o.MenuItems) != 3 || o.MenuItems[0].Price != "1.50" {
		t.Fatalf("order %+v", o)
	}

	var prep struct{ MarkOrderAsPrepared result }
	e.must(t, markPrepared, map[string]any{"in": map[string]any{"id": "o1", "expectedVersion": 1}}, &prep)
	if prep.MarkOrderAsPrepared.ID != "o1" || prep.MarkOrderAsPrepared.StreamID != "order-o1" || prep.MarkOrderAsPrepared.Version != 2 {
		t.Fatalf("markOrderAsPrepared %+v", prep.MarkOrderAsPrepared)
	}
	e.must(t, `query($p: Int64) { order(id: "o1", minPosition: $p) { `+orderFields+` } }`, map[string]any{"p": prep.MarkOrderAsPrepared.Position}, &out)
	if out.Order.Status != "PREPARED" || out.Order.Version != 2 || out.Order.Position != prep.MarkOrderAsPrepared.Position {
		t.Fatalf("order %+v", out.Order)
	}

	t.Run("without orderId the order id is derived from the commandId", func(t *testing.T) {
		res := e.place(t, map[string]any{"restaurantId": "r1", "menuItemIds": []string{"pasta"}, "commandId": "place-1"})
		if want := service.NewID("order", "place-1"); res.ID != want {
			t.Fatalf("order id %q, want %q", res.ID, want)
		}
		var out struct{ Order *orderOut }
		e.must(t, `query($id: ID!, $p: Int64) { order(id: $id, minPosition: $p) { id } }`, map[string]any{"id": res.ID, "p": res.Position}, &out)
		if out.Order == nil || out.Order.ID != res.ID {
			t.Fatalf("order %+v", out.Order)
		}
	})
}

func TestQueries_ListsFiltersAndCursors(t *testing.T) {
	e := newEnv(t)
	for i := range 5 {
		e.create(t, restaurantInput(fmt.Sprintf("r%d", i), "a", "b"))
	}
	var last result
	for i := range 3 {
		last = e.place(t, map[string]any{"restaurantId": "r0", "orderId": fmt.Sprintf("o%d", i), "menuItemIds": []string{"a"}})
	}
	// Orders list in creation order, and the saga creates the orders of different restaurants
	// concurrently: wait until o0..o2 exist so that x1 is created after them.
	e.must(t, `query($p: Int64) { orders(minPosition: $p) { totalCount } }`, map[string]any{"p": last.Position}, nil)
	last = e.place(t, map[string]any{"restaurantId": "r1", "orderId": "x1", "menuItemIds": []string{"b"}})
	// The saga creates the orders asynchronously: wait until it has (minPosition covers what
	// the saga wrote for the placements) before preparing them.
	e.must(t, `query($p: Int64) { orders(minPosition: $p) { totalCount } }`, map[string]any{"p": last.Position}, nil)
	var prep struct{ MarkOrderAsPrepared result }
	e.must(t, `mutation { markOrderAsPrepared(input: {id: "o1"}) { position } }`, nil, nil)
	e.must(t, markPrepared, map[string]any{"in": map[string]any{"id": "o2"}}, &prep)
	wait := max(last.Position, prep.MarkOrderAsPrepared.Position)

	type conn[T any] struct {
		Nodes    []T `json:"nodes"`
		PageInfo struct {
			HasNextPage bool    `json:"hasNextPage"`
			EndCursor   *string `json:"endCursor"`
		} `json:"pageInfo"`
		TotalCount int `json:"totalCount"`
	}

	t.Run("restaurants page in creation order with opaque cursors", func(t *testing.T) {
		var ids []string
		var after *string
		for page := 0; ; page++ {
			var out struct{ Restaurants conn[restaurantOut] }
			e.must(t, `query($a: String, $p: Int64) { restaurants(first: 2, after: $a, minPosition: $p) { nodes { id } pageInfo { hasNextPage endCursor } totalCount } }`,
				map[string]any{"a": after, "p": wait}, &out)
			if out.Restaurants.TotalCount != 5 {
				t.Fatalf("totalCount %d", out.Restaurants.TotalCount)
			}
			for _, r := range out.Restaurants.Nodes {
				ids = append(ids, r.ID)
			}
			if !out.Restaurants.PageInfo.HasNextPage {
				break
			}
			after = out.Restaurants.PageInfo.EndCursor
			if page > 5 {
				t.Fatal("too many pages")
			}
		}
		if got := strings.Join(ids, ","); got != "r0,r1,r2,r3,r4" {
			t.Fatalf("got %s", got)
		}
	})

	tests := []struct {
		name, args, want string
	}{
		{"all orders", ``, "o0,o1,o2,x1"},
		{"by restaurant", `restaurantId: "r0"`, "o0,o1,o2"},
		{"by status", `status: PREPARED`, "o1,o2"},
		{"by restaurant and status", `restaurantId: "r0", status: CREATED`, "o0"},
		{"first", `first: 1`, "o0"},
	}
	for _, tt := range tests {
		t.Run("orders "+tt.name, func(t *testing.T) {
			var out struct{ Orders conn[orderOut] }
			q := fmt.Sprintf(`query($p: Int64) { orders(%s minPosition: $p) { nodes { id } totalCount } }`, tt.args)
			e.must(t, q, map[string]any{"p": wait}, &out)
			var ids []string
			for _, o := range out.Orders.Nodes {
				ids = append(ids, o.ID)
			}
			if got := strings.Join(ids, ","); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}

	t.Run("events filter by position, stream and type", func(t *testing.T) {
		var out struct{ Events []event }
		e.must(t, `{ events(streamId: "restaurant-r0", types: ["RestaurantOrderPlaced"], first: 2) { position streamId type version } }`, nil, &out)
		if len(out.Events) != 2 || out.Events[0].Type != "RestaurantOrderPlaced" || out.Events[0].Version != 2 || out.Events[1].Version != 3 {
			t.Fatalf("got %+v", out.Events)
		}
		after := out.Events[0].Position
		e.must(t, `query($a: Int64) { events(afterPosition: $a) { position } }`, map[string]any{"a": after}, &out)
		if len(out.Events) == 0 || out.Events[0].Position != after+1 {
			t.Fatalf("after %d got %+v", after, out.Events)
		}
		for i := 1; i < len(out.Events); i++ {
			if out.Events[i].Position != out.Events[i-1].Position+1 {
				t.Fatalf("gap in %+v", out.Events)
			}
		}
	})

	t.Run("events after the head is an empty page, beyond it BAD_USER_INPUT", func(t *testing.T) {
		head := int64(e.head(t))
		var out struct{ Events []struct{ Position int64 } }
		for _, q := range []string{
			`query($a: Int64) { events(afterPosition: $a) { position } }`,
			`query($a: Int64) { events(afterPosition: $a, types: ["NoSuchType"]) { position } }`,
		} {
			e.must(t, q, map[string]any{"a": head}, &out)
			if len(out.Events) != 0 {
				t.Fatalf("after the head %d got %+v", head, out.Events)
			}
			// A client that read a log since restored from a backup must learn so, not page on
			// as if it had read everything.
			ge := e.wantCode(t, graph.CodeBadUserInput, q, map[string]any{"a": head + 1})
			if ge.Extensions["field"] != "afterPosition" || !strings.Contains(ge.Message, "beyond the log's head") {
				t.Fatalf("got %+v, want an error naming afterPosition beyond the log's head", ge)
			}
		}
	})

	t.Run("status lists every projection and the saga with the head", func(t *testing.T) {
		var out struct {
			Status struct {
				Head        int64 `json:"head"`
				Projections []struct {
					Name     string `json:"name"`
					Position int64  `json:"position"`
				} `json:"projections"`
			}
		}
		e.must(t, `{ status { head projections { name position } } }`, nil, &out)
		if out.Status.Head != int64(e.head(t)) {
			t.Fatalf("head %d, store head %d", out.Status.Head, e.head(t))
		}
		names := map[string]bool{}
		for _, p := range out.Status.Projections {
			names[p.Name] = true
		}
		for _, n := range []string{"restaurants", "orders", service.OrderSagaName} {
			if !names[n] {
				t.Fatalf("status lacks %s: %+v", n, out.Status.Projections)
			}
		}
	})
}

func TestQueries_GETAndWireFormat(t *testing.T) {
	e := newEnv(t)
	res := e.create(t, restaurantInput("r1", "a"))

	t.Run("GET runs queries", func(t *testing.T) {
		r, err := e.client.Get(testContext(t), `query($id: ID!) { restaurant(id: $id, minPosition: 1) { id } }`, map[string]any{"id": "r1"})
		if err != nil || r.Err() != nil || !strings.Contains(string(r.Data), `"r1"`) {
			t.Fatalf("GET: %v %v %s", err, r.Err(), r.Data)
		}
	})
	t.Run("GET refuses mutations", func(t *testing.T) {
		r, err := e.client.Get(testContext(t), `mutation { markOrderAsPrepared(input: {id: "x"}) { id } }`, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Errors) == 0 {
			t.Fatalf("mutation over GET succeeded: %s", r.Data)
		}
		if e.head(t) != 1 {
			t.Fatal("a GET wrote")
		}
	})
	t.Run("Int64 is a JSON number and data and metadata are JSON objects", func(t *testing.T) {
		r := e.do(t, `{ events { position data metadata } status { head } }`, nil)
		if r.Err() != nil {
			t.Fatal(r.Err())
		}
		var raw struct {
			Events []struct {
				Position json.RawMessage `json:"position"`
				Data     json.RawMessage `json:"data"`
				Metadata json.RawMessage `json:"metadata"`
			} `json:"events"`
			Status struct {
				Head json.RawMessage `json:"head"`
			} `json:"status"`
		}
		if err := json.Unmarshal(r.Data, &raw); err != nil {
			t.Fatal(err)
		}
		ev := raw.Events[0]
		if string(ev.Position) != fmt.Sprint(res.Position) || string(raw.Status.Head) != "1" {
			t.Fatalf("position %s head %s: want JSON numbers", ev.Position, raw.Status.Head)
		}
		if !bytes.HasPrefix(ev.Data, []byte(`{"restaurantId":"r1"`)) || !bytes.HasPrefix(ev.Metadata, []byte(`{`)) {
			t.Fatalf("data %s metadata %s: want objects", ev.Data, ev.Metadata)
		}
	})
}

func TestStatus_ShowsARejectedSagaCommand(t *testing.T) {
	e := newEnv(t)
	e.create(t, restaurantInput("r1", "a"))
	e.create(t, restaurantInput("r2", "a"))
	e.place(t, map[string]any{"restaurantId": "r1", "orderId": "shared", "menuItemIds": []string{"a"}})
	// The same client-chosen order id at another restaurant: the placement is recorded...
	second := e.place(t, map[string]any{"restaurantId": "r2", "orderId": "shared", "menuItemIds": []string{"a"}})

	// ...but the saga's CreateOrder is rejected, and status says so.
	var out struct {
		Order  *orderOut
		Status struct {
			Projections []struct {
				Name     string `json:"name"`
				Kind     string `json:"kind"`
				Position int64  `json:"position"`
				Failures int    `json:"failures"`
				Stopped  bool   `json:"stopped"`
				Held     *bool  `json:"checkpointHeld"`
			} `json:"projections"`
		}
	}
	// Two requests: the root fields of one query resolve concurrently, so status must not
	// be read before minPosition was awaited.
	e.must(t, `query($p: Int64) { order(id: "shared", minPosition: $p) { restaurantId } }`,
		map[string]any{"p": second.Position}, &out)
	e.must(t, `{ status { projections { name kind position failures stopped checkpointHeld } } }`, nil, &out)
	if out.Order == nil || out.Order.RestaurantID != "r1" {
		t.Fatalf("order %+v: want the first restaurant's", out.Order)
	}
	for _, p := range out.Status.Projections {
		if p.Name != service.OrderSagaName {
			continue
		}
		// A rejection is the domain's answer, not the saga's fault: its checkpoint goes on.
		if p.Kind != "saga" || p.Failures != 1 || p.Stopped || p.Position < second.Position || p.Held == nil || *p.Held {
			t.Fatalf("saga status %+v", p)
		}
		return
	}
	t.Fatalf("no saga in %+v", out.Status.Projections)
}

// TestQueries_EmptyPageHasNoEndCursor: a page without nodes has a null endCursor, never an
// empty string, which the server refuses as a cursor it did not issue: an empty list, a
// filter that selects nothing, and the page after the last.
func TestQueries_EmptyPageHasNoEndCursor(t *testing.T) {
	e := newEnv(t)
	type pageInfo struct {
		HasNextPage bool    `json:"hasNextPage"`
		EndCursor   *string `json:"endCursor"`
	}
	type conn struct {
		Nodes    []struct{ ID string } `json:"nodes"`
		PageInfo pageInfo              `json:"pageInfo"`
	}
	const restaurants = `query($a: String, $p: Int64) { restaurants(first: 1, after: $a, minPosition: $p) { nodes { id } pageInfo { hasNextPage endCursor } } }`
	page := func(t *testing.T, query string, vars map[string]any) conn {
		t.Helper()
		var out map[string]conn
		e.must(t, query, vars, &out)
		for _, c := range out {
			return c
		}
		t.Fatalf("no connection in %v", out)
		return conn{}
	}
	empty := func(t *testing.T, c conn) {
		t.Helper()
		if len(c.Nodes) != 0 || c.PageInfo.HasNextPage || c.PageInfo.EndCursor != nil {
			t.Errorf("got %d nodes, hasNextPage %v, endCursor %q; want an empty page with a null endCursor",
				len(c.Nodes), c.PageInfo.HasNextPage, deref(c.PageInfo.EndCursor))
		}
	}
	t.Run("no restaurants", func(t *testing.T) { empty(t, page(t, restaurants, nil)) })
	t.Run("no orders", func(t *testing.T) {
		empty(t, page(t, `{ orders(first: 1) { nodes { id } pageInfo { hasNextPage endCursor } } }`, nil))
	})

	created := e.create(t, restaurantInput("r1", "pizza"))
	first := page(t, restaurants, map[string]any{"p": created.Position})
	if len(first.Nodes) != 1 || first.PageInfo.EndCursor == nil {
		t.Fatalf("first page %+v, want r1 and its cursor", first)
	}
	t.Run("the page after the last restaurant", func(t *testing.T) {
		empty(t, page(t, restaurants, map[string]any{"a": *first.PageInfo.EndCursor}))
	})
	t.Run("orders of a restaurant without any", func(t *testing.T) {
		empty(t, page(t, `{ orders(restaurantId: "r1", first: 1) { nodes { id } pageInfo { hasNextPage endCursor } } }`, nil))
	})
}

func deref(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}
