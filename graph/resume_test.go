package graph_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/graph/graphtest"

	"github.com/eventgraph/eventgraph/store"
)

// TestSubscription_resumeWhileWritesContinue: a client of the events subscription that
// drops its connection again and again while other clients keep writing (during the outage
// and while it subscribes again) and resumes after the last position it received ends up
// with the log's events after where it began, each once, in order: over graphql-transport-ws
// and graphql-ws with afterPosition, over SSE with afterPosition, and over SSE as an
// EventSource does it (a live subscription, resumed by Last-Event-ID alone). With a filter,
// too: the positions the filter skips must not make the resumed client miss or repeat one.
func TestSubscription_resumeWhileWritesContinue(t *testing.T) {
	const sub = `subscription($a: Int64, $s: ID, $t: [String!]) { events(afterPosition: $a, streamId: $s, types: $t) { id position streamId type } }`
	filters := []struct {
		name  string
		vars  map[string]any
		match func(store.Event) bool
	}{
		{"every event", nil, func(store.Event) bool { return true }},
		{"types", map[string]any{"t": []string{"RestaurantMenuChanged", "OrderCreated"}}, func(e store.Event) bool {
			return e.Type == "RestaurantMenuChanged" || e.Type == "OrderCreated"
		}},
		{"streamId", map[string]any{"s": "restaurant-w1"}, func(e store.Event) bool { return e.StreamID == "restaurant-w1" }},
	}
	modes := []string{"graphql-transport-ws", "graphql-ws", "sse", "sse Last-Event-ID"}
	for _, f := range filters {
		for _, mode := range modes {
			t.Run(f.name+" over "+mode, func(t *testing.T) {
				e := newEnv(t)
				wrote, stop := startWriters(t, e, 3)

				var got []event
				var start int64         // the position the client's first subscription starts after
				after := func() int64 { // where the client resumes
					if len(got) == 0 {
						return start
					}
					return got[len(got)-1].Position
				}
				// open subscribes after the client's last position; read returns its next event.
				open := func() (read func() event, closeFn func()) {
					vars := map[string]any{"a": after()}
					for k, v := range f.vars {
						vars[k] = v
					}
					if mode != "sse Last-Event-ID" {
						s := e.subscribe(t, mode, sub, vars)
						return func() event {
							var v struct{ Events event }
							next(t, s, &v)
							return v.Events
						}, func() { _ = s.Close() }
					}
					// EventSource: the same URL every time, no afterPosition; the first
					// connection starts live, each later one sends the last id it saw.
					delete(vars, "a")
					b, _ := json.Marshal(vars)
					lastID := ""
					if got != nil || start != 0 {
						lastID = fmt.Sprint(after())
					}
					ctx, cancel := context.WithCancel(testContext(t))
					c := &sseIDClient{sc: bufio.NewScanner(e.openSSE(t, ctx, http.MethodGet, sub, string(b), lastID).Body)}
					if lastID == "" {
						start = c.startID(t)
						got = []event{}
					}
					return func() event {
						data, id := c.next(t)
						var v struct{ Data struct{ Events event } }
						if err := json.Unmarshal([]byte(data), &v); err != nil {
							t.Fatalf("event %s: %v", data, err)
						}
						if id != fmt.Sprint(v.Data.Events.Position) {
							t.Fatalf("event %s has the id %s", data, id)
						}
						return v.Data.Events
					}, cancel
				}

				for range 5 {
					read, closeFn := open()
					for range 12 {
						got = append(got, read())
					}
					closeFn() // the connection drops
					for range 10 {
						<-wrote // writes during the outage
					}
				}
				// The last outage must hold events the filter selects: with a filter, the
				// writes of an outage may all be other streams' (one writer in three is w1's).
				for {
					if want := filtered(t, e, after(), f.match); len(want) > 0 {
						break
					}
					<-wrote
				}
				stop()
				want := filtered(t, e, start, f.match)
				read, closeFn := open()
				for after() < want[len(want)-1].Position {
					got = append(got, read())
				}
				closeFn()
				gotIDs := make([]string, len(got))
				for i, ev := range got {
					gotIDs[i] = fmt.Sprintf("%d:%s", ev.Position, ev.ID)
				}
				wantIDs := make([]string, len(want))
				for i, ev := range want {
					wantIDs[i] = fmt.Sprintf("%d:%s", ev.Position, ev.ID)
				}
				if !slices.Equal(gotIDs, wantIDs) {
					t.Fatalf("across the reconnections the client got\n%v\nwant the log's events after %d\n%v", gotIDs, start, wantIDs)
				}
			})
		}
	}
}

