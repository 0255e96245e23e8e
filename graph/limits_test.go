package graph_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/graph/graphtest"
	"github.com/eventgraph/eventgraph/store"
)

// errorCode returns the extensions.code of the first error of a next or data message, "" when
// it has none.
func errorCode(tb testing.TB, m wsMsg) string {
	tb.Helper()
	var p struct {
		Errors []struct{ Extensions struct{ Code string } }
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		tb.Fatalf("payload %s: %v", m.Payload, err)
	}
	if len(p.Errors) == 0 {
		return ""
	}
	return p.Errors[0].Extensions.Code
}

func TestConfig_MaxSubscriptionsPerConnection(t *testing.T) {
	const events = `subscription { events(afterPosition: 0) { position } }`
	e := newEnv(t, withConfig(graph.Config{MaxSubscriptionsPerConnection: 1}))
	e.create(t, restaurantInput("r1", "a")) // so that each subscription answers at once

	t.Run("a subscription beyond the limit is refused", func(t *testing.T) {
		c := e.dialWS(t, graphtest.TransportWS)
		c.init()
		c.start("subscribe", "a", events)
		c.next("next", "a")
		c.start("subscribe", "b", events)
		m := c.next("next", "b")
		if errorCode(t, m) != graph.CodeSubscriptionLimitExceeded {
			t.Fatalf("got %s, want %s", m.Payload, graph.CodeSubscriptionLimitExceeded)
		}
		// The refusal tells the client what to do about this connection's limit.
		if msg := string(m.Payload); !strings.Contains(msg, "on this connection") || !strings.Contains(msg, "open another connection") {
			t.Errorf("got %s, want a message naming the connection's limit", msg)
		}
		c.next("complete", "b")
	})

	// gqlgen runs each operation on a goroutine of its own: the slots must still go in the
	// order the client sent its operations (repeated, as that was a race).
	t.Run("of two subscriptions sent at once, the later is refused", func(t *testing.T) {
		for range 20 {
			c := e.dialWS(t, graphtest.TransportWS)
			c.init()
			c.start("subscribe", "a", events)
			c.start("subscribe", "b", events)
			for servedA, refusedB := false, false; !servedA || !refusedB; {
				m, err := c.read()
				if err != nil {
					t.Fatal(err)
				}
				switch code := errorCode(t, m); {
				case m.ID == "a" && m.Type == "next" && code == "":
					servedA = true
				case m.ID == "b" && m.Type == "next" && code == graph.CodeSubscriptionLimitExceeded:
					refusedB = true
				case m.ID == "b" && m.Type == "complete" && refusedB:
				default:
					t.Fatalf("got %s %q %s; want a served and b refused", m.Type, m.ID, m.Payload)
				}
			}
			c.conn.CloseNow()
		}
	})

	// The slot of a stopped subscription is released asynchronously: the new one must not
	// find it still taken, whether it comes before or after the client's complete (each
	// repeated, as that is a race).
	for _, first := range []string{"complete", "subscribe"} {
		t.Run("graphql-transport-ws: a subscription at the limit is served when the client completes another, "+first+" first", func(t *testing.T) {
			c := e.dialWS(t, graphtest.TransportWS)
			c.init()
			for i := range 200 {
				id, prev := fmt.Sprint(i), fmt.Sprint(i-1)
				if i > 0 && first == "complete" {
					c.send(wsMsg{ID: prev, Type: "complete"})
				}
				c.start("subscribe", id, fmt.Sprintf(`subscription { events(afterPosition: 0) { n%d: position } }`, i))
				if i > 0 && first == "subscribe" {
					c.send(wsMsg{ID: prev, Type: "complete"})
				}
				if m := c.next("next", id); eventPosition(t, m, fmt.Sprintf("n%d", i)) != 1 {
					t.Fatalf("got %s", m.Payload)
				}
			}
		})
	}

	t.Run("graphql-ws: a subscription replaced at the limit is served", func(t *testing.T) {
		c := e.dialWS(t, graphtest.LegacyWS)
		c.init()
		for i := range 200 {
			c.start("start", "x", fmt.Sprintf(`subscription { events(afterPosition: 0) { n%d: position } }`, i))
			if m := c.next("data", "x"); eventPosition(t, m, fmt.Sprintf("n%d", i)) != 1 {
				t.Fatalf("got %s", m.Payload)
			}
		}
	})
}

