package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/graph/graphtest"
)

// subscriptionEnds is a graph.Observer that reports the name of each subscription that ends,
// followed by its codes: "Name" or "Name CODE ...".
type subscriptionEnds chan string

func (s subscriptionEnds) OperationDone(_ context.Context, op graph.Operation) {
	if op.Type != "subscription" {
		return
	}
	select {
	case s <- strings.Join(append([]string{op.Name}, op.Codes...), " "):
	default: // never block the server
	}
}

func (subscriptionEnds) SubscriptionStarted(context.Context, string) func() { return func() {} }

// TestConfig_StreamWriteTimeout checks that a WebSocket subscriber that stops reading is
// disconnected once a write to it has waited StreamWriteTimeout: the server tears its
// connection down and its subscription ends with CodeSlowConsumer, while a subscriber that
// reads is served on.
// Before, the write waited forever, holding the connection's goroutines and the messages
// pending for it (200 connections of 100 subscriptions took a server to 7 GB).
func TestConfig_StreamWriteTimeout(t *testing.T) {
	for _, proto := range []graphtest.Protocol{graphtest.TransportWS, graphtest.LegacyWS} {
		t.Run(string(proto), func(t *testing.T) {
			ended := make(subscriptionEnds, 8)
			closed := make(chan struct{}) // closed once the stalled client's connection was torn down
			var once sync.Once
			e := newEnv(t, withConfig(graph.Config{
				StreamWriteTimeout: 200 * time.Millisecond,
				KeepAlive:          time.Hour, // no ping-pong deadline closes the stalled client
				Observer:           ended,
			}), withServed(func(r *http.Request) {
				if r.Header.Get(stalledHeader) != "" {
					once.Do(func() { close(closed) })
				}
			}))
			reader := e.subscribe(t, string(proto), `subscription Reading { events(afterPosition: 0) { position } }`, nil)

			stalled := dialStalled(t, e, proto)
			stalled.init()
			start := "subscribe"
			if proto == graphtest.LegacyWS {
				start = "start"
			}
			stalled.start(start, "1", `subscription Stalled { events(afterPosition: 0) { position data } }`)

			// Events of ~110 KB each, until the socket's buffers are full, a write to the
			// stalled client waits and the server gives up on it. The reader takes each.
			// maxEvents (55 MB) is far more than the buffers hold.
			const maxEvents = 500
			big := bigMenu()
			for n := 1; n <= maxEvents && !isClosed(closed); n++ {
				res := e.create(t, map[string]any{"id": fmt.Sprintf("r%d", n), "name": "Big", "menu": big})
				var got struct{ Events struct{ Position int64 } }
				next(t, reader, &got)
				if got.Events.Position != res.Position {
					t.Fatalf("the reader got event %d, want %d", got.Events.Position, res.Position)
				}
			}
			select {
			case <-closed:
			case <-testContext(t).Done():
				t.Fatal("the connection of a client that stopped reading is still served")
			}
			// It ended as cut off (found by review: it was reported as ending well).
			if name := recv(t, ended); name != "Stalled "+graph.CodeSlowConsumer {
				t.Fatalf("subscription %q ended, want Stalled with code %s", name, graph.CodeSlowConsumer)
			}

			// The reader is served on.
			res := e.create(t, map[string]any{"id": "after", "name": "After", "menu": menu("a")})
			var got struct{ Events struct{ Position int64 } }
			next(t, reader, &got)
			if got.Events.Position != res.Position {
				t.Fatalf("the reader got event %d, want %d", got.Events.Position, res.Position)
			}
			select {
			case name := <-ended:
				t.Fatalf("subscription %q ended too", name)
			default:
			}
		})
	}
}

// isClosed reports whether ch is closed.
func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// stalledHeader marks the upgrade request of dialStalled's connections.
const stalledHeader = "X-Test-Stalled"