// startWriters starts n clients that create a restaurant each (restaurant-w0, …) and then
// change its menu, place orders there (which the saga follows with OrderCreated) and mark
// them prepared until stop is called, which waits for them. After each write a writer tells wrote, if anyone
// listens.
func startWriters(t *testing.T, e *env, n int) (wrote <-chan struct{}, stop func()) {
	t.Helper()
	ch := make(chan struct{})
	done := make(chan struct{})
	for w := range n {
		e.create(t, restaurantInput(fmt.Sprint("w", w), "a"))
	}
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() {
			var placed []string // orders placed here and not yet prepared
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				rid := fmt.Sprint("w", w)
				query, in := changeMenu, map[string]any{"id": rid, "menu": menu("a", fmt.Sprint("d", i))}
				switch {
				case i%3 == 1 && len(placed) > 0: // the saga may not have created it yet: NOT_FOUND
					query, in = markPrepared, map[string]any{"id": placed[0]}
				case i%3 == 2:
					query, in = placeOrder, map[string]any{"restaurantId": rid, "orderId": fmt.Sprintf("%s-o%d", rid, i), "menuItemIds": []string{"a"}}
				}
				r, err := e.client.Query(context.Background(), query, map[string]any{"in": in})
				switch {
				case err != nil:
					t.Errorf("writer %d: %v", w, err)
					return
				case query == markPrepared && r.Code() == graph.CodeNotFound:
					continue
				case r.Err() != nil:
					t.Errorf("writer %d: %v", w, r.Err())
					return
				case query == markPrepared:
					placed = placed[1:]
				case query == placeOrder:
					placed = append(placed, in["orderId"].(string))
				}
				select {
				case ch <- struct{}{}:
				default:
				}
			}
		})
	}
	var once sync.Once
	stop = func() { once.Do(func() { close(done); wg.Wait() }) }
	t.Cleanup(stop)
	return ch, stop
}

// filtered returns the log's events after the position after that match.
func filtered(t *testing.T, e *env, after int64, match func(store.Event) bool) []event {
	t.Helper()
	var out []event
	for ev, err := range e.store.ReadAll(context.Background(), store.Position(after)) {
		if err != nil {
			t.Fatal(err)
		}
		if match(ev) {
			out = append(out, event{ID: ev.ID, Position: int64(ev.Position), StreamID: ev.StreamID, Type: ev.Type})
		}
	}
	return out
}

// sseIDClient reads an SSE stream as EventSource does: the id of each event it dispatches
// and of each id-only event (the stream's start) becomes the last event id.
type sseIDClient struct {
	sc     *bufio.Scanner
	lastID string
}

// block reads the stream's next block (up to a blank line) and returns its event name, data
// and id (the id field, if it had one).
func (c *sseIDClient) block(t *testing.T) (name, data, id string, hasID bool) {
	t.Helper()
	for c.sc.Scan() {
		line := c.sc.Text()
		switch {
		case line == "":
			if name != "" || data != "" || hasID {
				if hasID {
					c.lastID = id
				}
				return name, data, id, hasID
			}
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data += strings.TrimPrefix(line, "data: ")
		case strings.HasPrefix(line, "id: "):
			id, hasID = strings.TrimPrefix(line, "id: "), true
		}
	}
	t.Fatalf("the stream ended (%v) after id %q", c.sc.Err(), c.lastID)
	return "", "", "", false
}

// startID reads up to the stream's start: an id without an event.
func (c *sseIDClient) startID(t *testing.T) int64 {
	t.Helper()
	name, data, id, hasID := c.block(t)
	var p int64
	if _, err := fmt.Sscan(id, &p); name != "" || data != "" || !hasID || err != nil {
		t.Fatalf("the stream opened with %q %q %q, want an id alone", name, data, id)
	}
	return p
}

// next returns the data and id of the stream's next "next" event.
func (c *sseIDClient) next(t *testing.T) (data, id string) {
	t.Helper()
	for {
		name, data, id, _ := c.block(t)
		switch name {
		case "next":
			return data, id
		case "":
		default:
			t.Fatalf("got %s %s, want a next event", name, data)
		}
	}
}

