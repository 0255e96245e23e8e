package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"

	"github.com/eventgraph/eventgraph/graph/generated"
)

// fakeConn is a transport.WebsocketConn that hands out queued client messages and records
// what is written to it; its other methods are not used.
type fakeConn struct {
	transport.WebsocketConn
	proto  string
	in     []string // client messages, read in order; then NextReader fails with io.EOF
	sent   []string // messages written, as JSON
	closed []string // close frames written, as "code reason"
}

func (c *fakeConn) Subprotocol() string { return c.proto }

func (c *fakeConn) NextReader() (int, io.Reader, error) {
	if len(c.in) == 0 {
		return 0, nil, io.EOF
	}
	m := c.in[0]
	c.in = c.in[1:]
	return int(websocket.MessageText), strings.NewReader(m), nil
}

func (c *fakeConn) WriteJSON(v any) error {
	b, err := json.Marshal(v)
	c.sent = append(c.sent, string(b))
	return err
}

func (c *fakeConn) WriteClose(code int, reason string) error {
	c.closed = append(c.closed, fmt.Sprintf("%d %s", code, reason))
	return nil
}

// gqlgenMessage has the shape of gqlgen's graphqltransportwsMessage and graphqlwsMessage.
type gqlgenMessage struct {
	Payload json.RawMessage `json:"payload,omitempty"`
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
}

// TestGuardedConn_WriteJSON checks both ways messages are routed: gqlgen's message struct
// (fields set by reflection) and, should its shape change, any other value through its JSON.
func TestGuardedConn_WriteJSON(t *testing.T) {
	tests := []struct {
		name    string
		message func(id, typ string) any
		want    []string // what is sent: a1's messages and b1's complete after its error are dropped
	}{
		{"gqlgen's message struct", func(id, typ string) any {
			if id == "" {
				return &gqlgenMessage{Type: typ}
			}
			return &gqlgenMessage{ID: id, Type: typ, Payload: json.RawMessage(`{"n":1}`)}
		}, []string{
			`{"type":"connection_ack"}`,
			`{"payload":{"n":1},"id":"a","type":"next"}`,
			`{"payload":{"n":1},"id":"b","type":"next"}`,
			`{"payload":{"n":1},"id":"b","type":"error"}`,
		}},
		{"another value", func(id, typ string) any {
			if id == "" {
				return map[string]any{"type": typ}
			}
			return map[string]any{"id": id, "type": typ, "payload": map[string]int{"n": 1}}
		}, []string{
			`{"type":"connection_ack"}`,
			`{"id":"a","type":"next","payload":{"n":1}}`,
			`{"id":"b","type":"next","payload":{"n":1}}`,
			`{"id":"b","type":"error","payload":{"n":1}}`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := &fakeConn{proto: "graphql-ws"}
			g := newGuardedConn(conn)
			a1, _, _ := g.start("a", false)
			b1, _, _ := g.start("b", false)
			a2, old, _ := g.start("a", true) // a1 replaced: its messages are dropped
			if old != a1 {
				t.Fatalf("replaced %q, want %q", old, a1)
			}
			for _, m := range []struct{ id, typ string }{
				{"", "connection_ack"},
				{a1, "next"}, {a2, "next"}, {a1, "complete"}, {b1, "next"},
				{b1, "error"}, {b1, "complete"}, // gqlgen's complete after an error
			} {
				if err := g.WriteJSON(tt.message(m.id, m.typ)); err != nil {
					t.Fatal(err)
				}
			}
			if !slices.Equal(conn.sent, tt.want) {
				t.Errorf("sent\n%q\nwant\n%q", conn.sent, tt.want)
			}
			if len(g.client) != 1 || g.client[a2] != "a" || len(g.owner) != 1 || g.owner["a"] != (binding{op: a2}) {
				t.Errorf("after the ends of a1 and b1: client %v owner %v, want only a2 as a", g.client, g.owner)
			}
		})
	}
}