// The endpoint's limit counts subscriptions over every transport and connection together;
// one stopped frees its slot for the next.
func TestConfig_MaxSubscriptions(t *testing.T) {
	const events = `subscription { events(afterPosition: 0) { position } }`
	e := newEnv(t, withConfig(graph.Config{MaxSubscriptions: 2}))
	e.create(t, restaurantInput("r1", "a")) // so that each subscription answers at once

	var first struct{ Events struct{ Position int } }
	ws := e.subscribe(t, string(graphtest.TransportWS), events, nil)
	next(t, ws, &first)
	sse := e.subscribe(t, "sse", events, nil)
	next(t, sse, &first)
	for _, transport := range transports {
		third := e.subscribe(t, transport, events, nil)
		r, err := third.Next(testContext(t))
		if err != nil || r.Code() != graph.CodeSubscriptionLimitExceeded {
			t.Fatalf("a third subscription over %s: %+v, %v; want %s", transport, r, err, graph.CodeSubscriptionLimitExceeded)
		}
		// The endpoint's limit, not the connection's: another connection would not help.
		if msg := r.Errors[0].Message; !strings.Contains(msg, "on this server") || strings.Contains(msg, "connection") {
			t.Errorf("a third subscription over %s: message %q, want one naming the server's limit", transport, msg)
		}
		_ = third.Close()
	}
	if err := ws.Close(); err != nil {
		t.Fatal(err)
	}
	again := e.subscribe(t, string(graphtest.LegacyWS), events, nil)
	var got struct{ Events struct{ Position int } }
	next(t, again, &got)
	if got.Events.Position != 1 {
		t.Errorf("after one stopped, a new subscription got %+v, want the first event", got)
	}
}

// complexityCode is the extensions.code of an operation over Config.ComplexityLimit.
const complexityCode = "COMPLEXITY_LIMIT_EXCEEDED"

