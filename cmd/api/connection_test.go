package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/eventgraph/eventgraph/graph/graphtest"
)

func TestSubscriptionLimitPerConnection(t *testing.T) {
	m, _ := startMain(t, "--store", "memory", "--max-subscriptions-per-connection", "2")
	mutate := newClient(t, m.URL()+"/graphql")
	create := func() {
		gql(t, mutate, createRestaurant, map[string]any{"in": map[string]any{"name": "Trattoria", "menu": menu("m1")}})
	}
	create() // so that each subscription from position 0 answers at once
	const sub = `subscription { events(afterPosition: 0) { type } }`
	c := dialWS(t, m, "graphql-transport-ws", nil)
	if ack, status, _ := c.init(map[string]any{}); !ack {
		t.Fatalf("init: closed %d", status)
	}
	// subscribed starts a subscription and waits for its first event: it holds a slot.
	subscribed := func(id string) {
		t.Helper()
		c.subscribe(id, sub)
		if m := c.next(); m.ID != id || m.Type != "next" || payloadCode(t, m) != "" {
			t.Fatalf("got %s %s %s, want the first event of subscription %s", m.ID, m.Type, m.Payload, id)
		}
	}
	subscribed("1")
	subscribed("2")

	t.Run("the subscription over the limit is refused", func(t *testing.T) {
		c.subscribe("3", sub)
		m := c.next()
		if m.ID != "3" || payloadCode(t, m) != "SUBSCRIPTION_LIMIT_EXCEEDED" {
			t.Fatalf("got %s %s %s, want subscription 3 refused", m.ID, m.Type, m.Payload)
		}
		if m := c.next(); m.ID != "3" || m.Type != "complete" {
			t.Fatalf("got %s %s, want subscription 3 complete", m.ID, m.Type)
		}
	})
	t.Run("the subscriptions within the limit stream", func(t *testing.T) {
		create()
		got := map[string]bool{}
		for range 2 {
			m := c.next()
			if m.Type != "next" || !strings.Contains(string(m.Payload), "RestaurantCreated") {
				t.Fatalf("got %s %s %s", m.ID, m.Type, m.Payload)
			}
			got[m.ID] = true
		}
		if !got["1"] || !got["2"] {
			t.Fatalf("events for %v, want 1 and 2", got)
		}
	})
	t.Run("a stopped subscription frees its slot", func(t *testing.T) {
		// graphql-transport-ws sends nothing more for an operation the client completed; the
		// slot it frees is awaited by the next subscription.
		c.send(wsMsg{ID: "1", Type: "complete"})
		subscribed("4")
	})
	t.Run("another connection has its own limit", func(t *testing.T) {
		other := dialWS(t, m, "graphql-transport-ws", nil)
		if ack, status, _ := other.init(map[string]any{}); !ack {
			t.Fatalf("init: closed %d", status)
		}
		other.subscribe("1", sub)
		if m := other.next(); m.Type != "next" || payloadCode(t, m) != "" {
			t.Fatalf("got %s %s", m.Type, m.Payload)
		}
	})
}

func TestWebSocketMessageLimit(t *testing.T) {
	m, _ := startMain(t, "--store", "memory", "--max-body-bytes", "4096")
	t.Run("a message under the limit is served", func(t *testing.T) {
		c := dialWS(t, m, "graphql-transport-ws", nil)
		if ack, status, _ := c.init(map[string]any{"pad": strings.Repeat("x", 3000)}); !ack {
			t.Fatalf("init: closed %d", status)
		}
	})
	t.Run("a message over the limit closes the connection with 1009", func(t *testing.T) {
		c := dialWS(t, m, "graphql-transport-ws", nil)
		ack, status, _ := c.init(map[string]any{"pad": strings.Repeat("x", 5000)})
		if ack || status != websocket.StatusMessageTooBig {
			t.Fatalf("ack %v close %d, want close 1009", ack, status)
		}
	})
}

// rawConn opens a TCP connection to the server.
func rawConn(tb testing.TB, m *Main) net.Conn {
	tb.Helper()
	var d net.Dialer
	conn, err := d.DialContext(testCtx(tb), "tcp", m.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close() })
	// A bound so a server that never closes fails the test instead of hanging it.
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	return conn
}

// closedByServer reads conn until the server closes it and returns what it sent; it fails
// the test if the connection stays open until the bound.
func closedByServer(tb testing.TB, conn net.Conn) string {
	tb.Helper()
	b, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		tb.Fatalf("the server kept the connection open (read %q)", b)
	}
	return string(b)
}