// dialStalled opens a WebSocket to the env's server over a TCP connection with a small
// receive buffer (4 KiB), so that a client that does not read makes the server's writes
// wait soon. Its upgrade request carries stalledHeader.
func dialStalled(tb testing.TB, e *env, proto graphtest.Protocol) *wsClient {
	tb.Helper()
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if tcp, ok := conn.(*net.TCPConn); ok {
				_ = tcp.SetReadBuffer(4096)
			}
			return conn, err
		},
	}}
	tb.Cleanup(hc.CloseIdleConnections)
	conn, _, err := websocket.Dial(testContext(tb), "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/graphql", &websocket.DialOptions{
		HTTPClient:   hc,
		HTTPHeader:   http.Header{stalledHeader: {"1"}},
		Subprotocols: []string{string(proto)},
	})
	if err != nil {
		tb.Fatalf("dial: %v", err)
	}
	tb.Cleanup(func() { _ = conn.CloseNow() })
	return &wsClient{tb: tb, conn: conn}
}

// slowConn reads at most 4 KiB at a time, 50 ms apart: a client on a slow link.
type slowConn struct{ net.Conn }

func (c slowConn) Read(p []byte) (int, error) {
	time.Sleep(50 * time.Millisecond) // the link's pace, not a wait for the server
	return c.Conn.Read(p[:min(len(p), 4096)])
}

// TestConfig_StreamWriteTimeout_slowButSteadyReader checks that a WebSocket subscriber that
// keeps reading, but slowly, is served on: the timeout bounds each 32 KiB of a write
// (TestProgressConn_boundsEachChunk), and the connection's small send buffer lets a write
// progress as the client reads. Before, such a client was cut off at every event of 110 KB.
// Its receive buffer is 64 KiB, as loopback's segments are: with a smaller one the window
// reopens only on the sender's zero-window probes, whose interval doubles whenever the
// reader is descheduled (an overloaded machine), until 32 KiB take longer than the timeout.
func TestConfig_StreamWriteTimeout_slowButSteadyReader(t *testing.T) {
	ended := make(subscriptionEnds, 8)
	e := newEnv(t, withConfig(graph.Config{StreamWriteTimeout: 3 * time.Second, KeepAlive: time.Hour, Observer: ended}))
	big := bigMenu()
	for n := range 40 { // 4.4 MB: more than the socket's buffers hold
		e.create(t, map[string]any{"id": fmt.Sprintf("r%d", n), "name": "Big", "menu": big})
	}
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if tcp, ok := conn.(*net.TCPConn); ok {
				_ = tcp.SetReadBuffer(64 << 10)
			}
			if err != nil {
				return nil, err
			}
			return slowConn{conn}, nil
		},
	}}
	t.Cleanup(hc.CloseIdleConnections)
	c := e.dialWSWith(t, graphtest.TransportWS, hc)
	c.conn.SetReadLimit(1 << 20)
	c.init()
	c.start("subscribe", "1", `subscription Slow { events(afterPosition: 0) { position data } }`)
	for want := 1; want <= 3; want++ { // ~110 KB each
		var got struct {
			Data struct{ Events struct{ Position int } }
		}
		if m := c.next("next", "1"); json.Unmarshal(m.Payload, &got) != nil || got.Data.Events.Position != want {
			t.Fatalf("got event %d (%d bytes), want event %d", got.Data.Events.Position, len(m.Payload), want)
		}
	}
	select {
	case name := <-ended:
		t.Fatalf("subscription %q ended although its client kept reading", name)
	default:
	}
}

// bigMenu returns a menu input of the most items a menu holds, each with a name of 200
// characters: its RestaurantCreated event is some 110 KB.
func bigMenu() map[string]any {
	items := make([]string, restaurant.MaxMenuItems)
	for i := range items {
		items[i] = fmt.Sprintf("i%d", i)
	}
	m := menu(items...)
	for _, it := range m["menuItems"].([]map[string]any) {
		it["name"] = strings.Repeat("x", restaurant.MaxNameLength)
	}
	return m
}