// TestSubscription_readModelsAfterAReconnect: a client of restaurantChanged that drops its
// connection again and again while others write, over every transport, gets on each
// reconnection the restaurant's current state first (not older than what it had) and then
// every change, each version once and in turn, each state the one of the log at its
// version. Over SSE, a client of orderChanged(restaurantId:) that reconnects with the last
// id it received (EventSource) gets every change of the restaurant's orders, once, in the
// order of the log, each the order's state at that event.
func TestSubscription_readModelsAfterAReconnect(t *testing.T) {
	for _, tr := range transports {
		t.Run("restaurantChanged over "+tr, func(t *testing.T) {
			e := newEnv(t)
			wrote, stop := startWriters(t, e, 3)
			type state struct {
				Version int
				Menu    struct{ MenuItems []struct{ MenuItemID string } }
			}
			var got []state
			read := func(s *graphtest.Subscription) state {
				var v struct{ RestaurantChanged state }
				next(t, s, &v)
				return v.RestaurantChanged
			}
			const query = `subscription { restaurantChanged(id: "w1") { version menu { menuItems { menuItemId } } } }`
			check := func(s *graphtest.Subscription, n int) {
				first := read(s)
				if len(got) > 0 && first.Version < got[len(got)-1].Version {
					t.Fatalf("after version %d the reconnected client got version %d first", got[len(got)-1].Version, first.Version)
				}
				got = append(got, first)
				for range n {
					st := read(s)
					if prev := got[len(got)-1].Version; st.Version != prev+1 {
						t.Fatalf("after version %d the client got version %d", prev, st.Version)
					}
					got = append(got, st)
				}
			}
			for range 4 {
				s := e.subscribe(t, tr, query, nil)
				check(s, 6)
				_ = s.Close() // the connection drops
				for range 10 {
					<-wrote
				}
			}
			stop()
			final := e.subscribe(t, tr, query, nil)
			check(final, 0)
			// Each state received is the log's at its version.
			menus := map[int]string{}
			var cur string
			for ev, err := range e.store.ReadStream(context.Background(), "restaurant-w1", 0) {
				if err != nil {
					t.Fatal(err)
				}
				var d struct {
					Menu *struct{ MenuItems []struct{ MenuItemID string } }
				}
				if err := json.Unmarshal(ev.Data, &d); err != nil {
					t.Fatal(err)
				}
				if d.Menu != nil {
					cur = fmt.Sprint(d.Menu.MenuItems)
				}
				menus[int(ev.Version)] = cur
			}
			for _, st := range got {
				if want, ok := menus[st.Version]; !ok || fmt.Sprint(st.Menu.MenuItems) != want {
					t.Fatalf("version %d with the menu %v; the log has %q there", st.Version, st.Menu.MenuItems, want)
				}
			}
			if last := got[len(got)-1].Version; last != len(menus) {
				t.Fatalf("the last reconnection's current state is version %d; the stream has %d events", last, len(menus))
			}
		})
	}

	t.Run("orderChanged(restaurantId:) over SSE by Last-Event-ID", func(t *testing.T) {
		e := newEnv(t)
		wrote, stop := startWriters(t, e, 3)
		const query = `subscription { orderChanged(restaurantId: "w1") { id restaurantId status version position } }`
		type change struct {
			ID, RestaurantID, Status string
			Version                  int
			Position                 json.Number // the change's Order.position, checked against its SSE id
		}
		var got []change
		var lastID string
		var start int64
		ctx := testContext(t)
		for round := range 6 {
			c := &sseIDClient{sc: bufio.NewScanner(e.openSSE(t, ctx, http.MethodGet, query, "{}", lastID).Body), lastID: lastID}
			if round == 0 {
				start = c.startID(t)
			}
			n := 5
			if round == 5 { // the last: until the log's last change of w1's orders
				stop()
				if err := e.svc.WaitFor(ctx, e.head(t)); err != nil { // the saga's orders written
					t.Fatal(err)
				}
				n = 0
			}
			want := orderChanges(t, e, start, "w1")
			for i := 0; i < n || (round == 5 && len(got) < len(want)); i++ {
				data, id := c.next(t)
				var v struct{ Data struct{ OrderChanged change } }
				if err := json.Unmarshal([]byte(data), &v); err != nil {
					t.Fatal(err)
				}
				if string(v.Data.OrderChanged.Position) != id {
					t.Fatalf("a change at position %s came with the SSE id %s", v.Data.OrderChanged.Position, id)
				}
				got = append(got, v.Data.OrderChanged)
			}
			lastID = c.lastID
			if round < 5 {
				for range 10 {
					<-wrote
				}
			}
		}
		want := orderChanges(t, e, start, "w1")
		gotS, wantS := make([]string, len(got)), make([]string, len(want))
		for i, c := range got {
			gotS[i] = fmt.Sprintf("%s:%s:%s:%s:%d", c.Position, c.RestaurantID, c.ID, c.Status, c.Version)
		}
		for i, c := range want {
			wantS[i] = fmt.Sprintf("%s:%s:%s:%s:%d", c.position, "w1", c.id, c.status, c.version)
		}
		if !slices.Equal(gotS, wantS) {
			t.Fatalf("across the reconnections the client got\n%v\nwant\n%v", gotS, wantS)
		}
		if !slices.ContainsFunc(got, func(c change) bool { return c.Status == "PREPARED" }) {
			t.Fatal("no order was prepared: the test covers less than it should")
		}
	})
}

