package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"go.uber.org/goleak"

	"github.com/eventgraph/eventgraph/internal/leakcheck"

	"github.com/eventgraph/eventgraph/graph/graphtest"
	"github.com/eventgraph/eventgraph/internal/syncbuf"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

func TestMain_closeEndsSubscriptionsAndLeaksNothing(t *testing.T) {
	for name, args := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ignore := goleak.IgnoreCurrent()
			m := NewMain()
			m.Stderr = &syncbuf.Buffer{}
			if err := m.ParseFlags(append([]string{"--addr", "127.0.0.1:0", "--keep-alive", "1h"}, args...), env(nil)); err != nil {
				t.Fatal(err)
			}
			if err := m.Run(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			transport := &http.Transport{}
			c := graphtest.New(m.URL()+"/graphql", graphtest.WithHTTPClient(&http.Client{Transport: transport}))
			gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"id": "r1", "name": "Osteria", "menu": menu("a")}})

			ctx := testCtx(t)
			const events = `subscription { events(afterPosition: 0) { position type } }`
			const changes = `subscription { restaurantChanged(id: "r1") { id version } }`
			subs := map[string]*graphtest.Subscription{}
			open := func(name string, s *graphtest.Subscription, err error) {
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				subs[name] = s
				r, err := s.Next(ctx)
				if err != nil || len(r.Errors) > 0 {
					t.Fatalf("%s: first message: %v %v", name, err, r)
				}
			}
			s, err := c.SubscribeWS(ctx, graphtest.TransportWS, events, nil)
			open("graphql-transport-ws events", s, err)
			s, err = c.SubscribeWS(ctx, graphtest.LegacyWS, changes, nil)
			open("graphql-ws restaurantChanged", s, err)
			s, err = c.SubscribeSSE(ctx, events, nil)
			open("SSE events", s, err)

			closed := make(chan error, 1)
			go func() { closed <- m.Close() }()
			for name, s := range subs {
				for {
					r, err := s.Next(ctx)
					if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
						t.Fatalf("%s: still open after shutdown", name)
					}
					if err != nil {
						// The stream ended: a WebSocket with 1001 Going Away, RFC 6455's code
						// for a server going down (a client may reconnect elsewhere).
						if strings.HasPrefix(name, "graphql") && websocket.CloseStatus(err) != websocket.StatusGoingAway {
							t.Errorf("%s: ended with %v, want close status 1001", name, err)
						}
						// An SSE stream is cut off without "complete", which would tell a
						// graphql-sse client the subscription finished for good.
						if strings.HasPrefix(name, "SSE") && !errors.Is(err, io.ErrUnexpectedEOF) {
							t.Errorf("%s: ended with %v, want the stream cut off without complete", name, err)
						}
						break
					}
					if len(r.Errors) > 0 {
						t.Errorf("%s: ended with errors %v, want the stream closed", name, r.Errors)
						break
					}
				}
				s.Close()
			}
			select {
			case err := <-closed:
				if err != nil {
					t.Errorf("Close: %v", err)
				}
			case <-ctx.Done():
				t.Fatal("Close did not return")
			}
			transport.CloseIdleConnections()
			leakcheck.VerifyNone(t, ignore)
		})
	}
}