// TestGuardedConn_routing runs conversations through the guard: client messages in, what
// gqlgen reads from it, and messages gqlgen writes about its operations (named 1, 2, … in
// the order the guard starts them; each message's payload names its operation). It checks
// that a forgotten operation (replaced, or completed by a graphql-transport-ws client) sends
// nothing, also after the id it had is free again.
func TestGuardedConn_routing(t *testing.T) {
	const (
		transportWS = "graphql-transport-ws"
		legacyWS    = "graphql-ws"
		query       = `,"payload":{"query":"{ status { head } }"}}`
	)
	// client returns a client message of type typ under id; start and subscribe carry a query.
	client := func(typ, id string) string {
		if typ == "start" || typ == "subscribe" {
			return `{"id":"` + id + `","type":"` + typ + `"` + query
		}
		return `{"id":"` + id + `","type":"` + typ + `"}`
	}
	tests := []struct {
		name  string
		proto string
		steps []string // "client <type> <id>", or "gqlgen <type> <operation>": gqlgen writes
		want  []string // "gqlgen reads <type> <operation>" and "client gets <type> <id> <operation>"
	}{
		{"graphql-transport-ws: nothing is sent for an operation the client completed", transportWS, []string{
			"client subscribe s", "gqlgen next 1", "client complete s", "gqlgen next 1", "gqlgen complete 1",
		}, []string{
			"gqlgen reads subscribe 1", "client gets next s 1", "gqlgen reads complete 1",
		}},
		{"graphql-transport-ws: an id reused at once gets nothing of its completed operation", transportWS, []string{
			"client subscribe s", "client complete s", "client subscribe s",
			"gqlgen next 2", "gqlgen complete 1", "gqlgen complete 2", "gqlgen next 1",
		}, []string{
			"gqlgen reads subscribe 1", "gqlgen reads complete 1", "gqlgen reads subscribe 2",
			"client gets next s 2", "client gets complete s 2",
		}},
		{"graphql-transport-ws: an operation that ended frees its id; gqlgen's complete after an error is dropped", transportWS, []string{
			"client subscribe s", "gqlgen error 1", "gqlgen complete 1", "client subscribe s", "gqlgen next 2",
		}, []string{
			"gqlgen reads subscribe 1", "client gets error s 1", "gqlgen reads subscribe 2", "client gets next s 2",
		}},
		{"graphql-ws: a replaced operation sends nothing, also once its replacement completed", legacyWS, []string{
			"client start x", "gqlgen data 1", "client start x",
			"gqlgen data 2", "gqlgen complete 2", "gqlgen data 1", "gqlgen complete 1",
		}, []string{
			"gqlgen reads start 1", "client gets data x 1", "gqlgen reads stop 1", "gqlgen reads start 2",
			"client gets data x 2", "client gets complete x 2",
		}},
		{"graphql-ws: a stopped operation completes", legacyWS, []string{
			"client start x", "client stop x", "client stop x", "gqlgen data 1", "gqlgen complete 1",
		}, []string{
			"gqlgen reads start 1", "gqlgen reads stop 1", "client gets data x 1", "client gets complete x 1",
		}},
		{"graphql-ws: a stopped operation sends nothing once a new one took its id", legacyWS, []string{
			"client start x", "client stop x", "client start x",
			"gqlgen data 2", "gqlgen complete 2", "gqlgen complete 1",
		}, []string{
			"gqlgen reads start 1", "gqlgen reads stop 1", "gqlgen reads start 2",
			"client gets data x 2", "client gets complete x 2",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := &fakeConn{proto: tt.proto}
			g := newGuardedConn(conn)
			g.initialised = true
			var got []string
			for _, step := range tt.steps {
				var who, typ, id string
				if _, err := fmt.Sscan(step, &who, &typ, &id); err != nil {
					t.Fatalf("step %q: %v", step, err)
				}
				if who == "gqlgen" {
					m := &gqlgenMessage{ID: id, Type: typ, Payload: json.RawMessage(`{"op":"` + id + `"}`)}
					if err := g.WriteJSON(m); err != nil {
						t.Fatal(err)
					}
					got = append(got, drainSent(t, conn)...)
					continue
				}
				conn.in = append(conn.in, client(typ, id))
				for {
					_, r, err := g.NextReader()
					if errors.Is(err, io.EOF) {
						break
					} else if err != nil {
						t.Fatalf("step %q: %v", step, err)
					}
					var m wsMessage
					if err := json.NewDecoder(r).Decode(&m); err != nil {
						t.Fatal(err)
					}
					got = append(got, "gqlgen reads "+m.Type+" "+m.ID)
				}
				got = append(got, drainSent(t, conn)...)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// drainSent returns the messages sent to the client since the last call, as "client gets
// <type> <id> <operation>".
func drainSent(tb testing.TB, conn *fakeConn) []string {
	tb.Helper()
	var out []string
	for _, s := range conn.sent {
		var m struct {
			ID      string
			Type    string
			Payload struct{ Op string }
		}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			tb.Fatal(err)
		}
		out = append(out, "client gets "+m.Type+" "+m.ID+" "+m.Payload.Op)
	}
	conn.sent = nil
	return out
}

func TestGuardedConn_WriteClose(t *testing.T) {
	tests := []struct {
		name   string
		proto  string
		code   int
		reason string
		want   string
	}{
		{"graphql-transport-ws: gqlgen's init timeout is 4408", "graphql-transport-ws",
			1002, "connection initialisation timeout", "4408 Connection initialisation timeout"},
		{"graphql-transport-ws: another protocol error is kept", "graphql-transport-ws",
			1002, "unexpected message", "1002 unexpected message"},
		{"graphql-ws: gqlgen's init timeout is kept", "graphql-ws",
			1002, "connection initialisation timeout", "1002 connection initialisation timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := &fakeConn{proto: tt.proto}
			g := newGuardedConn(conn)
			if err := g.WriteClose(tt.code, tt.reason); err != nil {
				t.Fatal(err)
			}
			_ = g.WriteClose(1000, "terminated") // gqlgen's own close after the guard's: ignored
			if !slices.Equal(conn.closed, []string{tt.want}) {
				t.Errorf("closed with %q, want %q", conn.closed, tt.want)
			}
		})
	}
}

// TestWsGuard_initTimeout runs gqlgen's WebSocket transport behind the guard with a short
// InitTimeout (the server's is 30 s), so that a change of gqlgen's close reason shows.
func TestWsGuard_initTimeout(t *testing.T) {
	srv := handler.New(generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}}))
	srv.AddTransport(transport.Websocket{
		Implementation: wsGuard{WebsocketImplementation: transport.CoderWebsocketImplementation{}},
		InitTimeout:    10 * time.Millisecond,
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	tests := []struct {
		proto      string
		wantCode   websocket.StatusCode
		wantReason string
	}{
		{"graphql-transport-ws", 4408, "Connection initialisation timeout"},
		{"graphql-ws", websocket.StatusProtocolError, "connection initialisation timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.proto, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http"), &websocket.DialOptions{Subprotocols: []string{tt.proto}})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.CloseNow()
			_, b, err := conn.Read(ctx)
			var ce websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != tt.wantCode || ce.Reason != tt.wantReason {
				t.Fatalf("read %s %v, want the connection closed with %d %q", b, err, tt.wantCode, tt.wantReason)
			}
		})
	}
}

