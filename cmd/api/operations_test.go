package main

import (
	"strings"
	"testing"
)

// TestOperationLimitPerConnection: --max-operations-per-connection bounds what one WebSocket
// connection runs at once, subscriptions and queries alike; one more is refused under its id
// with OPERATION_LIMIT_EXCEEDED, and another connection has its own.
func TestOperationLimitPerConnection(t *testing.T) {
	m, _ := startMain(t, "--store", "memory", "--max-operations-per-connection", "2")
	gql(t, newClient(t, m.URL()+"/graphql"), createRestaurant, map[string]any{"in": map[string]any{"name": "Trattoria", "menu": menu("m1")}})
	c := dialWS(t, m, "graphql-transport-ws", nil)
	if ack, status, _ := c.init(map[string]any{}); !ack {
		t.Fatalf("init: closed %d", status)
	}
	for _, id := range []string{"1", "2"} {
		c.subscribe(id, `subscription { events(afterPosition: 0) { type } }`)
		if m := c.next(); m.ID != id || m.Type != "next" {
			t.Fatalf("got %s %s %s, want the first event of subscription %s", m.ID, m.Type, m.Payload, id)
		}
	}
	c.subscribe("q", `{ status { head } }`)
	if m := c.next(); m.ID != "q" || m.Type != "error" || payloadCode(t, m) != "OPERATION_LIMIT_EXCEEDED" {
		t.Fatalf("got %s %s %s, want the query refused", m.ID, m.Type, m.Payload)
	}
	other := dialWS(t, m, "graphql-transport-ws", nil)
	if ack, status, _ := other.init(map[string]any{}); !ack {
		t.Fatalf("init: closed %d", status)
	}
	other.subscribe("q", `{ status { head } }`)
	if m := other.next(); m.ID != "q" || m.Type != "next" || !strings.Contains(string(m.Payload), "head") {
		t.Fatalf("got %s %s %s, want the query's answer on another connection", m.ID, m.Type, m.Payload)
	}
}
