package graph_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestSSE_eventIDs: over Server-Sent Events each event of an events subscription carries its
// position as its SSE id, and a client that reconnects with the Last-Event-ID header (as a
// browser's EventSource does) resumes right after it: nothing lost, nothing repeated.
func TestSSE_eventIDs(t *testing.T) {
	e := newEnv(t)
	e.create(t, restaurantInput("r1", "a"))                                                                   // position 1
	placed := e.place(t, map[string]any{"restaurantId": "r1", "orderId": "o1", "menuItemIds": []string{"a"}}) // 2, and the saga's order 3
	e.must(t, fmt.Sprintf(`{ order(id: "o1", minPosition: %d) { id } }`, placed.Position), nil, nil)          // the order written
	ctx, cancel := context.WithTimeout(testContext(t), 10*time.Second)
	defer cancel()

	const subscription = `subscription($after: Int64) { events(afterPosition: $after) { position } }`
	stream := func(t *testing.T, method string, after *int, lastEventID string) *http.Response {
		t.Helper()
		vars := "{}"
		if after != nil {
			vars = fmt.Sprintf(`{"after": %d}`, *after)
		}
		return e.openSSE(t, ctx, method, subscription, vars, lastEventID)
	}
	// wantPositions reads len(want) events and checks each is a next event of the position
	// it names as its id.
	wantPositions := func(t *testing.T, r *sseReader, want ...int) {
		t.Helper()
		evs := r.next(t, len(want))
		if len(evs) != len(want) {
			t.Fatalf("got %d events %+v, want %d", len(evs), evs, len(want))
		}
		for i, ev := range evs {
			data := fmt.Sprintf(`{"data":{"events":{"position":%d}}}`, want[i])
			if ev.name != "next" || ev.data != data || ev.id != fmt.Sprint(want[i]) {
				t.Fatalf("event %d: %+v, want next %s with id %d", i, ev, data, want[i])
			}
		}
	}
	zero := 0

	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method+": replayed and live events carry their positions as ids", func(t *testing.T) {
			r := newSSEReader(stream(t, method, &zero, "").Body)
			var replay []int // the whole log: the order's three events, and an earlier subtest's
			for p := 1; p <= int(e.head(t)); p++ {
				replay = append(replay, p)
			}
			if len(replay) < 3 {
				t.Fatalf("head %d, want the saga's order written", len(replay))
			}
			wantPositions(t, r, replay...)
			next := e.create(t, restaurantInput("r-"+method, "a"))
			wantPositions(t, r, int(next.Position))
		})
	}
	head := int(e.head(t))
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method+": a reconnecting client resumes after its Last-Event-ID", func(t *testing.T) {
			wantPositions(t, newSSEReader(stream(t, method, &zero, "2").Body), 3, 4)
		})
	}
	t.Run("a live subscription resumes after its Last-Event-ID: the events of the outage are not lost", func(t *testing.T) {
		wantPositions(t, newSSEReader(stream(t, http.MethodGet, nil, fmt.Sprint(head-1)).Body), head)
	})
	t.Run("afterPosition past the Last-Event-ID wins: the client asked for nothing before it", func(t *testing.T) {
		three := 3
		wantPositions(t, newSSEReader(stream(t, http.MethodGet, &three, "1").Body), 4)
	})
	t.Run("an afterPosition beyond the head is refused, as a Last-Event-ID beyond it is", func(t *testing.T) {
		ahead := int(e.head(t)) + 2
		for _, id := range []string{"", fmt.Sprint(ahead)} {
			evs := readEvents(t, stream(t, http.MethodGet, &ahead, id).Body, 2)
			if len(evs) != 2 || evs[0].name != "next" || evs[0].id != "" || !strings.Contains(evs[0].data, `"code":"BAD_USER_INPUT"`) ||
				!strings.Contains(evs[0].data, `"field":"afterPosition"`) || evs[1].name != "complete" {
				t.Fatalf("Last-Event-ID %q: events %+v, want a BAD_USER_INPUT error naming afterPosition, then complete", id, evs)
			}
		}
	})
	t.Run("a Last-Event-ID that is no position is refused", func(t *testing.T) {
		for _, id := range []string{"abc", "-1", "+1", "1.5", "1000"} { // +1: strconv's, not an id; 1000: beyond the head, no event of this log
			evs := readEvents(t, stream(t, http.MethodGet, &zero, id).Body, 2)
			if len(evs) != 2 || evs[0].name != "next" || evs[0].id != "" || !strings.Contains(evs[0].data, `"code":"BAD_USER_INPUT"`) ||
				!strings.Contains(evs[0].data, "Last-Event-ID") || evs[1].name != "complete" {
				t.Fatalf("Last-Event-ID %q: events %+v, want a BAD_USER_INPUT error naming Last-Event-ID, then complete", id, evs)
			}
		}
	})
	t.Run("a query over SSE has no id", func(t *testing.T) {
		resp := e.getStream(t, ctx, "text/event-stream", url.Values{"query": {`{ status { head } }`}})
		evs := readEvents(t, resp.Body, 1)
		if len(evs) != 1 || evs[0].name != "next" || evs[0].id != "" {
			t.Fatalf("events %+v, want one next without an id", evs)
		}
	})
}

