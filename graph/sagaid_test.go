package graph_test

import (
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/graph"
)

// TestSagaCommandIDs_notTakenByAClient: the order saga's CreateOrder carries a command id
// that a client cannot send (its "saga/" prefix is outside the characters of a commandId),
// so a client that computes or reads it cannot make the saga's command fail as
// COMMAND_ID_REUSED.
func TestSagaCommandIDs_notTakenByAClient(t *testing.T) {
	e := newEnv(t)
	e.create(t, restaurantInput("r1", "a"))
	placed := e.place(t, map[string]any{"restaurantId": "r1", "orderId": "o1", "menuItemIds": []string{"a"}})
	// Waiting for the saga (minPosition) and reading its event take two requests: a query's
	// root fields resolve concurrently, so an events field beside the order field read the
	// log before the saga had written to it.
	var order struct{ Order struct{ ID string } }
	e.must(t, `query($p: Int64) { order(id: "o1", minPosition: $p) { id } }`, map[string]any{"p": placed.Position}, &order)
	var got struct {
		Events []struct{ Metadata map[string]string }
	}
	e.must(t, `{ events(types: ["OrderCreated"]) { metadata } }`, nil, &got)
	if len(got.Events) != 1 {
		t.Fatalf("events %+v, want the saga's OrderCreated", got.Events)
	}
	id := got.Events[0].Metadata["commandId"]
	if !eventsourcing.IsSagaCommandID(id) {
		t.Fatalf("the saga's command id %q does not have the saga's form", id)
	}
	before := e.head(t)
	in := map[string]any{"restaurantId": "r1", "orderId": "o2", "menuItemIds": []string{"a"}, "commandId": id}
	ge := e.wantCode(t, graph.CodeBadUserInput, `mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { id } }`, map[string]any{"in": in})
	if ge.Extensions["field"] != "input.commandId" {
		t.Fatalf("error %+v, want it to name input.commandId", ge)
	}
	if after := e.head(t); after != before {
		t.Fatalf("a refused command wrote: head %d → %d", before, after)
	}
	// The same id without the prefix (the form earlier releases used) is a client's like any.
	in["commandId"] = strings.TrimPrefix(id, "saga/")
	if r := e.place(t, in); r.ID != "o2" || r.Duplicate {
		t.Fatalf("placement under the former form of the id: %+v, want order o2 placed", r)
	}
}
