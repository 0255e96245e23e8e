package graph_test

import (
	"context"
	"maps"
	"net/http"
	"testing"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/graph/graphtest"
)

func TestWithCommandMetadata_merges(t *testing.T) {
	md := map[string]string{"tenant": "t1", "user": "u1"}
	first := graph.WithCommandMetadata(context.Background(), md)
	md["tenant"] = "changed by the caller"
	second := graph.WithCommandMetadata(first, map[string]string{"user": "u2", "traceparent": "tp"})
	if got, want := graph.CommandMetadata(first), map[string]string{"tenant": "t1", "user": "u1"}; !maps.Equal(got, want) {
		t.Errorf("first: %v, want %v (md copied, not changed by the second)", got, want)
	}
	if got, want := graph.CommandMetadata(second), map[string]string{"tenant": "t1", "user": "u2", "traceparent": "tp"}; !maps.Equal(got, want) {
		t.Errorf("second: %v, want %v", got, want)
	}
	if got := graph.CommandMetadata(graph.WithCommandMetadata(context.Background(), nil)); got != nil {
		t.Errorf("no metadata: %v, want nil", got)
	}
}

// TestHandler_commandMetadata: a server of its own puts metadata in the request's context
// (graph.WithCommandMetadata); every mutation writes it on its events, and the order saga
// carries it on to the order it creates. The handler's own keys may not be given.
func TestHandler_commandMetadata(t *testing.T) {
	md := map[string]string{"tenant": "t1"}
	e := newEnv(t, withMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := graph.WithCommandMetadata(r.Context(), md)
			if r.Header.Get("X-Own-Key") != "" {
				ctx = graph.WithCommandMetadata(ctx, map[string]string{"commandId": "forged"})
			}
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}))
	e.create(t, restaurantInput("r1", "a"))
	var placed struct {
		PlaceOrder struct {
			Position int64
			Events   []struct{ Metadata map[string]string }
		}
	}
	e.must(t, `mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { position events { metadata } } }`,
		map[string]any{"in": map[string]any{"restaurantId": "r1", "orderId": "o1", "menuItemIds": []string{"a"}}}, &placed)
	if got := placed.PlaceOrder.Events[0].Metadata["tenant"]; got != "t1" {
		t.Errorf("placement metadata %v: want tenant t1", placed.PlaceOrder.Events[0].Metadata)
	}
	var order struct {
		Events []struct{ Metadata map[string]string }
	}
	// Two queries: root fields resolve concurrently, and an events field beside the order one
	// would read the log before minPosition's wait saw the saga write the order.
	e.must(t, `query($p: Int64) { order(id: "o1", minPosition: $p) { id } }`, map[string]any{"p": placed.PlaceOrder.Position}, nil)
	e.must(t, `{ events(streamId: "order-o1") { metadata } }`, nil, &order)
	if len(order.Events) != 1 || order.Events[0].Metadata["tenant"] != "t1" {
		t.Errorf("the order's events %+v: want OrderCreated with tenant t1", order.Events)
	}

	// A key of the handler's own is the server's mistake, not the client's: nothing is written.
	own := graphtest.New(e.srv.URL+"/graphql", graphtest.WithHTTPClient(e.http), graphtest.WithHeader("X-Own-Key", "1"))
	resp, err := own.Query(testContext(t), `mutation($in: CreateRestaurantInput!) { createRestaurant(input: $in) { id } }`,
		map[string]any{"in": restaurantInput("r2", "a")})
	if err != nil || resp.Code() != graph.CodeInternal {
		t.Errorf("a mutation whose context holds commandId metadata: %+v, %v; want %s", resp, err, graph.CodeInternal)
	}
	head, err := e.store.Head(testContext(t))
	if err != nil || head != 3 {
		t.Errorf("the log's head is %d (%v), want the 3 events before: the refused mutation wrote nothing", head, err)
	}
}
