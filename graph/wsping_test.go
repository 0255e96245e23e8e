package graph_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/graph/graphtest"
)

// dialPinged opens a graphql-ws connection whose client reports each RFC 6455 ping on the
// returned channel and answers it with a pong only when answer is true.
func dialPinged(tb testing.TB, e *env, answer bool) (*wsClient, <-chan struct{}) {
	tb.Helper()
	pings := make(chan struct{}, 1000)
	conn, _, err := websocket.Dial(testContext(tb), "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/graphql", &websocket.DialOptions{
		HTTPClient:   e.http,
		Subprotocols: []string{string(graphtest.LegacyWS)},
		OnPingReceived: func(context.Context, []byte) bool {
			select {
			case pings <- struct{}{}:
			default:
			}
			return answer
		},
	})
	if err != nil {
		tb.Fatalf("dial: %v", err)
	}
	tb.Cleanup(func() { _ = conn.CloseNow() })
	return &wsClient{tb: tb, conn: conn}, pings
}

// TestHandler_graphqlWSCutsAPeerThatAnswersNoPing checks that a graphql-ws client that
// stops answering the server's WebSocket pings is cut off, and its subscription ended, two
// keep-alive intervals after a ping. The legacy protocol has no ping of its own, and before,
// such a client (a phone that lost its network) held its connection and subscriptions until
// TCP gave up on it. The client here keeps reading (the "ka" messages), but sends no pong.
func TestHandler_graphqlWSCutsAPeerThatAnswersNoPing(t *testing.T) {
	ended := make(subscriptionEnds, 8)
	e := newEnv(t, withConfig(graph.Config{KeepAlive: 50 * time.Millisecond, Observer: ended}))
	c, pings := dialPinged(t, e, false)
	c.init()
	c.start("start", "1", `subscription Quiet { events(afterPosition: 0) { position } }`)
	ctx := testContext(t) // one bound for every read: "ka" messages come all the time
	var err error
	for err == nil {
		var b []byte
		if _, b, err = c.conn.Read(ctx); err == nil && !strings.Contains(string(b), `"ka"`) {
			t.Fatalf("got %s, want the connection cut", b)
		}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		t.Fatalf("the connection was not cut: %v", err)
	case websocket.CloseStatus(err) != -1:
		t.Fatalf("closed with a close frame (%v), want the connection dropped", err)
	}
	if len(pings) == 0 {
		t.Fatal("cut without a ping")
	}
	select {
	case name := <-ended:
		if name != "Quiet" {
			t.Errorf("subscription ended as %q, want Quiet", name)
		}
	case <-testContext(t).Done():
		t.Fatal("the subscription of the cut connection did not end")
	}
}

// TestHandler_graphqlWSKeepsAPeerThatAnswersPings checks that a graphql-ws client that
// answers the pings is served on long after two intervals.
func TestHandler_graphqlWSKeepsAPeerThatAnswersPings(t *testing.T) {
	ended := make(subscriptionEnds, 8)
	const interval = 200 * time.Millisecond
	e := newEnv(t, withConfig(graph.Config{KeepAlive: interval, Observer: ended}))
	c, pings := dialPinged(t, e, true)
	c.init()
	c.start("start", "1", `subscription Live { events(afterPosition: 0) { position } }`)
	msgs := make(chan wsMsg, 8)
	errs := make(chan error, 1)
	done := make(chan struct{})
	go func() { // pongs are sent while the client reads
		defer close(done)
		for {
			m, err := c.read()
			if err != nil {
				errs <- err
				return
			}
			msgs <- m
		}
	}()
	defer func() {
		_ = c.conn.CloseNow()
		<-done
	}()
	for range 5 { // over 2 intervals from the first ping to the last
		select {
		case <-pings:
		case err := <-errs:
			t.Fatalf("connection ended: %v", err)
		}
	}
	e.create(t, restaurantInput("r1", "Pizza"))
	select {
	case m := <-msgs:
		if m.Type != "data" || m.ID != "1" || !strings.Contains(string(m.Payload), `"position":1`) {
			t.Fatalf("got %s %q %s, want data 1 of position 1", m.Type, m.ID, m.Payload)
		}
	case err := <-errs:
		t.Fatalf("connection ended: %v", err)
	}
	select {
	case name := <-ended:
		t.Fatalf("subscription %q ended although its client answered every ping", name)
	default:
	}
}
