package graph_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/graph/graphtest"
)

// wsClient speaks GraphQL over a WebSocket message by message, for protocol tests.
type wsClient struct {
	tb   testing.TB
	conn *websocket.Conn
}

type wsMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// dialWS opens a WebSocket to the env's server with the subprotocol.
func (e *env) dialWS(tb testing.TB, proto graphtest.Protocol) *wsClient {
	tb.Helper()
	return e.dialWSWith(tb, proto, e.http)
}

// dialWSWith is dialWS through the HTTP client hc.
func (e *env) dialWSWith(tb testing.TB, proto graphtest.Protocol, hc *http.Client) *wsClient {
	tb.Helper()
	conn, _, err := websocket.Dial(testContext(tb), "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/graphql", &websocket.DialOptions{
		HTTPClient:   hc,
		Subprotocols: []string{string(proto)},
	})
	if err != nil {
		tb.Fatalf("dial: %v", err)
	}
	if conn.Subprotocol() != string(proto) {
		tb.Fatalf("subprotocol %q, want %q", conn.Subprotocol(), proto)
	}
	tb.Cleanup(func() { _ = conn.CloseNow() })
	return &wsClient{tb: tb, conn: conn}
}

// sendRaw sends s as one text message.
func (c *wsClient) sendRaw(s string) {
	c.tb.Helper()
	if err := c.conn.Write(testContext(c.tb), websocket.MessageText, []byte(s)); err != nil {
		c.tb.Fatalf("write %s: %v", s, err)
	}
}

func (c *wsClient) send(m wsMsg) {
	c.tb.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		c.tb.Fatal(err)
	}
	c.sendRaw(string(b))
}

// start sends a subscribe (graphql-transport-ws) or start (graphql-ws) of query under id.
func (c *wsClient) start(typ, id, query string) {
	c.tb.Helper()
	c.send(wsMsg{ID: id, Type: typ, Payload: json.RawMessage(fmt.Sprintf(`{"query": %q}`, query))})
}

// read returns the next message other than a keep-alive, ping or pong, or the read error.
func (c *wsClient) read() (wsMsg, error) {
	for {
		_, b, err := c.conn.Read(testContext(c.tb))
		if err != nil {
			return wsMsg{}, err
		}
		var m wsMsg
		if err := json.Unmarshal(b, &m); err != nil {
			return wsMsg{}, fmt.Errorf("message %s: %w", b, err)
		}
		if m.Type != "ka" && m.Type != "ping" && m.Type != "pong" {
			return m, nil
		}
	}
}

// next returns the next message, failing the test unless it has the type and id.
func (c *wsClient) next(typ, id string) wsMsg {
	c.tb.Helper()
	m, err := c.read()
	if err != nil {
		c.tb.Fatalf("read: %v; want %s %s", err, typ, id)
	}
	if m.Type != typ || m.ID != id {
		c.tb.Fatalf("got %s %q %s, want %s %q", m.Type, m.ID, m.Payload, typ, id)
	}
	return m
}

// init initialises the connection.
func (c *wsClient) init() {
	c.tb.Helper()
	c.send(wsMsg{Type: "connection_init", Payload: json.RawMessage(`{}`)})
	c.next("connection_ack", "")
}

// closed reads until the server closes the connection and checks the close code and reason.
func (c *wsClient) closed(code websocket.StatusCode, reason string) {
	c.tb.Helper()
	c.closedAfter(code, reason, "")
}

// closedAfter is closed, letting through "next" messages of the subscription id first
// (none when id is ""): what a subscription sent before the server closed.
func (c *wsClient) closedAfter(code websocket.StatusCode, reason, id string) {
	c.tb.Helper()
	m, err := c.read()
	for err == nil && id != "" && m.Type == "next" && m.ID == id {
		m, err = c.read()
	}
	if err == nil {
		c.tb.Fatalf("got %s %q %s, want the connection closed with %d %q", m.Type, m.ID, m.Payload, code, reason)
	}
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != code || ce.Reason != reason {
		c.tb.Fatalf("read: %v; want the connection closed with %d %q", err, code, reason)
	}
}

