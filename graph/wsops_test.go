package graph_test

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/graph/graphtest"
)

// wsProtocols are the two WebSocket subprotocols, with the type of their subscribe message.
var wsProtocols = []struct {
	proto graphtest.Protocol
	start string
}{
	{graphtest.TransportWS, "subscribe"},
	{graphtest.LegacyWS, "start"},
}

// refusedCode returns the code of an error message's first error ("" when it has none).
func refusedCode(tb testing.TB, m wsMsg) string {
	tb.Helper()
	var errs []graphtest.Error
	if err := json.Unmarshal(m.Payload, &errs); err != nil || len(errs) == 0 {
		tb.Fatalf("error message %s: want a list of errors (%v)", m.Payload, err)
	}
	code, _ := errs[0].Extensions["code"].(string)
	return code
}

// TestWebSocket_operationsPerConnectionBounded: one WebSocket connection runs at most
// MaxOperationsPerConnection operations at once, subscriptions and queries alike; one more
// is refused under its id with OPERATION_LIMIT_EXCEEDED, before it runs. Without the bound a
// client's 20,000 small subscribe messages made the server hold 20,000 goroutines.
func TestWebSocket_operationsPerConnectionBounded(t *testing.T) {
	const limit = 10
	for _, p := range wsProtocols {
		t.Run(string(p.proto), func(t *testing.T) {
			// No keep-alive: a read that waits for a message that is not coming fails in time.
			e := newEnv(t, withConfig(graph.Config{MaxOperationsPerConnection: limit, MaxSubscriptionsPerConnection: -1, KeepAlive: time.Hour}))
			c := e.dialWS(t, p.proto)
			c.init()
			before := runtime.NumGoroutine()
			const sent = 500
			for i := range sent {
				c.start(p.start, fmt.Sprint("s", i), `subscription { events { id } }`)
			}
			// The first limit run (live, silent); every later one is refused at once.
			for i := limit; i < sent; i++ {
				if m := c.next("error", fmt.Sprint("s", i)); refusedCode(t, m) != graph.CodeOperationLimitExceeded {
					t.Fatalf("refusal %s, want %s", m.Payload, graph.CodeOperationLimitExceeded)
				}
			}
			// The refused ones hold nothing: a subscription takes a few goroutines at most.
			if n := runtime.NumGoroutine() - before; n > 5*limit {
				t.Fatalf("%d more goroutines with %d operations running on the connection", n, limit)
			}

			// A query beside them is refused too, until an operation ends.
			c.start(p.start, "q", `{ status { head } }`)
			if m := c.next("error", "q"); refusedCode(t, m) != graph.CodeOperationLimitExceeded {
				t.Fatalf("refusal %s, want %s", m.Payload, graph.CodeOperationLimitExceeded)
			}
			// An operation the client stopped frees its slot at once: the protocol does not
			// tell the client when the server is done with it.
			stop := map[graphtest.Protocol]string{graphtest.TransportWS: "complete", graphtest.LegacyWS: "stop"}[p.proto]
			c.send(wsMsg{ID: "s0", Type: stop})
			// read skips the complete that graphql-ws still sends for the stopped s0, whenever
			// it comes.
			read := func() wsMsg {
				for {
					m := c.mustRead()
					if m.ID != "s0" || m.Type != "complete" || p.proto != graphtest.LegacyWS {
						return m
					}
				}
			}
			c.start(p.start, "q0", `{ status { head } }`)
			if m := read(); m.ID != "q0" || m.Type != "next" && m.Type != "data" {
				t.Fatalf("got %s %q %s, want the query's result", m.Type, m.ID, m.Payload)
			}
			if m := read(); m.ID != "q0" || m.Type != "complete" {
				t.Fatalf("got %s %q %s, want the query's complete", m.Type, m.ID, m.Payload)
			}
			// A query that ended frees its slot: the next runs at once.
			c.start(p.start, "again", `{ status { head } }`)
			if m := read(); m.ID != "again" || m.Type == "error" {
				t.Fatalf("got %s %q %s, want the query's result", m.Type, m.ID, m.Payload)
			}
		})
	}
}

