package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/graph/graphtest"
)

func TestParseTraceparent(t *testing.T) {
	const valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	tests := []struct {
		in, tp, trace string
	}{
		{valid, valid, "4bf92f3577b34da6a3ce929d0e0e4736"},
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", "4bf92f3577b34da6a3ce929d0e0e4736"},
		// A later version may add fields, which are dropped; version 00 may not.
		{"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "4bf92f3577b34da6a3ce929d0e0e4736"},
		{"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "4bf92f3577b34da6a3ce929d0e0e4736"},
		{valid + "-x", "", ""},
		{"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x", "", ""},
		{"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "", ""},
		{"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "", ""}, // uppercase
		{"00-00000000000000000000000000000000-00f067aa0ba902b7-01", "", ""}, // no trace
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "", ""}, // no parent
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g", "", ""},
		{"00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01", "", ""},
		{"00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01", "", ""},
		{"", "", ""},
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", "", ""},
	}
	for _, tt := range tests {
		tp, trace, ok := parseTraceparent(tt.in)
		if tp != tt.tp || trace != tt.trace || ok != (tt.tp != "") {
			t.Errorf("parseTraceparent(%q) = %q, %q, %v; want %q, %q", tt.in, tp, trace, ok, tt.tp, tt.trace)
		}
	}
}

// TestMain_traceparent: a request's valid traceparent is written on the events its mutations
// append, carried on by the saga to the order it creates, and its trace id is on every line
// logged for the request; a header that is not valid, or given twice, is ignored.
func TestMain_traceparent(t *testing.T) {
	const (
		tp    = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
		trace = "4bf92f3577b34da6a3ce929d0e0e4736"
	)
	m := NewMain()
	logs := runMain(t, m, "--store", "memory", "--log-format", "json")
	traced := graphtest.New(m.URL()+"/graphql", graphtest.WithHTTPClient(httpClient(t)), graphtest.WithHeader("traceparent", tp))
	const withEvents = `mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { position events { metadata } } }`
	gql(t, traced, createRestaurant, map[string]any{"in": map[string]any{"id": "r1", "name": "Trattoria", "menu": menu("m1")}})
	placed := decode[struct {
		PlaceOrder struct {
			Position int64
			Events   []struct{ Metadata map[string]string }
		}
	}](t, gql(t, traced, withEvents, map[string]any{"in": map[string]any{"restaurantId": "r1", "orderId": "o1", "menuItemIds": []string{"m1"}, "commandId": "c-traced"}})).PlaceOrder
	if got := placed.Events[0].Metadata["traceparent"]; got != tp {
		t.Errorf("the placement's metadata %v: traceparent %q, want %q", placed.Events[0].Metadata, got, tp)
	}
	// The saga's OrderCreated carries it on.
	c := newClient(t, m.URL()+"/graphql")
	created := decode[struct {
		Events []struct {
			Type     string
			Metadata map[string]string
		}
	}](t, func() json.RawMessage {
		// Two queries: root fields resolve concurrently, and an events field beside the order
		// one would read the log before minPosition's wait saw the saga write the order.
		gql(t, c, `query($p: Int64) { order(id: "o1", minPosition: $p) { id } }`, map[string]any{"p": placed.Position})
		return gql(t, c, `{ events(streamId: "order-o1") { type metadata } }`, nil)
	}())
	if len(created.Events) != 1 || created.Events[0].Metadata["traceparent"] != tp {
		t.Errorf("the order's events %+v: want OrderCreated with traceparent %q", created.Events, tp)
	}
	// Every line of the traced requests has the trace id.
	line := logs.await(t, "the placement's request line", func(l string) bool {
		return strings.Contains(l, `"msg":"request"`) && strings.Contains(l, `"field":"placeOrder"`)
	})
	var got struct{ TraceID, RequestID string }
	if err := json.Unmarshal([]byte(line), &got); err != nil || got.TraceID != trace || got.RequestID == "" {
		t.Errorf("request line %s: want traceId %s beside requestId", line, trace)
	}

	// Not valid, or two: ignored.
	for _, headers := range [][]string{
		{"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"},
		{"00-00000000000000000000000000000000-00f067aa0ba902b7-01"},
		{tp, tp},
	} {
		opts := []graphtest.Option{graphtest.WithHTTPClient(httpClient(t))}
		for _, h := range headers {
			opts = append(opts, graphtest.WithHeader("traceparent", h))
		}
		res := decode[struct {
			PlaceOrder struct {
				Events []struct{ Metadata map[string]string }
			}
		}](t, gql(t, graphtest.New(m.URL()+"/graphql", opts...), withEvents, map[string]any{"in": map[string]any{"restaurantId": "r1", "menuItemIds": []string{"m1"}}})).PlaceOrder
		if md := res.Events[0].Metadata; md["traceparent"] != "" {
			t.Errorf("traceparent %q: metadata %v, want none", headers, md)
		}
	}
	if strings.Count(logs.String(), `"traceId"`) != strings.Count(logs.String(), `"traceId":"`+trace+`"`) {
		t.Errorf("a line has another trace id than %s:\n%s", trace, logs.String())
	}
}