// TestUpgrade_shuttingDown: an upgrade request's context that ends while its handler runs is
// the server shutting down (its connection closes with 1001 Going Away); one that ends because
// the handler returned (net/http ends it then) is not, however late the close comes.
func TestUpgrade_shuttingDown(t *testing.T) {
	t.Run("ended while the handler ran", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		u := &upgrade{ctx: ctx}
		if u.shuttingDown() {
			t.Fatal("shutting down before the context ended")
		}
		cancel()
		if !u.shuttingDown() {
			t.Fatal("not shutting down once the context ended while the handler ran")
		}
		u.returned()
		if !u.shuttingDown() {
			t.Fatal("not shutting down after the handler returned on the ended context")
		}
	})
	t.Run("ended after the handler returned", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		u := &upgrade{ctx: ctx}
		u.returned()
		cancel()
		if u.shuttingDown() {
			t.Fatal("shutting down: the context ended only after the handler returned")
		}
	})
}

// TestGuardedConn_connectionErrorCode checks that a graphql-ws connection_error gqlgen writes
// gets extensions.code, whichever way it is written (see TestGuardedConn_WriteJSON), unless
// it has one.
func TestGuardedConn_connectionErrorCode(t *testing.T) {
	tests := []struct{ payload, want string }{
		{`{"message":"invalid json"}`, `{"message":"invalid json","extensions":{"code":"BAD_REQUEST"}}`},
		{`{"message":"UNAUTHENTICATED: invalid bearer token"}`, `{"message":"UNAUTHENTICATED: invalid bearer token","extensions":{"code":"UNAUTHENTICATED"}}`},
		{`{"message":"m","extensions":{"code":"X"}}`, `{"message":"m","extensions":{"code":"X"}}`},
	}
	for _, tt := range tests {
		for _, m := range []any{
			&gqlgenMessage{Type: "connection_error", Payload: json.RawMessage(tt.payload)},
			map[string]any{"type": "connection_error", "payload": json.RawMessage(tt.payload)},
		} {
			conn := &fakeConn{proto: "graphql-ws"}
			if err := newGuardedConn(conn).WriteJSON(m); err != nil {
				t.Fatal(err)
			}
			if want := `{"type":"connection_error","payload":` + tt.want + `}`; len(conn.sent) != 1 || conn.sent[0] != want {
				t.Errorf("%T with payload %s: sent %q, want %s", m, tt.payload, conn.sent, want)
			}
		}
	}
}