// TestSubscription_orderChangedResumesByAfterPosition: a client of orderChanged(restaurantId:)
// over any transport that drops its connection again and again while others write, and
// subscribes again with afterPosition set to the position of the last change it received
// (Order.position), gets every change of the restaurant's orders, once, in the order of the
// log, each the order's state at that event. Before afterPosition, a WebSocket client could
// only start again from the head, missing the changes of the outage.
func TestSubscription_orderChangedResumesByAfterPosition(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			e := newEnv(t)
			wrote, stop := startWriters(t, e, 3)
			const query = `subscription($a: Int64) { orderChanged(restaurantId: "w1", afterPosition: $a) { id restaurantId status version position } }`
			type change struct {
				ID, RestaurantID, Status string
				Version                  int
				Position                 int64
			}
			var got []change
			start := int64(e.head(t))
			after := func() int64 {
				if len(got) == 0 {
					return start
				}
				return got[len(got)-1].Position
			}
			ctx := testContext(t)
			for round := range 6 {
				s := e.subscribe(t, tr, query, map[string]any{"a": after()})
				n := 5
				if round == 5 { // the last: until the log's last change of w1's orders
					stop()
					if err := e.svc.WaitFor(ctx, e.head(t)); err != nil { // the saga's orders written
						t.Fatal(err)
					}
					n = len(orderChanges(t, e, after(), "w1"))
				}
				for range n {
					var v struct{ OrderChanged change }
					next(t, s, &v)
					got = append(got, v.OrderChanged)
				}
				_ = s.Close() // the connection drops
				if round < 5 {
					for range 10 {
						<-wrote
					}
				}
			}
			want := orderChanges(t, e, start, "w1")
			gotS, wantS := make([]string, len(got)), make([]string, len(want))
			for i, c := range got {
				gotS[i] = fmt.Sprintf("%d:%s:%s:%s:%d", c.Position, c.RestaurantID, c.ID, c.Status, c.Version)
			}
			for i, c := range want {
				wantS[i] = fmt.Sprintf("%s:%s:%s:%s:%d", c.position, "w1", c.id, c.status, c.version)
			}
			if !slices.Equal(gotS, wantS) {
				t.Fatalf("across the reconnections the client got\n%v\nwant\n%v", gotS, wantS)
			}
			if !slices.ContainsFunc(got, func(c change) bool { return c.Status == "PREPARED" }) {
				t.Fatal("no order was prepared: the test covers less than it should")
			}
		})
	}
}

// orderChange is a change of an order in the log.
type orderChange struct {
	position, id, status string
	version              int
}