func TestMain_restartKeepsEverything(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")

	m1, _ := startMain(t, "--data", dir)
	c := newClient(t, m1.URL()+"/graphql")
	createVars := map[string]any{"in": map[string]any{"id": "r1", "name": "Da Mario", "menu": menu("pizza", "pasta"), "commandId": "create-r1"}}
	first := decode[struct{ CreateRestaurant result }](t, gql(t, c, createRestaurant, createVars)).CreateRestaurant
	placed := decode[struct{ PlaceOrder result }](t, gql(t, c, placeOrder, map[string]any{
		"in": map[string]any{"restaurantId": "r1", "orderId": "o1", "menuItemIds": []string{"pizza", "pasta"}},
	})).PlaceOrder
	// The saga creates the order; wait for it through the read model.
	gql(t, c, `query($p: Int64) { order(id: "o1", minPosition: $p) { id } }`, map[string]any{"p": placed.Position})
	prepared := decode[struct{ MarkOrderAsPrepared result }](t, gql(t, c, markPrepared, map[string]any{
		"in": map[string]any{"id": "o1"},
	})).MarkOrderAsPrepared
	if err := m1.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	m2, _ := startMain(t, "--data", dir)
	c = newClient(t, m2.URL()+"/graphql")
	type state struct {
		Restaurants struct {
			TotalCount int
			Nodes      []struct {
				ID, Name string
				Version  int
			}
		}
		Orders struct {
			TotalCount int
			Nodes      []struct {
				ID, RestaurantID, Status string
				Version                  int
			}
		}
		Status struct{ Head int64 }
	}
	got := decode[state](t, gql(t, c, `query($p: Int64) {
		restaurants(minPosition: $p) { totalCount nodes { id name version } }
		orders(minPosition: $p) { totalCount nodes { id restaurantId status version } }
		status { head }
	}`, map[string]any{"p": prepared.Position}))
	if got.Status.Head != prepared.Position {
		t.Errorf("head after restart %d, want %d", got.Status.Head, prepared.Position)
	}
	if got.Restaurants.TotalCount != 1 || len(got.Restaurants.Nodes) != 1 ||
		got.Restaurants.Nodes[0].Name != "Da Mario" || got.Restaurants.Nodes[0].Version != 2 {
		t.Errorf("restaurants after restart: %+v, want Da Mario at version 2 (created, order placed)", got.Restaurants)
	}
	if got.Orders.TotalCount != 1 || len(got.Orders.Nodes) != 1 || got.Orders.Nodes[0].ID != "o1" ||
		got.Orders.Nodes[0].Status != "PREPARED" || got.Orders.Nodes[0].Version != 2 {
		t.Errorf("orders after restart: %+v, want o1 PREPARED at version 2", got.Orders)
	}

	again := decode[struct{ CreateRestaurant result }](t, gql(t, c, createRestaurant, createVars)).CreateRestaurant
	want := first
	want.Duplicate = true
	if again != want {
		t.Errorf("repeated commandId after restart: %+v, want the first result %+v as a duplicate", again, want)
	}
	// Nothing was written by the duplicate, and the saga did not create the order twice.
	status := decode[struct{ Status struct{ Head int64 } }](t, gql(t, c, `{ status { head } }`, nil))
	if status.Status.Head != prepared.Position {
		t.Errorf("head after the duplicate %d, want %d", status.Status.Head, prepared.Position)
	}
}

// heldFile is a JSONL log file whose next sync, once armed, waits until released.
type heldFile struct {
	jsonl.File
	armed    atomic.Bool
	entered  chan struct{} // closed when the armed sync begins
	released chan struct{} // closed by the test to let it go on
}

func (f *heldFile) Sync() error {
	if f.armed.CompareAndSwap(true, false) {
		close(f.entered)
		<-f.released
	}
	return f.File.Sync()
}

