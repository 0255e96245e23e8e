package graph

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"

	"github.com/eventgraph/eventgraph/internal/clocktest"
)

// TestCoderConn_firstDeadline: the first read deadline gqlgen sets (two ping intervals
// from the start, when its second ping, which moves the deadline once the first was
// answered, falls due too) cuts the connection half its length later, so that the ping
// moves it first. A client that answered the first ping at once was cut on a busy machine
// when the timer won (a stress run of the WebSocket tests).
func TestCoderConn_firstDeadline(t *testing.T) {
	const interval = 100 * time.Millisecond
	conns := make(chan transport.WebsocketConn, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := coderWebsocket{}.Accept(w, r, transport.WebsocketAcceptOptions{})
		if err != nil {
			t.Error(err)
			return
		}
		conns <- c
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.CloseNow()
	c := (<-conns).(*coderConn)
	defer c.Close()

	start := time.Now()
	if err := c.SetReadDeadline(start.Add(2 * interval)); err != nil {
		t.Fatal(err)
	}
	// The client reads until the server cuts the connection.
	if _, _, err := client.Read(ctx); err == nil || ctx.Err() != nil {
		t.Fatalf("the connection was not cut by its deadline: %v", err)
	}
	if cut := time.Since(start); cut < 3*interval {
		t.Errorf("the first deadline, two intervals on, cut the connection after %v, before three intervals (%v): "+
			"when gqlgen's second ping moves it", cut, 3*interval)
	}
}

// TestCoderConn_busySteppedClock: how long ago a large write ended is measured by the
// monotonic clock, so a system clock stepped meanwhile neither keeps the connection busy
// (stepped back an hour, it counted as busy for that hour: no ping went out and its read
// deadline kept moving on, so a vanished peer held its subscriptions) nor ends it early.
func TestCoderConn_busySteppedClock(t *testing.T) {
	const quiet = time.Second
	for _, step := range []time.Duration{-time.Hour, time.Hour, 0} {
		start := time.Now()
		c := &coderConn{quiet: quiet}
		c.noteLarge(start)
		if !c.busy(clocktest.Stepped(start.Add(quiet/2), step)) {
			t.Errorf("clock stepped by %v: not busy %v after a large write, want busy for %v", step, quiet/2, quiet)
		}
		if c.busy(clocktest.Stepped(start.Add(2*quiet), step)) {
			t.Errorf("clock stepped by %v: still busy %v after a large write, want busy for %v", step, 2*quiet, quiet)
		}
	}
}