// orderChanges returns the changes of the restaurant's orders in the log after the position
// after: each order event of an order created there.
func orderChanges(t *testing.T, e *env, after int64, restaurantID string) []orderChange {
	t.Helper()
	of := map[string]string{} // order stream → restaurant
	var out []orderChange
	for ev, err := range e.store.ReadAll(context.Background(), 0) {
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(ev.StreamID, "order-") {
			continue
		}
		status := "PREPARED"
		if ev.Type == "OrderCreated" {
			var d struct{ RestaurantID string }
			if err := json.Unmarshal(ev.Data, &d); err != nil {
				t.Fatal(err)
			}
			of[ev.StreamID] = d.RestaurantID
			status = "CREATED"
		}
		if int64(ev.Position) > after && of[ev.StreamID] == restaurantID {
			out = append(out, orderChange{fmt.Sprint(ev.Position), strings.TrimPrefix(ev.StreamID, "order-"), status, int(ev.Version)})
		}
	}
	return out
}

// TestSubscription_resumeOnTheSameConnection: a WebSocket client that resumes its events
// subscription on the same connection under the same id, while others write — over
// graphql-transport-ws by complete and then subscribe at once, over graphql-ws by a start
// that replaces the running one (with or without stop first) — gets under that id the log's
// events, each once, in order, when it drops what the subscription it ended had in flight
// (which it can tell only by the selection here): none of that arrives after the new one's
// first event, no complete of the old one ends the new one, and the id is free at once (no
// 4409).
func TestSubscription_resumeOnTheSameConnection(t *testing.T) {
	for _, tt := range []struct {
		name  string
		proto graphtest.Protocol
		stop  string // the message that ends the running subscription first, if any
	}{
		{"graphql-transport-ws: complete, then subscribe", graphtest.TransportWS, "complete"},
		{"graphql-ws: stop, then start", graphtest.LegacyWS, "stop"},
		{"graphql-ws: a start that replaces the running one", graphtest.LegacyWS, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			_, stop := startWriters(t, e, 3)
			c := e.dialWS(t, tt.proto)
			c.init()
			start := "subscribe"
			if tt.proto == graphtest.LegacyWS {
				start = "start"
			}
			// Each subscription selects the round it belongs to as an alias, so that a
			// message of an earlier one is told apart.
			subscribe := func(round int, after int64) {
				c.send(wsMsg{ID: "1", Type: start, Payload: json.RawMessage(fmt.Sprintf(
					`{"query": "subscription($a: Int64) { events(afterPosition: $a) { id position r%d: type } }", "variables": {"a": %d}}`, round, after))})
			}
			var got []event
			after := func() int64 {
				if len(got) == 0 {
					return 0
				}
				return got[len(got)-1].Position
			}
			// read returns the next event of the round's subscription. What the one before
			// had in flight as the client ended it may come first (the client cannot tell
			// it from the new one's under the same id: it resumes after the last event it
			// took); once the new one's first has come, nothing of an earlier one may.
			next := "next"
			if tt.proto == graphtest.LegacyWS {
				next = "data"
			}
			current := -1 // the round whose first event has come
			read := func(round int) {
				for {
					m, err := c.read()
					if err != nil {
						t.Fatalf("round %d: %v", round, err)
					}
					var v struct {
						Data struct {
							Events map[string]json.RawMessage
						}
					}
					if m.ID != "1" || m.Type != next || json.Unmarshal(m.Payload, &v) != nil {
						if current < round && m.ID == "1" && m.Type == "complete" {
							continue // the end of the one before
						}
						t.Fatalf("round %d: got %s %q %s", round, m.Type, m.ID, m.Payload)
					}
					if _, ok := v.Data.Events[fmt.Sprint("r", round)]; !ok {
						if current == round {
							t.Fatalf("round %d: got %s, a message of an earlier subscription, after the new one's", round, m.Payload)
						}
						continue
					}
					current = round
					var ev event
					_ = json.Unmarshal(v.Data.Events["id"], &ev.ID)
					_ = json.Unmarshal(v.Data.Events["position"], &ev.Position)
					got = append(got, ev)
					return
				}
			}
			const rounds = 20
			for round := range rounds {
				subscribe(round, after())
				for range 5 {
					read(round)
				}
				if tt.stop != "" {
					c.send(wsMsg{ID: "1", Type: tt.stop})
				}
			}
			stop()
			want := filtered(t, e, 0, func(store.Event) bool { return true })
			subscribe(rounds, after())
			for after() < want[len(want)-1].Position {
				read(rounds)
			}
			gotIDs, wantIDs := make([]string, len(got)), make([]string, len(want))
			for i, ev := range got {
				gotIDs[i] = fmt.Sprintf("%d:%s", ev.Position, ev.ID)
			}
			for i, ev := range want {
				wantIDs[i] = fmt.Sprintf("%d:%s", ev.Position, ev.ID)
			}
			if !slices.Equal(gotIDs, wantIDs) {
				t.Fatalf("across the resumptions the client got\n%v\nwant\n%v", gotIDs, wantIDs)
			}
		})
	}
}

