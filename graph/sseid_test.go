package graph_test

import (
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
	e.create(t, restaurantInput("r1", "a"))                                                         // position 1
	e.place(t, map[string]any{"restaurantId": "r1", "orderId": "o1", "menuItemIds": []string{"a"}}) // 2, and the saga's order 3
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
	wantPositions := func(t *testing.T, resp *http.Response, want ...int) {
		t.Helper()
		evs := readEvents(t, resp.Body, len(want))
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
			resp := stream(t, method, &zero, "")
			wantPositions(t, resp, 1, 2, 3)
			next := e.create(t, restaurantInput("r-"+method, "a"))
			wantPositions(t, resp, int(next.Position))
		})
	}
	head := int(e.head(t))
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method+": a reconnecting client resumes after its Last-Event-ID", func(t *testing.T) {
			wantPositions(t, stream(t, method, &zero, "2"), 3, 4)
		})
	}
	t.Run("a live subscription resumes after its Last-Event-ID: the events of the outage are not lost", func(t *testing.T) {
		wantPositions(t, stream(t, http.MethodGet, nil, fmt.Sprint(head-1)), head)
	})
	t.Run("afterPosition past the Last-Event-ID wins: the client asked for nothing before it", func(t *testing.T) {
		three := 3
		wantPositions(t, stream(t, http.MethodGet, &three, "1"), 4)
	})
	t.Run("a Last-Event-ID that is no position is refused", func(t *testing.T) {
		for _, id := range []string{"abc", "-1", "1.5"} {
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