// TestConfig_ComplexityLimit_listsThatAreNotPaged checks that a list that is not paged costs
// its selection once per item it may hold, as a paged list costs it once per item first
// asks for: before, a menu's 500 items cost as much as one, and 300 aliases of one
// restaurant's menu made a response of 92 MB.
func TestConfig_ComplexityLimit_listsThatAreNotPaged(t *testing.T) {
	t.Run("many aliases over a menu's items are refused, one is served whole", func(t *testing.T) {
		e := newEnv(t) // the default limit
		items := make([]string, restaurant.MaxMenuItems)
		for i := range items {
			items[i] = fmt.Sprintf("m%d", i)
		}
		e.create(t, restaurantInput("big", items...))
		placed := e.place(t, map[string]any{"restaurantId": "big", "orderId": "o1", "menuItemIds": items[:restaurant.MaxOrderItems]})

		menuField := `restaurant(id: "big") { menu { menuItems { name } } }`
		refused(t, e, aliases(300, menuField))
		var one struct {
			Restaurant struct {
				Menu struct{ MenuItems []struct{ Name string } }
			}
		}
		e.must(t, "{ "+menuField+" }", nil, &one)
		if got := len(one.Restaurant.Menu.MenuItems); got != restaurant.MaxMenuItems {
			t.Fatalf("got %d menu items, want %d", got, restaurant.MaxMenuItems)
		}

		// Twenty whole pages of events with their data (each may carry a menu) are refused;
		// nineteen are served.
		refused(t, e, aliases(20, `events(first: 100) { data }`))
		e.must(t, aliases(19, `events(first: 100) { data }`), nil, nil)
		// A page of one stream's events of some types may read the whole stream to find
		// one match: 2,000 of them read it 2,000 times; 19 are served. By stream or by type
		// alone the store reads only what the page holds, besides a bisection of the stream
		// or a lookup per type: 1,600 pages of one type are served, 900 of one stream.
		refused(t, e, aliases(2000, `events(streamId: "restaurant-big", types: ["NoSuchType"], first: 1) { id }`))
		e.must(t, aliases(19, `events(streamId: "restaurant-big", types: ["NoSuchType"], first: 1) { id }`), nil, nil)
		refused(t, e, aliases(2000, `events(types: ["NoSuchType"], first: 1) { id }`))
		e.must(t, aliases(1600, `events(types: ["NoSuchType"], first: 1) { id }`), nil, nil)
		refused(t, e, aliases(1000, `events(streamId: "restaurant-big", first: 1) { id }`))
		e.must(t, aliases(900, `events(streamId: "restaurant-big", first: 1) { id }`), nil, nil)

		orderField := fmt.Sprintf(`order(id: "o1", minPosition: %d) { menuItems { name } }`, placed.Position)
		refused(t, e, aliases(600, orderField))
		var o struct {
			Order struct{ MenuItems []struct{ Name string } }
		}
		e.must(t, "{ "+orderField+" }", nil, &o)
		if got := len(o.Order.MenuItems); got != restaurant.MaxOrderItems {
			t.Fatalf("got %d order items, want %d", got, restaurant.MaxOrderItems)
		}
	})

	// With a limit of 1 every operation is refused, and gqlgen's message says its cost.
	e := newEnv(t, withConfig(graph.Config{ComplexityLimit: 1}))
	processors := len(e.svc.Status())
	if processors == 0 {
		t.Fatal("the service runs no projection")
	}
	tests := []struct {
		name  string
		query string
		want  int
	}{
		{"a menu's items count the menu's longest length", `{ restaurant(id: "r1") { menu { menuItems { name } } } }`,
			1 + 1 + (1 + restaurant.MaxMenuItems*1)},
		{"an order's items count the order's longest length", `{ order(id: "o1") { menuItems { name price } } }`,
			1 + (1 + restaurant.MaxOrderItems*2)},
		{"the status counts every projection and saga", `{ status { projections { name position } } }`,
			1 + (1 + processors*2)},
		{"a page of restaurants counts each one's menu in full", `{ restaurants(first: 2) { nodes { menu { menuItems { name } } } } }`,
			1 + 2*(1+1+(1+restaurant.MaxMenuItems*1))},
		{"a page of orders counts each one's items in full", `{ orders(first: 3) { nodes { menuItems { name } } } }`,
			1 + 3*(1+(1+restaurant.MaxOrderItems*1))},
		// An event's data may hold a whole menu: it costs as a small object, not a scalar.
		{"an event's data counts 25", `{ events(first: 4) { position data } }`,
			1 + 4*(1+25)},
		// The store reads a stream's events after a position, or the events of some types,
		// in work bounded by the page; one stream's events of some types it reads until it
		// has first matches, however far they are.
		{"a page of some types counts its items and 25 a type", `{ events(types: ["X", "Y"], first: 2) { id } }`,
			1 + 2*1 + 2*25},
		{"a page of more types than are taken counts as one type too many", `{ events(types: [` + strings.Repeat(`"X", `, 500) + `], first: 2) { id } }`,
			1 + 2*1 + 101*25},
		{"a page of one stream counts its items and 50 for the bisection", `{ events(streamId: "s", first: 2) { id } }`,
			1 + 2*1 + 50},
		{"a page of one stream's events of some types counts 2,500 more", `{ events(streamId: "s", types: ["X"], first: 2) { id } }`,
			1 + 2*1 + 2500 + 25},
		// An eventId is read from the log, one event for each state or page that selects it.
		{"a state's eventId counts 3", `{ restaurant(id: "r1") { eventId } order(id: "o1") { eventId } }`,
			(1 + 3) + (1 + 3)},
		{"a page's eventId and each node's count 3 (the page's selection once per node)", `{ orders(first: 2) { eventId nodes { eventId } } }`,
			1 + 2*(3+1+3)},
		{"the same for restaurants", `{ restaurants(first: 2) { eventId nodes { eventId } } }`,
			1 + 2*(3+1+3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.wantCode(t, complexityCode, tt.query, nil)
			var got, limit int
			if _, serr := fmt.Sscanf(err.Message, "operation has complexity %d, which exceeds the limit of %d", &got, &limit); serr != nil {
				t.Fatalf("message %q: %v", err.Message, serr)
			}
			if got != tt.want {
				t.Fatalf("got complexity %d, want %d", got, tt.want)
			}
		})
	}
}

// refused checks that query is refused for its complexity; it does not print what a query
// that was served returned (megabytes).
func refused(tb testing.TB, e *env, query string) {
	tb.Helper()
	if r := e.do(tb, query, nil); r.Code() != complexityCode {
		tb.Fatalf("got %d bytes of data and code %q, want %s", len(r.Data), r.Code(), complexityCode)
	}
}

// aliases returns a query of n aliases of field.
func aliases(n int, field string) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " a%d: %s", i, field)
	}
	b.WriteString(" }")
	return b.String()
}

// plainStore hides a store's optional methods: the service then filters ReadAll.
type plainStore struct{ store.Store }