// TestMain_closeLetsInFlightRequestsFinish closes the server with two requests in flight: a
// mutation whose append waits in its sync, which Close must let finish, and a query waiting
// for a position beyond the head, which Close must answer at once instead of letting it wait
// out its consistency timeout (an hour here).
func TestMain_closeLetsInFlightRequestsFinish(t *testing.T) {
	hf := &heldFile{entered: make(chan struct{}), released: make(chan struct{})}
	dir := t.TempDir()
	m := NewMain()
	m.Stderr = &syncbuf.Buffer{}
	args := []string{"--addr", "127.0.0.1:0", "--store", "jsonl", "--data", dir, "--consistency-timeout", "1h", "--shutdown-timeout", "1h"}
	if err := m.ParseFlags(args, env(nil)); err != nil {
		t.Fatal(err)
	}
	m.jsonlOptions = []jsonl.Option{jsonl.WithFile(func(f jsonl.File) jsonl.File { hf.File = f; return hf })}
	started := make(chan string, 2)
	m.requestStarted = func(r *http.Request) { started <- r.Header.Get("X-Test") }
	if err := m.Run(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	var release sync.Once
	t.Cleanup(func() { release.Do(func() { close(hf.released) }) }) // before Close, on failure

	type answer struct {
		resp *graphtest.Response
		err  error
	}
	send := func(name, query string, vars map[string]any) <-chan answer {
		c := graphtest.New(m.URL()+"/graphql", graphtest.WithHeader("X-Test", name))
		answered := make(chan answer, 1)
		go func() {
			resp, err := c.Query(testCtx(t), query, vars)
			answered <- answer{resp, err}
		}()
		if got := <-started; got != name {
			t.Fatalf("request %q reached the handlers, want %q", got, name)
		}
		return answered
	}
	hf.armed.Store(true)
	mutation := send("mutation", createRestaurant, map[string]any{"in": map[string]any{"id": "r1", "name": "Osteria", "menu": menu("a")}})
	<-hf.entered
	query := send("query", `{ restaurant(id: "r1", minPosition: 1000) { id } }`, nil)

	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	a := <-query
	if a.err != nil {
		t.Fatalf("the waiting query failed at the transport: %v", a.err)
	}
	if a.resp.Code() != "CONSISTENCY_TIMEOUT" || !strings.Contains(a.resp.Errors[0].Message, "shutting down") {
		t.Fatalf("the waiting query: %v, want CONSISTENCY_TIMEOUT saying the server is shutting down", a.resp.Errors)
	}
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) with a mutation in flight", err)
	case a := <-mutation:
		t.Fatalf("the mutation was answered (%v, %v) before its sync ended", a.resp, a.err)
	default:
	}

	release.Do(func() { close(hf.released) })
	// Had Close cut the connection, the client would see a transport error.
	a = <-mutation
	if a.err != nil {
		t.Fatalf("the in-flight mutation failed at the transport: %v", a.err)
	}
	if len(a.resp.Errors) > 0 {
		t.Fatalf("the in-flight mutation: %v, want it done", a.resp.Errors)
	}
	if err := <-closed; err != nil {
		t.Errorf("Close: %v", err)
	}
	if streams := logEvents(t, dir); len(streams) != 1 || streams[0] != "restaurant-r1" {
		t.Errorf("the log holds %q, want the in-flight mutation's event", streams)
	}
}

// TestMain_closeCutsOffAStalledRequest: a client that stalls sending its body holds its
// request in flight past --shutdown-timeout; Close then cuts it off, says so at WARN, and
// still succeeds (SIGTERM exits 0).
func TestMain_closeCutsOffAStalledRequest(t *testing.T) {
	m := NewMain()
	logs := &syncbuf.Buffer{}
	m.Stderr = logs
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--store", "memory", "--shutdown-timeout", "100ms"}, env(nil)); err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{}, 1)
	m.requestStarted = func(*http.Request) { started <- struct{}{} }
	if err := m.Run(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })

	conn := rawConn(t, m)
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
	<-started
	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v; want the stalled request cut off without an error", err)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "cut off") {
		t.Errorf("logs:\n%s\nwant a warning that requests were cut off", logs)
	}
	closedByServer(t, conn)
}

// startHeld starts a Main over a JSONL log whose next sync, once armed, waits until the test
// releases it; released on cleanup if the test did not.
func startHeld(t *testing.T, args ...string) (*Main, *heldFile, *syncbuf.Buffer, func()) {
	t.Helper()
	hf := &heldFile{entered: make(chan struct{}), released: make(chan struct{})}
	m := NewMain()
	logs := &syncbuf.Buffer{}
	m.Stderr = logs
	if err := m.ParseFlags(append([]string{"--addr", "127.0.0.1:0", "--data", t.TempDir()}, args...), env(nil)); err != nil {
		t.Fatal(err)
	}
	m.jsonlOptions = []jsonl.Option{jsonl.WithFile(func(f jsonl.File) jsonl.File { hf.File = f; return hf })}
	var once sync.Once
	release := func() { once.Do(func() { close(hf.released) }) }
	t.Cleanup(func() { release(); m.Close() })
	return m, hf, logs, release
}