// eventPosition returns the event position of a data or next message of subscription
// `events { <field>: position }`, failing the test when it has another field.
func eventPosition(tb testing.TB, m wsMsg, field string) int {
	tb.Helper()
	var p struct {
		Data   struct{ Events map[string]int }
		Errors []any
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil || len(p.Errors) > 0 || len(p.Data.Events) != 1 {
		tb.Fatalf("payload %s: %v", m.Payload, err)
	}
	pos, ok := p.Data.Events[field]
	if !ok {
		tb.Fatalf("payload %s: want field %s", m.Payload, field)
	}
	return pos
}

func TestHandler_webSocketReusedOperationID(t *testing.T) {
	const events = `subscription { events(afterPosition: 0) { position } }`

	t.Run("graphql-transport-ws: a subscribe under an active id closes the socket with 4409", func(t *testing.T) {
		e := newEnv(t)
		e.create(t, restaurantInput("r1", "a"))
		c := e.dialWS(t, graphtest.TransportWS)
		c.init()
		c.start("subscribe", "s1", events)
		c.next("next", "s1")
		c.start("subscribe", "s1", events)
		c.closed(4409, "Subscriber for s1 already exists")
	})

	t.Run("graphql-transport-ws: the close reason is cut to what a close frame carries", func(t *testing.T) {
		e := newEnv(t)
		c := e.dialWS(t, graphtest.TransportWS)
		c.init()
		id := "a" + strings.Repeat("é", 100) // the cut falls inside a character
		c.start("subscribe", id, events)
		c.start("subscribe", id, events)
		c.closed(4409, ("Subscriber for " + id)[:122])
	})

	t.Run("graphql-transport-ws: an id is free once its operation completed or the client completed it", func(t *testing.T) {
		e := newEnv(t)
		e.create(t, restaurantInput("r1", "a"))
		c := e.dialWS(t, graphtest.TransportWS)
		c.init()
		for range 2 { // a query completes by itself
			c.start("subscribe", "q", `{ status { head } }`)
			c.next("next", "q")
			c.next("complete", "q")
		}
		// A subscription the client completes frees its id at once, and the server sends
		// nothing more for it, not even complete: the first message under the reused id is
		// the new subscription's (repeated, as the old one's complete would be a race).
		for i := range 50 {
			c.start("subscribe", "s", fmt.Sprintf(`subscription { events(afterPosition: 0) { n%d: position } }`, i))
			if m := c.next("next", "s"); eventPosition(t, m, fmt.Sprintf("n%d", i)) != 1 {
				t.Fatalf("got %s", m.Payload)
			}
			c.send(wsMsg{ID: "s", Type: "complete"})
		}
		c.start("subscribe", "s", `subscription { events(afterPosition: 0) { again: position } }`)
		if m := c.next("next", "s"); eventPosition(t, m, "again") != 1 {
			t.Fatalf("got %s", m.Payload)
		}
		e.create(t, restaurantInput("r2", "a"))
		if m := c.next("next", "s"); eventPosition(t, m, "again") != 2 {
			t.Fatalf("got %s", m.Payload)
		}
	})

	t.Run("graphql-transport-ws: nothing is sent for an operation after the client's complete", func(t *testing.T) {
		e := newEnv(t)
		e.create(t, restaurantInput("r1", "a"))
		c := e.dialWS(t, graphtest.TransportWS)
		c.init()
		for i := range 20 { // repeated: the server's complete would be a race with the query
			s, q := fmt.Sprint("s", i), fmt.Sprint("q", i)
			c.start("subscribe", s, events)
			c.next("next", s)
			c.send(wsMsg{ID: s, Type: "complete"})
			c.start("subscribe", q, `{ status { head } }`)
			c.next("next", q) // not a message for s
			c.next("complete", q)
		}
	})

	t.Run("graphql-ws: a start under an active id stops its operation and starts the new one", func(t *testing.T) {
		rec := newOpRecorder()
		e := newEnv(t, withConfig(graph.Config{Observer: rec}))
		e.create(t, restaurantInput("r1", "a"))
		c := e.dialWS(t, graphtest.LegacyWS)
		c.init()
		c.start("start", "x", `subscription { events(afterPosition: 0) { old: position } }`)
		if m := c.next("data", "x"); eventPosition(t, m, "old") != 1 {
			t.Fatalf("got %s", m.Payload)
		}
		c.start("start", "x", `subscription { events(afterPosition: 0) { new: position } }`)
		recv(t, rec.ended) // the first subscription stopped (the second runs until stop)

		// From now on only the new operation's messages: no duplicate, no complete of the old.
		if m := c.next("data", "x"); eventPosition(t, m, "new") != 1 {
			t.Fatalf("got %s", m.Payload)
		}
		e.create(t, restaurantInput("r2", "a"))
		if m := c.next("data", "x"); eventPosition(t, m, "new") != 2 {
			t.Fatalf("got %s", m.Payload)
		}
		c.send(wsMsg{ID: "x", Type: "stop"})
		c.next("complete", "x") // as subscriptions-transport-ws's reference server completes it
		recv(t, rec.ended)
	})

	t.Run("graphql-ws: a replaced operation sends nothing, also once its replacement completed", func(t *testing.T) {
		e := newEnv(t)
		e.create(t, restaurantInput("r1", "a"))
		c := e.dialWS(t, graphtest.LegacyWS)
		c.init()
		for i := range 100 { // repeated: the replaced subscription's complete would be a race
			q := fmt.Sprint("q", i)
			c.start("start", "x", events)
			c.next("data", "x")
			c.start("start", "x", `{ status { head } }`) // a query: it completes at once
			c.next("data", "x")
			c.next("complete", "x")
			c.start("start", q, `{ status { head } }`)
			c.next("data", q) // not a message for x
			c.next("complete", q)
		}
	})
}

func TestHandler_graphqlTransportWSCloseCodes(t *testing.T) {
	const subscribe = `{"id": "1", "type": "subscribe", "payload": {"query": "subscription { events { id } }"}}`
	tests := []struct {
		name       string
		init       bool     // send connection_init first
		send       []string // then these messages
		wantCode   websocket.StatusCode
		wantReason string
	}{
		{name: "a subscribe before connection_init is 4401", send: []string{subscribe},
			wantCode: 4401, wantReason: "Unauthorized"},
		{name: "a second connection_init is 4429", init: true, send: []string{`{"type": "connection_init"}`},
			wantCode: 4429, wantReason: "Too many initialisation requests"},
		{name: "a message that is not JSON is 4400", init: true, send: []string{`{"type": "ping"`},
			wantCode: 4400, wantReason: "Invalid message received: not a JSON message"},
		{name: "a message that is not JSON before connection_init is 4400", send: []string{`nope`},
			wantCode: 4400, wantReason: "Invalid message received: not a JSON message"},
		{name: "an id that is not a string is 4400", init: true, send: []string{`{"id": 1, "type": "complete"}`},
			wantCode: 4400, wantReason: "Invalid message received: id must be a string"},
		{name: "a type that is not a string is 4400", send: []string{`{"type": ["connection_init"]}`},
			wantCode: 4400, wantReason: "Invalid message received: type must be a string"},
		{name: "a message that is not an object is 4400", init: true, send: []string{`[1, 2]`},
			wantCode: 4400, wantReason: "Invalid message received: not a JSON object"},
		{name: "an unknown type is 4400", init: true, send: []string{`{"type": "hello"}`},
			wantCode: 4400, wantReason: `Invalid message received: unexpected type "hello"`},
		{name: "a message without type is 4400", send: []string{`{}`},
			wantCode: 4400, wantReason: `Invalid message received: unexpected type ""`},
		{name: "a message of the server is 4400", init: true, send: []string{`{"id": "1", "type": "next", "payload": {}}`},
			wantCode: 4400, wantReason: `Invalid message received: unexpected type "next"`},
		{name: "a subscribe without id is 4400", init: true, send: []string{`{"type": "subscribe", "payload": {"query": "{ status { head } }"}}`},
			wantCode: 4400, wantReason: "Invalid message received: subscribe needs an id"},
		{name: "a subscribe with an id over MaxOperationIDBytes is 4400", init: true,
			send:     []string{`{"id": "` + strings.Repeat("i", graph.MaxOperationIDBytes+1) + `", "type": "subscribe", "payload": {"query": "{ status { head } }"}}`},
			wantCode: 4400, wantReason: fmt.Sprintf("Invalid message received: an id must be at most %d bytes", graph.MaxOperationIDBytes)},
		{name: "a subscribe without payload is 4400", init: true, send: []string{`{"id": "1", "type": "subscribe"}`},
			wantCode: 4400, wantReason: "Invalid message received: the subscribe payload must be a GraphQL request"},
		{name: "a subscribe whose query is not a string is 4400", init: true, send: []string{`{"id": "1", "type": "subscribe", "payload": {"query": 5}}`},
			wantCode: 4400, wantReason: "Invalid message received: the subscribe payload must be a GraphQL request"},
		{name: "a ping whose payload is not an object is 4400", init: true, send: []string{`{"type": "ping", "payload": "x"}`},
			wantCode: 4400, wantReason: "Invalid message received: the ping payload must be an object"},
		{name: "a ping whose payload is not an object before connection_init is 4400", send: []string{`{"type": "ping", "payload": [1]}`},
			wantCode: 4400, wantReason: "Invalid message received: the ping payload must be an object"},
		{name: "a pong whose payload is not an object is 4400", init: true, send: []string{`{"type": "pong", "payload": 1}`},
			wantCode: 4400, wantReason: "Invalid message received: the pong payload must be an object"},
		{name: "a complete without id is 4400", init: true, send: []string{`{"type": "complete"}`},
			wantCode: 4400, wantReason: "Invalid message received: complete needs an id"},
		{name: "a connection_init whose payload is not an object is 4400", send: []string{`{"type": "connection_init", "payload": 5}`},
			wantCode: 4400, wantReason: "Invalid message received: the connection_init payload must be an object"},
		{name: "a connection_init whose payload gqlgen cannot decode is 4400", send: []string{`{"type": "connection_init", "payload": {"n": 1e400}}`},
			wantCode: 4400, wantReason: "Invalid message received: the connection_init payload could not be decoded"},
	}
	e := newEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.dialWS(t, graphtest.TransportWS)
			if tt.init {
				c.init()
			}
			for _, s := range tt.send {
				c.sendRaw(s)
			}
			c.closed(tt.wantCode, tt.wantReason)
		})
	}

	t.Run("a ping before connection_init is answered, and a complete of no operation ignored", func(t *testing.T) {
		c := e.dialWS(t, graphtest.TransportWS)
		c.sendRaw(`{"type": "ping", "payload": {"n": 1}}`)
		_, b, err := c.conn.Read(testContext(t))
		if err != nil || string(b) != `{"type":"pong","payload":{"n":1}}` {
			t.Fatalf("got %s %v, want a pong with the ping's payload", b, err)
		}
		c.sendRaw(`{"type": "pong"}`)
		c.send(wsMsg{ID: "nothing", Type: "complete"})
		c.init()
		c.start("subscribe", "1", `{ status { head } }`)
		c.next("next", "1")
		c.next("complete", "1")
	})

	t.Run("graphql-ws keeps gqlgen's answers, with a code", func(t *testing.T) {
		c := e.dialWS(t, graphtest.LegacyWS)
		c.init()
		c.sendRaw(`{"type": "connection_init"}`)
		if err := c.nextError("connection_error", ""); err.Code != "BAD_REQUEST" || !strings.Contains(err.Message, "unexpected message") {
			t.Fatalf("got %+v", err)
		}
		c.closed(websocket.StatusProtocolError, "unexpected message")
	})

	// gqlgen would leave the connection open without an answer.
	for _, tt := range []struct{ payload, want string }{
		{`5`, "the connection_init payload must be an object"},
		{`{"n": 1e400}`, "the connection_init payload could not be decoded"},
	} {
		t.Run("graphql-ws: a connection_init with payload "+tt.payload+" is a connection_error", func(t *testing.T) {
			c := e.dialWS(t, graphtest.LegacyWS)
			c.sendRaw(`{"type": "connection_init", "payload": ` + tt.payload + `}`)
			if m := c.next("connection_error", ""); string(m.Payload) != `{"message":"`+tt.want+`","extensions":{"code":"BAD_REQUEST"}}` {
				t.Fatalf("got %s", m.Payload)
			}
			c.closed(websocket.StatusProtocolError, tt.want)
		})
	}

	// A close the client asked for is a normal one; the server's shutdown is 1001 (see
	// cmd/api's shutdown test).
	t.Run("graphql-ws: connection_terminate closes with 1000", func(t *testing.T) {
		c := e.dialWS(t, graphtest.LegacyWS)
		c.init()
		c.sendRaw(`{"type": "connection_terminate"}`)
		c.closed(websocket.StatusNormalClosure, "terminated")
	})
}