// openSSE opens a subscription over SSE, by GET (EventSource) or POST (graphql-sse), with
// the Last-Event-ID header when lastEventID is not empty; its body is closed when the test
// ends.
func (e *env) openSSE(t *testing.T, ctx context.Context, method, query, vars, lastEventID string) *http.Response {
	t.Helper()
	var req *http.Request
	var err error
	if method == http.MethodGet {
		q := url.Values{"query": {query}, "variables": {vars}}
		req, err = http.NewRequestWithContext(ctx, method, e.srv.URL+"/graphql?"+q.Encode(), nil)
	} else {
		body := fmt.Sprintf(`{"query": %q, "variables": %s}`, query, vars)
		req, err = http.NewRequestWithContext(ctx, method, e.srv.URL+"/graphql", strings.NewReader(body))
		if req != nil {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := e.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	return resp
}

// TestSSE_orderChangedIDs: the changes of a restaurant's orders, over SSE, carry their
// events' positions as ids, and a client reconnecting with Last-Event-ID gets the changes
// it missed (without the header, the subscription starts at the moment of subscribing).
func TestSSE_orderChangedIDs(t *testing.T) {
	e := newEnv(t)
	e.create(t, restaurantInput("r1", "a"))
	ctx, cancel := context.WithTimeout(testContext(t), 10*time.Second)
	defer cancel()
	const query = `subscription { orderChanged(restaurantId: "r1") { id status } }`
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			id := "o-" + strings.ToLower(method)
			// From the head read here: a subscription without Last-Event-ID starts at the
			// head it reads once its stream is open, and nothing tells the test when.
			head := fmt.Sprint(e.head(t))
			first := e.openSSE(t, ctx, method, query, "{}", head)
			placed := e.place(t, map[string]any{"restaurantId": "r1", "orderId": id, "menuItemIds": []string{"a"}})
			evs := readEvents(t, first.Body, 1)
			created := fmt.Sprint(placed.Position + 1) // the saga's OrderCreated follows the placement
			if len(evs) != 1 || evs[0].data != `{"data":{"orderChanged":{"id":"`+id+`","status":"CREATED"}}}` || evs[0].id != created {
				t.Fatalf("events %+v, want %s CREATED with id %s", evs, id, created)
			}
			// The connection drops; meanwhile the order is prepared.
			first.Body.Close()
			var out struct{ MarkOrderAsPrepared result }
			e.must(t, markPrepared, map[string]any{"in": map[string]any{"id": id}}, &out)

			evs = readEvents(t, e.openSSE(t, ctx, method, query, "{}", created).Body, 1)
			if len(evs) != 1 || evs[0].data != `{"data":{"orderChanged":{"id":"`+id+`","status":"PREPARED"}}}` || evs[0].id != fmt.Sprint(out.MarkOrderAsPrepared.Position) {
				t.Fatalf("after reconnecting: events %+v, want %s PREPARED with id %d", evs, id, out.MarkOrderAsPrepared.Position)
			}
		})
	}
}

// TestSSE_startID: a subscription over SSE names the position it starts after in an id of
// its own as its stream opens, so that a client losing the connection before the first event
// resumes there: the events of the outage are not lost.
func TestSSE_startID(t *testing.T) {
	e := newEnv(t)
	e.create(t, restaurantInput("r1", "a"))
	ctx, cancel := context.WithTimeout(testContext(t), 10*time.Second)
	defer cancel()
	for _, tt := range []struct{ name, query string }{
		{"events", `subscription { events { position } }`},
		{"orderChanged(restaurantId:)", `subscription { orderChanged(restaurantId: "r1") { id status } }`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			head := e.head(t)
			first := e.openSSE(t, ctx, http.MethodGet, tt.query, "{}", "")
			sc := bufio.NewScanner(first.Body)
			var id string
			for id == "" && sc.Scan() { // the stream's opening comment, then its start
				if v, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
					id = v
				}
			}
			if id != fmt.Sprint(head) {
				t.Fatalf("start id %q, want the head %d", id, head)
			}
			first.Body.Close() // the connection drops
			placed := e.place(t, map[string]any{"restaurantId": "r1", "orderId": "o-" + tt.name[:6], "menuItemIds": []string{"a"}})
			evs := readEvents(t, e.openSSE(t, ctx, http.MethodGet, tt.query, "{}", id).Body, 1)
			if len(evs) != 1 || evs[0].name != "next" {
				t.Fatalf("after reconnecting: %+v, want a change of the outage", evs)
			}
			if want := fmt.Sprint(placed.Position); tt.name == "events" && evs[0].id != want {
				t.Fatalf("after reconnecting: %+v, want the outage's event %s first", evs, want)
			}
			// The saga creates the order after the placement: wait for it (minPosition), or
			// its write could move the head between the next subtest's read of it and its
			// stream's.
			e.must(t, `query($p: Int64) { orders(minPosition: $p) { totalCount } }`, map[string]any{"p": placed.Position}, nil)
		})
	}
}