// A mutation sent over a WebSocket (graphql-ws clients send every operation there), or as a
// Server-Sent Events request, that is in flight when the server shuts down finishes, and its
// client gets the result and then complete before the stream ends. The connection was closed
// at once (the command was committed, but its client never learnt it); then, for a while,
// the complete was lost in a race with the close (a graphql-ws client retries an operation
// that did not complete). Each transport runs several times: the race was not lost every time.
func TestMain_closeLetsAMutationOnAStreamAnswer(t *testing.T) {
	in := map[string]any{"id": "r1", "name": "Osteria", "menu": menu("a")}
	transports := []struct {
		name string
		// send sends the mutation and returns what its client received until the stream ended.
		send func(t *testing.T, m *Main) <-chan []string
	}{
		{"graphql-transport-ws", func(t *testing.T, m *Main) <-chan []string {
			ctx := testCtx(t)
			conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(m.URL(), "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { conn.CloseNow() })
			var ack map[string]any
			if err := wsjson.Write(ctx, conn, map[string]any{"type": "connection_init"}); err != nil {
				t.Fatal(err)
			}
			if err := wsjson.Read(ctx, conn, &ack); err != nil || ack["type"] != "connection_ack" {
				t.Fatalf("connection_ack: %v, %v", ack, err)
			}
			if err := wsjson.Write(ctx, conn, map[string]any{"type": "subscribe", "id": "1", "payload": map[string]any{"query": createRestaurant, "variables": map[string]any{"in": in}}}); err != nil {
				t.Fatal(err)
			}
			got := make(chan []string, 1)
			go func() {
				var seen []string
				for {
					var msg struct {
						Type    string          `json:"type"`
						Payload json.RawMessage `json:"payload"`
					}
					if err := wsjson.Read(ctx, conn, &msg); err != nil {
						got <- append(seen, "closed: "+websocket.CloseStatus(err).String())
						return
					}
					if msg.Type != "ping" && msg.Type != "pong" {
						seen = append(seen, msg.Type+" "+string(msg.Payload))
					}
				}
			}()
			return got
		}},
		{"Server-Sent Events", func(t *testing.T, m *Main) <-chan []string {
			body, _ := json.Marshal(map[string]any{"query": createRestaurant, "variables": map[string]any{"in": in}})
			req, _ := http.NewRequestWithContext(testCtx(t), http.MethodPost, m.URL()+"/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "text/event-stream")
			got := make(chan []string, 1)
			go func() {
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					got <- []string{"error: " + err.Error()}
					return
				}
				defer resp.Body.Close()
				var seen []string
				sc := bufio.NewScanner(resp.Body)
				for sc.Scan() {
					if ev, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
						seen = append(seen, ev)
					} else if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok && len(seen) > 0 {
						seen[len(seen)-1] += " " + data
					}
				}
				got <- append(seen, "closed")
			}()
			return got
		}},
	}
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			for range 20 {
				m, hf, _, release := startHeld(t, "--shutdown-timeout", "1h")
				closing := make(chan struct{})
				m.streamsClosing = func() { close(closing) }
				if err := m.Run(testCtx(t)); err != nil {
					t.Fatal(err)
				}
				hf.armed.Store(true)
				got := tr.send(t, m)
				<-hf.entered // the mutation's append waits in its sync
				closed := make(chan error, 1)
				go func() { closed <- m.Close() }()
				<-closing // the streams are being ended
				release()

				seen := <-got
				if len(seen) != 3 || !strings.HasPrefix(seen[0], "next ") || !strings.Contains(seen[0], `"r1"`) || strings.Contains(seen[0], `"errors"`) ||
					!strings.HasPrefix(seen[1], "complete") {
					t.Fatalf("the client received %q; want the mutation's result (next), complete, then the end of the stream", seen)
				}
				if err := <-closed; err != nil {
					t.Errorf("Close: %v", err)
				}
			}
		})
	}
}