// upgradeHeader is a RoundTripper that sends the handshake with another Upgrade header.
type upgradeHeader struct {
	next    http.RoundTripper
	upgrade string
}

func (u upgradeHeader) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Upgrade", u.upgrade)
	return u.next.RoundTrip(r)
}

// A handshake whose Upgrade header lists websocket among other protocols is a WebSocket
// (the library upgrades it), so its subscriptions are served: before, only an Upgrade of
// exactly "websocket" marked the request, and they were refused as not over a WebSocket.
func TestWebSocket_upgradeAmongOtherProtocols(t *testing.T) {
	e := newEnv(t)
	e.create(t, restaurantInput("r1", "a"))
	hc := &http.Client{Transport: upgradeHeader{next: e.http.Transport, upgrade: "websocket, foo/2"}}
	c := e.dialWSWith(t, graphtest.TransportWS, hc)
	c.init()
	c.start("subscribe", "a", `subscription { events(afterPosition: 0) { position } }`)
	if m := c.next("next", "a"); eventPosition(t, m, "position") != 1 {
		t.Fatalf("got %s, want the first event", m.Payload)
	}
}

// TestHandler_graphqlWSAnswersWhatItCannotTake: after connection_init, a graphql-ws
// (subscriptions-transport-ws) client's message that is not a JSON object gets
// connection_error and one of a type the protocol does not have gets error under its id,
// as the reference server answers them, each with code BAD_REQUEST, and the connection goes
// on serving. gqlgen ended the connection without a word, and its close came out as 1001
// "server shutting down".
func TestHandler_graphqlWSAnswersWhatItCannotTake(t *testing.T) {
	e := newEnv(t)
	c := e.dialWS(t, graphtest.LegacyWS)
	c.init()
	tests := []struct{ send, typ, id, message string }{
		{`nope`, "connection_error", "", "Invalid message received: not a JSON object"},
		{`[1]`, "connection_error", "", "Invalid message received: not a JSON object"},
		{`{"id": "7", "type": "hello"}`, "error", "7", "Invalid message type!"},
		{`{"type": "ping"}`, "error", "", "Invalid message type!"},
		{`{"id": "1", "type": "data", "payload": {}}`, "error", "1", "Invalid message type!"},
	}
	for _, tt := range tests {
		c.sendRaw(tt.send)
		if err := c.nextError(tt.typ, tt.id); err.Message != tt.message || err.Code != "BAD_REQUEST" {
			t.Errorf("%s: got %+v, want message %q with code BAD_REQUEST", tt.send, err, tt.message)
		}
	}
	c.start("start", "q", `{ status { head } }`)
	c.next("data", "q")
	c.next("complete", "q")
	// JSON may start with whitespace: a message that does is taken as any other.
	c.sendRaw("\n {\"id\": \"w\", \"type\": \"start\", \"payload\": {\"query\": \"{ status { head } }\"}}")
	c.next("data", "w")
	c.next("complete", "w")
}