func TestTimeouts(t *testing.T) {
	// Short enough for a quick test, long enough for an overloaded machine: a request must
	// still be served, and an error written, within them.
	m, _ := startMain(t, "--store", "memory", "--read-header-timeout", "500ms", "--read-timeout", "700ms",
		"--write-timeout", "2s", "--idle-timeout", "500ms", "--consistency-timeout", "4s", "--keep-alive", "1s")

	t.Run("headers that do not arrive in time close the connection", func(t *testing.T) {
		conn := rawConn(t, m)
		fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n") // and no more
		closedByServer(t, conn)
	})
	t.Run("a body that does not arrive in time is refused", func(t *testing.T) {
		conn := rawConn(t, m)
		fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"query\":")
		if got := closedByServer(t, conn); got != "" && !strings.HasPrefix(got, "HTTP/1.1 408") {
			t.Fatalf("got %q, want a 408 or a closed connection", got)
		}
	})
	t.Run("an idle kept-alive connection is closed", func(t *testing.T) {
		conn := rawConn(t, m)
		fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /healthz: %v %v", resp, err)
		}
		resp.Body.Close()
		closedByServer(t, conn)
	})
	t.Run("a request that would outlast the write timeout is answered in time", func(t *testing.T) {
		// The query would wait up to --consistency-timeout (4s) for a position never
		// reached: longer than --write-timeout (2s), past which no answer can be written.
		// Its context ends first, so it gets its error instead of a cut connection.
		r, err := newClient(t, m.URL()+"/graphql").Query(testCtx(t), `{ restaurant(id: "r1", minPosition: 1000) { name } }`, nil)
		if err != nil {
			t.Fatalf("the connection was cut: %v; want an answer", err)
		}
		if r.Code() != "CONSISTENCY_TIMEOUT" {
			t.Fatalf("got %v, want CONSISTENCY_TIMEOUT", r.Errors)
		}
	})
	t.Run("a quick request is served", func(t *testing.T) {
		gql(t, newClient(t, m.URL()+"/graphql"), `{ status { head } }`, nil)
	})
	t.Run("subscription streams outlive the read and write timeouts", func(t *testing.T) {
		// One connection, first used by an ordinary request: its write deadline must not
		// stay on the connection for the SSE stream that follows on it.
		one := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}}
		t.Cleanup(one.CloseIdleConnections)
		sseClient := graphtest.New(m.URL()+"/graphql", graphtest.WithHTTPClient(one))
		gql(t, sseClient, `{ status { head } }`, nil)
		sse, err := sseClient.SubscribeSSE(testCtx(t), `subscription { events(afterPosition: 0) { type } }`, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer sse.Close()
		ws, err := newClient(t, m.URL()+"/graphql").SubscribeWS(testCtx(t), graphtest.TransportWS, `subscription { events(afterPosition: 0) { type } }`, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		// An EventSource's GET stream, too.
		getCtx, cancelGet := context.WithTimeout(testCtx(t), 20*time.Second)
		defer cancelGet()
		req, err := http.NewRequestWithContext(getCtx, http.MethodGet,
			m.URL()+"/graphql?query="+url.QueryEscape(`subscription { events(afterPosition: 0) { type } }`), nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", "text/event-stream")
		get, err := httpClient(t).Do(req)
		if err != nil || get.StatusCode != http.StatusOK || get.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("GET stream: %v %v", get, err)
		}
		defer get.Body.Close()
		// Let every timeout pass (this waits on purpose: the subject is time itself).
		time.Sleep(2500 * time.Millisecond)
		gql(t, newClient(t, m.URL()+"/graphql"), createRestaurant, map[string]any{"in": map[string]any{"name": "Trattoria", "menu": menu("m1")}})
		for name, s := range map[string]*graphtest.Subscription{"SSE": sse, "WebSocket": ws} {
			ctx, cancel := context.WithTimeout(testCtx(t), 10*time.Second)
			r, err := s.Next(ctx)
			cancel()
			if err != nil || !strings.Contains(string(r.Data), "RestaurantCreated") {
				t.Errorf("%s after the timeouts: %v %+v", name, err, r)
			}
		}
		sc := bufio.NewScanner(get.Body)
		for sc.Scan() && !strings.Contains(sc.Text(), "RestaurantCreated") {
		}
		if sc.Err() != nil || !strings.Contains(sc.Text(), "RestaurantCreated") {
			t.Errorf("GET stream after the timeouts: %v, last line %q", sc.Err(), sc.Text())
		}
	})
}

func TestParseConfig_security(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"--max-depth", "-1"}, "--max-depth"},
		{[]string{"--max-subscriptions-per-connection", "-1"}, "--max-subscriptions-per-connection"},
		{[]string{"--read-timeout", "-1s"}, "timeout"},
		{[]string{"--idle-timeout", "-1s"}, "timeout"},
		{[]string{"--max-depth", "0", "--max-subscriptions-per-connection", "0", "--read-timeout", "0", "--write-timeout", "0"}, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, err := ParseConfig(tt.args, env(nil))
			if (err != nil) != (tt.wantErr != "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err %v, want %q", err, tt.wantErr)
			}
		})
	}
}