// TestQueries_followAListFromItsPagePosition: a client that reads a restaurant's orders and
// then follows their changes with orderChanged(restaurantId:, afterPosition:) set to the
// page's position, while others write, gets the log's state: the page reflects every order
// event up to its position and none after it, and the subscription brings each later change
// once, in order.
func TestQueries_followAListFromItsPagePosition(t *testing.T) {
	type state struct {
		ID, Status string
		Version    int
		Position   int64
	}
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			e := newEnv(t)
			ctx := testContext(t)
			wrote, stop := startWriters(t, e, 3)
			for range 15 {
				<-wrote
			}
			var page struct {
				Orders struct {
					Position int64
					Nodes    []state
				}
			}
			e.must(t, `{ orders(restaurantId: "w1", first: 100) { position nodes { id status version position } } }`, nil, &page)
			at := page.Orders.Position

			// The page is the log's orders of w1 as of its position: each order created up to
			// it, at the version its events up to it give, and no event after it.
			of := map[string]string{} // order stream → restaurant
			versions := map[string]int{}
			orderEventAt := at == 0
			for ev, err := range e.store.ReadAll(ctx, 0) {
				if err != nil {
					t.Fatal(err)
				}
				if ev.Position > store.Position(at) {
					break
				}
				if !strings.HasPrefix(ev.StreamID, "order-") {
					continue
				}
				orderEventAt = orderEventAt || ev.Position == store.Position(at)
				if ev.Type == "OrderCreated" {
					var d struct{ RestaurantID string }
					if err := json.Unmarshal(ev.Data, &d); err != nil {
						t.Fatal(err)
					}
					of[ev.StreamID] = d.RestaurantID
				}
				if of[ev.StreamID] == "w1" {
					versions[strings.TrimPrefix(ev.StreamID, "order-")] = int(ev.Version)
				}
			}
			if !orderEventAt {
				t.Fatalf("the page's position %d is not an order event's", at)
			}
			got := map[string]state{}
			for _, n := range page.Orders.Nodes {
				got[n.ID] = n
				if n.Position > at || versions[n.ID] != n.Version {
					t.Errorf("the page (position %d) holds %+v; the log has version %d of it up to that position", at, n, versions[n.ID])
				}
			}
			if len(got) != len(versions) {
				t.Fatalf("the page (position %d) holds %d orders; the log has %d of w1 up to it", at, len(got), len(versions))
			}

			s := e.subscribe(t, tr, `subscription($a: Int64) { orderChanged(restaurantId: "w1", afterPosition: $a) { id status version position } }`, map[string]any{"a": at})
			for range 15 {
				<-wrote
			}
			stop()
			if err := e.svc.WaitFor(ctx, e.head(t)); err != nil { // the saga's orders written
				t.Fatal(err)
			}
			for _, want := range orderChanges(t, e, at, "w1") {
				var v struct{ OrderChanged state }
				next(t, s, &v)
				c := v.OrderChanged
				if fmt.Sprint(c.Position) != want.position || c.ID != want.id || c.Version != got[c.ID].Version+1 {
					t.Fatalf("after version %d of %s the client got %+v; the log's next change is %+v", got[c.ID].Version, c.ID, c, want)
				}
				got[c.ID] = c
			}
			var final struct{ Orders struct{ Nodes []state } }
			e.must(t, `query($p: Int64) { orders(restaurantId: "w1", first: 100, minPosition: $p) { nodes { id status version position } } }`, map[string]any{"p": e.head(t)}, &final)
			for _, n := range final.Orders.Nodes {
				if got[n.ID] != n {
					t.Errorf("the client holds %+v; the read model has %+v", got[n.ID], n)
				}
			}
			if len(final.Orders.Nodes) != len(got) {
				t.Errorf("the client holds %d orders; the read model has %d", len(got), len(final.Orders.Nodes))
			}
		})
	}
}
