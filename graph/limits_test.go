package graph_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/graph/graphtest"
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
		if m := c.next("next", "b"); errorCode(t, m) != graph.CodeSubscriptionLimitExceeded {
			t.Fatalf("got %s, want %s", m.Payload, graph.CodeSubscriptionLimitExceeded)
		}
		c.next("complete", "b")
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