// TestWebSocket_operationLimitReplacingAnID: over graphql-ws a start under an id that runs
// an operation replaces it, also at the limit: the old operation is stopped first, so the
// client's only operation can be restarted.
func TestWebSocket_operationLimitReplacingAnID(t *testing.T) {
	e := newEnv(t, withConfig(graph.Config{MaxOperationsPerConnection: 1, KeepAlive: time.Hour}))
	e.create(t, restaurantInput("r1", "a"))
	c := e.dialWS(t, graphtest.LegacyWS)
	c.init()
	c.start("start", "a", `subscription { events(afterPosition: 0) { id } }`)
	c.next("data", "a")
	c.start("start", "a", `subscription { events(afterPosition: 0) { streamId } }`)
	if m := c.next("data", "a"); !strings.Contains(string(m.Payload), "streamId") {
		t.Fatalf("got %s, want the restarted subscription's first event", m.Payload)
	}
}

// mustRead is read, failing the test on an error.
func (c *wsClient) mustRead() wsMsg {
	c.tb.Helper()
	m, err := c.read()
	if err != nil {
		c.tb.Fatalf("read: %v", err)
	}
	return m
}

// An operation refused over the limit is reported to the observer (metrics, the access
// log) as an Operation without a Type, whose Codes are [OPERATION_LIMIT_EXCEEDED]: the guard
// refuses it before gqlgen sees it.
func TestWebSocket_operationLimitObserved(t *testing.T) {
	rec := newOpRecorder()
	e := newEnv(t, withConfig(graph.Config{Observer: rec, MaxOperationsPerConnection: 1}))
	c := e.dialWS(t, graphtest.TransportWS)
	c.init()
	c.start("subscribe", "live", `subscription { events { id } }`)
	recv(t, rec.started)
	c.start("subscribe", "q", `{ status { head } }`)
	if m := c.next("error", "q"); refusedCode(t, m) != graph.CodeOperationLimitExceeded {
		t.Fatalf("refusal %s", m.Payload)
	}
	if op := recv(t, rec.ops); op.Type != "" || len(op.Codes) != 1 || op.Codes[0] != graph.CodeOperationLimitExceeded {
		t.Fatalf("reported %+v, want an operation without a type refused with %s", op, graph.CodeOperationLimitExceeded)
	}
}

// TestWebSocket_resubscribeAtTheLimit: a client that completes (stops) its operation and at
// once starts another, as graphql-ws clients do when a subscription's variables change, is
// never refused for the one it stopped, even at a limit of one operation. It was, nine times
// in ten: the stopped operation held its place until the server had ended it.
func TestWebSocket_resubscribeAtTheLimit(t *testing.T) {
	for _, p := range wsProtocols {
		t.Run(string(p.proto), func(t *testing.T) {
			e := newEnv(t, withConfig(graph.Config{MaxOperationsPerConnection: 1, KeepAlive: time.Hour}))
			e.create(t, restaurantInput("r1", "a"))
			c := e.dialWS(t, p.proto)
			c.init()
			stop := map[graphtest.Protocol]string{graphtest.TransportWS: "complete", graphtest.LegacyWS: "stop"}[p.proto]
			const q = `subscription { events(afterPosition: 0) { id } }`
			prev := "s0"
			c.start(p.start, prev, q)
			for m := c.mustRead(); m.ID != prev || m.Type == "complete"; m = c.mustRead() {
			}
			for i := 1; i <= 30; i++ {
				c.send(wsMsg{ID: prev, Type: stop})
				id := fmt.Sprint("s", i)
				c.start(p.start, id, q)
				for {
					m := c.mustRead()
					if m.ID != id {
						continue // the stopped one's complete (graphql-ws)
					}
					if m.Type == "error" {
						t.Fatalf("round %d: %s, right after a %s of the only operation", i, m.Payload, stop)
					}
					break
				}
				prev = id
			}
		})
	}
}
