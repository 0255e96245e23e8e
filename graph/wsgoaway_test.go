package graph_test

import (
	"testing"

	"github.com/coder/websocket"
)

// TestSubscriptions_storeClosedClosesWebSocket: over a WebSocket, a subscription whose store
// closes under it closes the connection with 1001 Going Away, as the server's shutdown does,
// rather than completing: a complete would tell the client its subscription ended for good.
func TestSubscriptions_storeClosedClosesWebSocket(t *testing.T) {
	for _, p := range wsProtocols {
		t.Run(string(p.proto), func(t *testing.T) {
			e := newEnv(t)
			e.create(t, restaurantInput("r1", "a"))
			c := e.dialWS(t, p.proto)
			c.init()
			c.start(p.start, "1", `subscription { events(afterPosition: 0) { streamId } }`)
			if m := c.mustRead(); m.ID != "1" || (m.Type != "next" && m.Type != "data") {
				t.Fatalf("got %s %q %s, want the first event", m.Type, m.ID, m.Payload)
			}
			if err := e.store.Close(); err != nil {
				t.Fatal(err)
			}
			c.closed(websocket.StatusGoingAway, "server shutting down")
		})
	}
}