// An operation on a stream that outlasts --shutdown-timeout (here a mutation whose sync
// never ends) is cut off with a warning, and so is a store that does not close in time after
// it: Close still succeeds (SIGTERM exits 0) and returns. A stream still open made Close fail,
// and a store that hung (a PostgreSQL server that stopped answering) held it for a minute.
func TestMain_closeCutsOffAStreamAndAStoreThatHang(t *testing.T) {
	m, hf, logs, release := startHeld(t, "--shutdown-timeout", "100ms")
	if err := m.Run(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	hf.armed.Store(true)
	c := graphtest.New(m.URL() + "/graphql")
	if _, err := c.SubscribeWS(testCtx(t), graphtest.TransportWS, createRestaurant,
		map[string]any{"in": map[string]any{"id": "r1", "name": "Osteria", "menu": menu("a")}}); err != nil {
		t.Fatal(err)
	}
	<-hf.entered // held until the test ends: the stream's mutation, then the log's Close, wait
	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v; want the stream and the store cut off without an error", err)
		}
	case <-time.After(time.Minute): // a bound on a failure, not a measure of speed
		t.Fatal("Close did not return while the store hung")
	}
	release()
	for _, want := range []string{"subscription streams still open after the shutdown timeout were cut off", "the event store did not close in time"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs:\n%s\nwant %q", logs, want)
		}
	}
}

// TestMain_shutdownDelayServesWhileNotReady: with --shutdown-delay, a shutdown first turns
// /readyz (and the eventgraph_ready gauge) to 503 "shutting down" and goes on serving, so
// that a load balancer polling /readyz stops sending requests before the listener closes;
// then it shuts down as without the delay.
func TestMain_shutdownDelayServesWhileNotReady(t *testing.T) {
	m := NewMain()
	logs := runMain(t, m, "--store", "memory", "--shutdown-delay", "1h")
	// Registered after runMain's Close, so it runs first: a check that fails while Close
	// waits out the delay must not leave the test's Close waiting an hour for it.
	var endOnce sync.Once
	endDelay := func() { endOnce.Do(func() { close(m.endDelay) }) }
	t.Cleanup(endDelay)
	select {
	case <-m.Ready():
	case <-testCtx(t).Done():
		t.Fatal("never ready")
	}
	readiness(t, m, http.StatusOK, "ready", 1)

	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	// Close marks the server as leaving first thing, then logs the delay it waits out.
	logs.await(t, "of the shutdown delay", func(line string) bool { return strings.Contains(line, "shutdown delayed") })
	readiness(t, m, http.StatusServiceUnavailable, "shutting down", 0)
	// Still serving, on new connections too: the delay is for the load balancer to notice.
	c := newClient(t, m.URL()+"/graphql")
	gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"id": "r1", "name": "Osteria", "menu": menu("a")}})
	select {
	case err := <-closed:
		t.Fatalf("Close returned during the delay: %v", err)
	default:
	}

	endDelay()
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := http.Get(m.URL() + "/readyz"); err == nil {
		t.Error("the server still accepts connections after Close")
	}
	if !strings.Contains(logs.String(), "shutdown delayed") {
		t.Errorf("no log line of the delay in:\n%s", logs)
	}
}

// TestConfig_shutdownDelayNotNegative: a negative --shutdown-delay is refused.
func TestConfig_shutdownDelayNotNegative(t *testing.T) {
	m := NewMain()
	err := m.ParseFlags([]string{"--shutdown-delay", "-1s"}, env(nil))
	if err == nil || !strings.Contains(err.Error(), "shutdown-delay") {
		t.Fatalf("ParseFlags(--shutdown-delay -1s) = %v, want an error naming the flag", err)
	}
}