// TestGuardedConn_operationBookkeeping: at most maxOps operations run and at most 2×maxOps
// are held, running or stopping (handed a stop, not yet ended by gqlgen's complete or
// error); one the client stops frees its running place at once, a restart under an id
// counts once its old operation stops, and awaitRoom waits while 2×maxOps are held until a
// stopping one ends.
func TestGuardedConn_operationBookkeeping(t *testing.T) {
	for _, proto := range []string{"graphql-transport-ws", "graphql-ws"} {
		t.Run(proto, func(t *testing.T) {
			g := newGuardedConn(&fakeConn{proto: proto})
			g.maxOps = 2
			forget := proto == "graphql-transport-ws"
			want := func(what string, got, want startResult) {
				t.Helper()
				if got != want {
					t.Fatalf("%s: %d, want %d", what, got, want)
				}
			}
			a, _, res := g.start("a", false)
			want("a", res, started)
			b, _, res := g.start("b", false)
			want("b", res, started)
			_, _, res = g.start("c", false)
			want("c with a and b running", res, atLimit)

			g.stop("a", forget) // a is stopping: c may run
			_, _, res = g.start("c", false)
			want("c with a stopping", res, started)
			g.stop("b", forget)
			_, _, res = g.start("d", false)
			want("d with a and b stopping, c running", res, started)
			_, _, res = g.start("e", false)
			want("e with c and d running", res, atLimit)

			// Four held, two of them stopping: awaitRoom waits until one ends.
			g.stop("c", forget)
			waited := make(chan bool)
			go func() { waited <- g.awaitRoom() }()
			for { // until awaitRoom waits (it made the channel an ending operation closes)
				g.mu.Lock()
				waiting := g.ended != nil
				g.mu.Unlock()
				if waiting {
					break
				}
				runtime.Gosched()
			}
			g.route(a, "complete") // gqlgen ended a
			if !<-waited {
				t.Fatalf("awaitRoom gave up after %v although a stopping operation had ended", stoppingWait)
			}
			_, _, res = g.start("e", false)
			want("e once a ended", res, started)

			// Running d and e, b and c stopping: a restart of d stops it first, and with
			// four held waits for room like any start.
			_, old, res := g.start("d", true)
			want("d restarted with four held", res, atLimit)
			if old == "" {
				t.Fatal("the restart of d stopped nothing")
			}
			g.route(b, "error")
			g.route(b, "complete") // a second end of one operation counts once
			if g.stopping != 2 || len(g.running) != 3 {
				t.Fatalf("%d stopping of %d held; want 2 of 3 (c and d's old operation stopping, e running)", g.stopping, len(g.running))
			}
			_, _, res = g.start("d", true)
			want("d restarted with room", res, started)
		})
	}
}

// slowCloseConn records the order of WriteClose and Close; its WriteClose takes a while, as
// the library's start of a close handshake may.
type slowCloseConn struct {
	fakeConn
	mu     sync.Mutex
	events []string
}

func (c *slowCloseConn) WriteClose(int, string) error {
	for range 1000 {
		runtime.Gosched()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, "WriteClose")
	return nil
}

func (c *slowCloseConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, "Close")
	return nil
}

// TestGuardedConn_closeAfterItsCloseFrame: gqlgen's Close, right after a WriteClose the
// guard ignored because it had begun one of its own (goAway, from a subscription's
// goroutine), reaches the library only after the guard's close frame did; before, the
// library, closed first, dropped the connection without the frame (1006, not 1001).
func TestGuardedConn_closeAfterItsCloseFrame(t *testing.T) {
	for range 20 {
		conn := &slowCloseConn{fakeConn: fakeConn{proto: "graphql-transport-ws"}}
		g := newGuardedConn(conn)
		var wg sync.WaitGroup
		wg.Go(func() { _ = g.WriteClose(closeGoingAway, "server shutting down") })
		wg.Go(func() {
			for { // until the guard's WriteClose has begun
				g.mu.Lock()
				closing := g.closing
				g.mu.Unlock()
				if closing {
					break
				}
				runtime.Gosched()
			}
			_ = g.WriteClose(1000, "terminated") // gqlgen's, ignored
			_ = g.Close()
		})
		wg.Wait()
		if !slices.Equal(conn.events, []string{"WriteClose", "Close"}) {
			t.Fatalf("the library saw %v, want its WriteClose before its Close", conn.events)
		}
	}
}
