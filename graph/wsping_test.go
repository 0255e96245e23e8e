package graph_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/graph/graphtest"
)

// dialPinged opens a connection with the subprotocol whose client reports each RFC 6455
// ping on the returned channel and answers it with a pong only when answer is true.
func dialPinged(tb testing.TB, e *env, proto graphtest.Protocol, answer bool) (*wsClient, <-chan struct{}) {
	tb.Helper()
	pings := make(chan struct{}, 1000)
	conn, _, err := websocket.Dial(testContext(tb), "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/graphql", &websocket.DialOptions{
		HTTPClient:   e.http,
		Subprotocols: []string{string(proto)},
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

// TestHandler_cutsAPeerThatAnswersNoPing checks that a client that answers no ping is cut
// off, and its subscription ended, some keep-alive intervals after a ping, over either
// protocol: graphql-transport-ws has a ping message of its own, which gqlgen sends; the
// legacy graphql-ws has none, and the server sends RFC 6455 pings. Before, such a legacy
// client (a phone that lost its network) held its connection and subscriptions until TCP
// gave up on it. The client here keeps reading (the "ka" or "ping" messages), but answers
// none of them.
func TestHandler_cutsAPeerThatAnswersNoPing(t *testing.T) {
	for _, tt := range []struct {
		proto        graphtest.Protocol
		start, alive string // the message that starts a subscription, and the server's keep-alive
	}{
		{graphtest.TransportWS, "subscribe", `{"type":"ping"`},
		{graphtest.LegacyWS, "start", `{"type":"ka"}`},
	} {
		t.Run(string(tt.proto), func(t *testing.T) {
			ended := make(subscriptionEnds, 8)
			e := newEnv(t, withConfig(graph.Config{KeepAlive: 50 * time.Millisecond, Observer: ended}))
			c, rfcPings := dialPinged(t, e, tt.proto, false)
			c.init()
			c.start(tt.start, "1", `subscription Quiet { events(afterPosition: 0) { position } }`)
			ctx := testContext(t) // one bound for every read: keep-alives come all the time
			var err error
			alives := 0
			for err == nil {
				var b []byte
				if _, b, err = c.conn.Read(ctx); err == nil {
					if !strings.HasPrefix(string(b), tt.alive) {
						t.Fatalf("got %s, want the connection cut", b)
					}
					alives++
				}
			}
			switch {
			case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
				t.Fatalf("the connection was not cut: %v", err)
			case websocket.CloseStatus(err) != -1:
				t.Fatalf("closed with a close frame (%v), want the connection dropped", err)
			}
			if tt.proto == graphtest.LegacyWS && len(rfcPings) == 0 || tt.proto == graphtest.TransportWS && alives == 0 {
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
		})
	}
}

// TestHandler_graphqlWSKeepsAPeerThatAnswersPings checks that a graphql-ws client that
// answers the pings is served on long after two intervals.
func TestHandler_graphqlWSKeepsAPeerThatAnswersPings(t *testing.T) {
	ended := make(subscriptionEnds, 8)
	const interval = 200 * time.Millisecond
	e := newEnv(t, withConfig(graph.Config{KeepAlive: interval, Observer: ended}))
	c, pings := dialPinged(t, e, graphtest.LegacyWS, true)
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
	wait := testContext(t)
	for i := range 5 { // over 2 intervals from the first ping to the last
		select {
		case <-pings:
		case err := <-errs:
			t.Fatalf("connection ended: %v", err)
		case <-wait.Done():
			t.Fatalf("%d pings in %v", i, 20*time.Second)
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

// TestHandler_keepsASteadySlowReaderOfALargeMessage checks that a client that reads slowly
// but steadily (~80 KB/s) and answers every ping gets an answer of ~440 KB in one message
// (over 5 s), over either protocol, with a ping due every second. Before, a graphql-ws
// connection was cut: its RFC 6455 ping waited for the library's write lock behind the data
// frame, and gave up (coder/websocket allows a ping 5 s) before it was even sent (found by
// review).
func TestHandler_keepsASteadySlowReaderOfALargeMessage(t *testing.T) {
	for _, proto := range []graphtest.Protocol{graphtest.TransportWS, graphtest.LegacyWS} {
		t.Run(string(proto), func(t *testing.T) {
			t.Parallel()
			slowReaderGetsItsAnswer(t, proto, graph.Config{KeepAlive: time.Second, StreamWriteTimeout: 3 * time.Second}, 4, 3)
		})
	}
}

// dialSlow opens a WebSocket with the subprotocol over a slowConn (a steady reader of
// ~80 KB/s, see wstimeout_test.go) with a 64 KiB receive buffer.
func dialSlow(tb testing.TB, e *env, proto graphtest.Protocol) *websocket.Conn {
	tb.Helper()
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			if tcp, ok := conn.(*net.TCPConn); ok {
				_ = tcp.SetReadBuffer(64 << 10)
			}
			return slowConn{conn}, nil
		},
	}}
	tb.Cleanup(hc.CloseIdleConnections)
	conn, _, err := websocket.Dial(testContext(tb), "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/graphql", &websocket.DialOptions{
		HTTPClient:   hc,
		Subprotocols: []string{string(proto)},
	})
	if err != nil {
		tb.Fatalf("dial: %v", err)
	}
	tb.Cleanup(func() { _ = conn.CloseNow() })
	conn.SetReadLimit(64 << 20)
	return conn
}

// slowReaderGetsItsAnswer runs a query of `events` big events over a steady slow reader that
// answers every ping, idle after connection_ack until the server's keep-alive messages came
// pings times, and fails unless the whole answer comes.
func slowReaderGetsItsAnswer(t *testing.T, proto graphtest.Protocol, cfg graph.Config, events, pings int) {
	e := newEnv(t, withConfig(cfg))
	big := bigMenu()
	for n := range events { // ~110 KB each, all in one answer
		e.create(t, map[string]any{"id": fmt.Sprintf("r%d", n), "name": "Big", "menu": big})
	}
	conn := dialSlow(t, e, proto)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	send := func(m wsMsg) error {
		b, _ := json.Marshal(m)
		return conn.Write(ctx, websocket.MessageText, b)
	}
	start, dataType := "subscribe", "next"
	if proto == graphtest.LegacyWS {
		start, dataType = "start", "data"
	}
	if err := send(wsMsg{Type: "connection_init", Payload: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	// A well-behaved client: it reads all the time (the library answers RFC 6455 pings as
	// it reads) and answers the protocol's pings.
	got := make(chan wsMsg, 16)
	keptAlive := make(chan struct{}, 16) // a keep-alive message came (ka, or a ping answered)
	errs := make(chan error, 1)
	done := make(chan struct{})
	defer func() {
		_ = conn.CloseNow()
		<-done
	}()
	go func() {
		defer close(done)
		for {
			_, b, err := conn.Read(ctx)
			if err != nil {
				errs <- err
				return
			}
			var m wsMsg
			if err := json.Unmarshal(b, &m); err != nil {
				errs <- err
				return
			}
			switch m.Type {
			case "pong":
			case "ka", "ping":
				if m.Type == "ping" {
					_ = send(wsMsg{Type: "pong"})
				}
				select {
				case keptAlive <- struct{}{}:
				default: // the ones after the idle wait are not counted
				}
			default:
				got <- m
			}
		}
	}()
	wait := func(typ string) wsMsg {
		t.Helper()
		select {
		case m := <-got:
			if m.Type != typ {
				t.Fatalf("got %s %s, want %s", m.Type, m.Payload, typ)
			}
			return m
		case err := <-errs:
			t.Fatalf("the connection of a client that read steadily and answered every ping ended: %v", err)
		case <-ctx.Done():
			t.Fatal("timed out")
		}
		return wsMsg{}
	}
	wait("connection_ack")
	// Idle: the server's pings answered (graphql-ws sends its first ka with connection_ack).
	for range pings {
		select {
		case <-keptAlive:
		case err := <-errs:
			t.Fatalf("the connection ended while idle: %v", err)
		case <-ctx.Done():
			t.Fatal("timed out waiting for the server's keep-alive messages")
		}
	}
	query := fmt.Sprintf(`{"query":"query Big { events(first: %d) { position data } }"}`, events)
	if err := send(wsMsg{ID: "1", Type: start, Payload: json.RawMessage(query)}); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	m := wait(dataType)
	t.Logf("%d bytes in %v", len(m.Payload), time.Since(began))
	wait("complete")
}