// Over a store that can read neither by type nor a stream from a position, a page filtered
// either way reads until it has first matches, and counts 2,500 more.
func TestConfig_ComplexityLimit_filteredPagesOverAPlainStore(t *testing.T) {
	e := newEnv(t, withStore(func(s store.Store) store.Store { return plainStore{s} }), withConfig(graph.Config{ComplexityLimit: 1}))
	for query, want := range map[string]int{
		`{ events(types: ["X"], first: 2) { id } }`:                1 + 2*1 + 2500 + 25,
		`{ events(streamId: "s", first: 2) { id } }`:               1 + 2*1 + 2500,
		`{ events(streamId: "s", types: ["X"], first: 2) { id } }`: 1 + 2*1 + 2500 + 25,
		`{ events(first: 2) { id } }`:                              1 + 2*1,
	} {
		err := e.wantCode(t, complexityCode, query, nil)
		var got, limit int
		if _, serr := fmt.Sscanf(err.Message, "operation has complexity %d, which exceeds the limit of %d", &got, &limit); serr != nil {
			t.Fatalf("message %q: %v", err.Message, serr)
		}
		if got != want {
			t.Errorf("%s: complexity %d, want %d", query, got, want)
		}
	}
}

// TestConfig_ComplexityLimit_minPositionWaits: a field's minPosition costs 50 more, as the
// field waits on a goroutine of its own: 15,000 aliases of restaurant(id, minPosition) in one
// request had held 15,000 goroutines and 120 MB for the consistency timeout. A thousand such
// fields are refused, by a literal or a variable; 900 are served, and so are a thousand
// without minPosition.
func TestConfig_ComplexityLimit_minPositionWaits(t *testing.T) {
	e := newEnv(t) // the default limit
	e.create(t, restaurantInput("r1", "a"))
	refused(t, e, aliases(1000, `restaurant(id: "r1", minPosition: 1) { id }`))
	refused(t, e, "query($p: Int64) "+aliases(1000, `restaurant(id: "r1", minPosition: $p) { id }`))
	refused(t, e, aliases(1000, `order(id: "o1", minPosition: 1) { id }`))
	e.must(t, aliases(900, `restaurant(id: "r1", minPosition: 1) { id }`), nil, nil)
	e.must(t, aliases(1000, `restaurant(id: "r1") { id }`), nil, nil)
}

// A subscription that the endpoint's limit refuses does not keep the slot it took on its
// connection as it was created: refused again and again, the connection holds none, and
// each refusal names the endpoint's limit, not the connection's.
func TestConfig_MaxSubscriptions_refusalFreesTheConnectionsSlot(t *testing.T) {
	const events = `subscription { events(afterPosition: 0) { position } }`
	e := newEnv(t, withConfig(graph.Config{MaxSubscriptions: 1, MaxSubscriptionsPerConnection: 1}))
	e.create(t, restaurantInput("r1", "a")) // so that each subscription answers at once

	holder := e.subscribe(t, string(graphtest.TransportWS), events, nil) // takes the endpoint's one slot
	var first struct{ Events struct{ Position int } }
	next(t, holder, &first)

	c := e.dialWS(t, graphtest.TransportWS)
	c.init()
	for _, id := range []string{"b", "c"} {
		c.start("subscribe", id, events)
		m := c.next("next", id)
		if errorCode(t, m) != graph.CodeSubscriptionLimitExceeded {
			t.Fatalf("%s: got %s, want %s", id, m.Payload, graph.CodeSubscriptionLimitExceeded)
		}
		if msg := string(m.Payload); !strings.Contains(msg, "on this server") {
			t.Fatalf("%s: got %s, want the endpoint's limit named: the connection holds no subscription", id, msg)
		}
		c.next("complete", id)
	}
}

// TestConfig_ComplexityLimit_commandResultWaits: a mutation's restaurant and order wait for
// the read models to process its position, each on a goroutine of its own, as a field given
// minPosition does, and cost as much: a thousand aliases of them in one mutation are refused
// (nothing written), 900 are served.
func TestConfig_ComplexityLimit_commandResultWaits(t *testing.T) {
	e := newEnv(t) // the default limit
	e.create(t, restaurantInput("r1", "a"))
	const change = `mutation { changeRestaurantMenu(input: {id: "r1", menu: {cuisine: ITALIAN, menuItems: [{menuItemId: "a", name: "A", price: "1"}]}}) `
	refused(t, e, change+aliases(1000, `restaurant { id }`)+" }")
	refused(t, e, change+aliases(1000, `order { id }`)+" }")
	var got struct{ Restaurant struct{ Version int } }
	if e.must(t, `{ restaurant(id: "r1") { version } }`, nil, &got); got.Restaurant.Version != 1 {
		t.Fatalf("restaurant at version %d, want 1: a refused mutation writes nothing", got.Restaurant.Version)
	}
	e.must(t, change+aliases(900, `restaurant { id }`)+" }", nil, nil)
}