// TestHandler_webSocketInvalidUTF8 checks that a text message that is not UTF-8 fails the
// connection with 1007, as RFC 6455 §8.1 has it, over either subprotocol and before
// connection_init too: gqlgen took such a message, and echoed a ping's bytes back in its
// pong, itself sending a text message that is not UTF-8.
func TestHandler_webSocketInvalidUTF8(t *testing.T) {
	const reason = "Invalid message received: a text message must be UTF-8"
	tests := []struct {
		name  string
		proto graphtest.Protocol
		init  bool
		send  string
	}{
		{"graphql-transport-ws: a ping", graphtest.TransportWS, true, "{\"type\": \"ping\", \"payload\": {\"a\": \"\xff\xfe\"}}"},
		{"graphql-transport-ws: a ping before connection_init", graphtest.TransportWS, false, "{\"type\": \"ping\", \"payload\": {\"a\": \"\xff\"}}"},
		{"graphql-transport-ws: a connection_init", graphtest.TransportWS, false, "{\"type\": \"connection_init\", \"payload\": {\"a\": \"\xc3\"}}"},
		{"graphql-ws: a start", graphtest.LegacyWS, true, "{\"id\": \"1\", \"type\": \"start\", \"payload\": {\"query\": \"{ status { head } }\", \"operationName\": \"\xed\xa0\x80\"}}"},
		{"graphql-ws: a message that is not JSON", graphtest.LegacyWS, true, "\xff"},
		{"graphql-ws: a connection_init", graphtest.LegacyWS, false, "{\"type\": \"connection_init\", \"payload\": {\"a\": \"\xfe\"}}"},
	}
	e := newEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.dialWS(t, tt.proto)
			if tt.init {
				c.init()
			}
			c.sendRaw(tt.send)
			c.closed(websocket.StatusInvalidFramePayloadData, reason)
		})
	}

	t.Run("a binary message is no text", func(t *testing.T) {
		// gqlgen reads a binary message as JSON too; RFC 6455 asks UTF-8 of text only.
		c := e.dialWS(t, graphtest.TransportWS)
		c.init()
		if err := c.conn.Write(testContext(t), websocket.MessageBinary, []byte("{\"type\": \"ping\", \"payload\": {\"a\": \"\xff\"}}")); err != nil {
			t.Fatal(err)
		}
		c.start("subscribe", "1", `{ status { head } }`)
		c.next("next", "1")
	})
}
