package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
)

// Close codes that gqlgen's transport does not send itself: RFC 6455's, and those of the
// graphql-transport-ws protocol (https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md);
// 4401 is CloseUnauthorized.
const (
	closeGoingAway                       = 1001 // RFC 6455: the server is going down
	closeInvalidFramePayloadData         = 1007 // RFC 6455: a text message that is not UTF-8
	closeBadRequest                      = 4400
	closeConnectionInitialisationTimeout = 4408
	closeSubscriberAlreadyExists         = 4409
	closeTooManyInitialisationRequests   = 4429
)

// gqlgenInitTimeout is the reason gqlgen closes with (code 1002) when no connection_init
// came within its InitTimeout.
const gqlgenInitTimeout = "connection initialisation timeout"

// gqlgenTerminated is the reason gqlgen closes with (code 1000) when the connection's
// context ends, and when a graphql-ws client sends connection_terminate.
const gqlgenTerminated = "terminated"

// maxCloseReason is the longest close reason a close frame carries: its payload is at most
// 125 bytes, two of them the code.
const maxCloseReason = 123

// wsGuard is a transport.WebsocketImplementation that keeps gqlgen's WebSocket transport to
// the rules of its subprotocols where gqlgen does not (see guardedConn), and bounds the
// progress of each write to a connection by writeTimeout (see progressConn; not positive:
// no bound).
type wsGuard struct {
	transport.WebsocketImplementation
	writeTimeout time.Duration
	maxOps       int           // operations running at once on a connection (not positive: no limit)
	observer     Observer      // told of each operation refused over maxOps (nil: none)
	pingInterval time.Duration // of graphql-ws connections' pings (see keepPinging; not positive: none)
}

var _ transport.WebsocketImplementation = wsGuard{}

// Accept accepts the connection with the wrapped implementation and guards it. The
// connection speaks the subprotocol the client prefers (see subprotocol): coder/websocket
// picks the first of the server's list that the client offers, and gqlgen lists graphql-ws
// first, so a client that offered both in its order of preference got the legacy protocol.
// The library is shown only the client's choice, so that it picks that one.
func (g wsGuard) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	if proto, _ := subprotocol(r.Header); proto != "" {
		// A copy: the original request's header is gqlgen's (a resolver may read it).
		r = r.Clone(r.Context())
		r.Header.Set("Sec-WebSocket-Protocol", proto)
	}
	if g.writeTimeout > 0 {
		// Beneath the library, so that every frame it writes is bounded, the guard's too.
		bh := boundedHijack{ResponseWriter: w, timeout: g.writeTimeout}
		if u, ok := r.Context().Value(webSocketKey{}).(*upgrade); ok {
			bh.slow = &u.slow
		}
		w = bh
	}
	conn, err := g.WebsocketImplementation.Accept(w, r, opts)
	if err != nil {
		return nil, err
	}
	gc := newGuardedConn(conn)
	if cc, ok := conn.(*coderConn); ok {
		// After a large write, a client that keeps up with the write timeout has drained
		// its send buffer within it.
		cc.quiet = max(g.writeTimeout, 2*g.pingInterval)
		if !gc.transportWS && g.pingInterval > 0 {
			go cc.keepPinging(g.pingInterval)
		}
	}
	gc.upgrade, _ = r.Context().Value(webSocketKey{}).(*upgrade)
	gc.maxOps = g.maxOps
	if gc.upgrade != nil {
		gc.upgrade.mu.Lock()
		gc.upgrade.closeConn = func() { _ = gc.WriteClose(closeGoingAway, "server shutting down") }
		gc.upgrade.mu.Unlock()
	}
	if g.observer != nil {
		ctx := r.Context() // the connection's: its requests' contexts derive from it
		gc.overLimit = func() { g.observer.OperationDone(ctx, Operation{Codes: []string{CodeOperationLimitExceeded}}) }
	}
	return gc, nil
}

// newGuardedConn guards conn, whose subprotocol was negotiated.
func newGuardedConn(conn transport.WebsocketConn) *guardedConn {
	return &guardedConn{
		WebsocketConn: conn,
		transportWS:   conn.Subprotocol() == subprotocolTransportWS,
		owner:         map[string]binding{},
		client:        map[string]string{},
		running:       map[string]bool{},
		sent:          make(chan struct{}),
	}
}

// guardedConn sits between gqlgen's WebSocket transport and the connection, and sees every
// message both ways. gqlgen keeps a connection's operations in a map by the client's id and
// overwrites an entry when a client reuses an id that is still active: both operations run
// and deliver under the one id, and stop ends only the newer. Its teardown also races with
// reuse: an operation sends complete before it deletes its id from that map, so an id reused
// at once can lose its new entry (it cannot be stopped any more) and receive the old
// operation's complete.
//
// So gqlgen never sees the client's ids: each start (subscribe) gets an id of its own,
// unique on the connection, and every message gqlgen writes is sent under the client's id
// of its operation, or dropped once the guard forgot the operation: it ended (gqlgen follows
// some errors with a complete, which neither protocol wants), a newer operation took its
// client's id, or (graphql-transport-ws) the client completed it, after which the protocol
// allows no further message for the id. Dropping by operation, not by client id, keeps a
// late message of an old operation from reaching a client that reused the id. A reused id
// is then:
//   - graphql-transport-ws: refused as the protocol says, closing the socket with 4409
//     "Subscriber for <id> already exists" while the id is active (until the server sent
//     complete or error for it, or the client sent complete);
//   - graphql-ws (subscriptions-transport-ws): handled as its reference server does: the
//     operation running under the id is stopped (its further messages, complete included,
//     are dropped) and the new one started. An operation the client stopped still sends
//     its complete, as the reference server's do, unless a new one took the id first.
//
// A text message that is not UTF-8 closes the connection with 1007, as RFC 6455 §8.1 has
// it, over either protocol: neither the library nor gqlgen checks, and gqlgen would echo
// such bytes back (a ping's payload in its pong) in a text message of its own.
//
// For graphql-transport-ws it also closes with the protocol's codes where gqlgen would close
// with 1002 or a normal 1000 (or not at all): 4400 for an invalid message (not JSON, an
// unknown type, a ping or pong whose payload is not an object, a subscribe or complete
// without id, a subscribe without a GraphQL request, a connection_init payload gqlgen
// cannot decode), 4401 for a subscribe before the connection was initialised, 4408 when no
// connection_init came in time, 4429 for a second connection_init; and it answers a ping
// sent before connection_init, which the protocol allows and gqlgen refuses.
//
// For graphql-ws, whose messages carry errors rather than close codes, every error and
// connection_error has extensions.code (see legacyError), as the endpoint's other errors
// do; gqlgen's carry none. The guard answers a connection_init payload gqlgen cannot
// decode with connection_error and closes with 1002, as gqlgen does for a connection_init
// that is not JSON (gqlgen would leave the socket open without an answer); after
// connection_init it answers a message that is not a JSON object with connection_error, one
// of a type the protocol does not have with error, and a start whose payload is no GraphQL
// request with error under its id (BAD_REQUEST, as POST answers such a body; gqlgen would
// answer "invalid json" without a code), stopping the operation that ran under the id, and
// reads on, as the reference server does (gqlgen would end the connection without an
// answer for the first two).
//
// It bounds the operations running at once on the connection (maxOps): gqlgen starts a
// goroutine for every subscribe (start) it is handed, query or subscription, with no limit
// of its own, so one client sending 20,000 small messages made the server hold 20,000
// goroutines, and, with queries whose answers it never read, gigabytes. An operation runs
// from the guard handing it on until gqlgen writes its complete or error, which it does for
// every operation it ends (also for one the client completed or stopped) while the
// connection is open. Once the guard handed gqlgen a stop for it (the client completed or
// stopped it, or a graphql-ws start replaced it) it counts as stopping, not running: the
// client, which the protocol does not tell when gqlgen is done with it, may start another
// at once. At most maxOps run, and at most 2×maxOps are held, running or stopping: while
// that many are held the guard reads no further start until one has ended (see awaitRoom),
// which a stopped operation does promptly. One more than maxOps running is refused under its
// client's id, with an error message of code OPERATION_LIMIT_EXCEEDED, and is never handed
// on: it costs no goroutine, and the refusal's write holds the reading back from a client
// that does not read. A graphql-ws start that reuses an id stops the operation running under
// it first, so restarting an operation is never refused for the running ones.
//
// Memory: owner and client hold an entry per client id whose latest operation may still
// send, at most one per operation gqlgen runs; running one per operation gqlgen runs, at
// most 2×maxOps; pending holds at most one message.
type guardedConn struct {
	transport.WebsocketConn
	transportWS bool     // graphql-transport-ws; otherwise the legacy graphql-ws
	upgrade     *upgrade // the upgrade request (nil: the server never shuts down)

	// Used by the goroutine reading messages only (gqlgen reads one message at a time).
	initialised bool   // connection_init was handed on: gqlgen answers it before reading on
	pending     []byte // a message to hand on before reading the next one

	maxOps    int    // operations running at once (not positive: no limit)
	overLimit func() // reports an operation refused over maxOps (nil: none)

	mu       sync.Mutex
	seq      uint64
	owner    map[string]binding // client id → its latest operation, while that may send
	client   map[string]string  // operation id → its client id, while its messages are sent
	running  map[string]bool    // operations handed on whose complete or error gqlgen has not written; true: stopping
	stopping int                // the operations in running that are stopping
	ended    chan struct{}      // closed (and set to nil) when an operation leaves running, if not nil: see awaitRoom
	sent     chan struct{}      // closed once a WriteClose reached the library: see Close
	closing  bool               // a close frame was sent: later WriteClose calls are ignored
}

// binding is the latest operation started under a client's id. An operation is in
// guardedConn.client exactly when it is the op of its client id's binding.
type binding struct {
	op      string
	stopped bool // graphql-ws: the client stopped it; it may still send its complete
}

var _ interface {
	transport.WebsocketConn
	transport.WebsocketReadLimiter
	transport.WebsocketReadDeadliner
} = (*guardedConn)(nil)

// wsMessage is a message of either subprotocol, as far as the guard reads it.
type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// decodeMessage decodes a message as gqlgen decodes a client's (the first JSON value, numbers
// kept as written) into the same fields, but takes any type: every message gqlgen would take
// for a start or stop is translated, so that gqlgen never sees a client's id.
func decodeMessage(data []byte) (wsMessage, error) {
	var m wsMessage
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	err := d.Decode(&m)
	return m, err
}

// messageProblem says what is wrong with a message decodeMessage refused: a field of
// another JSON type (an id sent as a number) is not a message that is not JSON.
func messageProblem(err error) string {
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		if te.Field == "" {
			return "not a JSON object"
		}
		return fmt.Sprintf("%s must be a string", te.Field)
	}
	return "not a JSON message"
}

// NextReader returns the next message for gqlgen: the client's, with its operation id
// translated, or one the guard made. A message the protocol refuses closes the connection
// and returns an error that wraps transport.ErrWebsocketClosed.
func (c *guardedConn) NextReader() (int, io.Reader, error) {
	if p := c.pending; p != nil {
		c.pending = nil
		return int(websocket.MessageText), bytes.NewReader(p), nil
	}
	for {
		kind, r, err := c.WebsocketConn.NextReader()
		if err != nil {
			return kind, r, err
		}
		data, err := io.ReadAll(r)
		if err != nil {
			return kind, nil, err
		}
		if kind == int(websocket.MessageText) && !utf8.Valid(data) {
			return kind, nil, c.refuse(closeInvalidFramePayloadData, "Invalid message received: a text message must be UTF-8")
		}
		var out []byte
		if c.transportWS {
			out, err = c.transportWSMessage(data)
		} else {
			out, err = c.legacyMessage(data)
		}
		if err != nil {
			return kind, nil, err
		}
		if out != nil {
			return kind, bytes.NewReader(out), nil
		}
	}
}

// transportWSMessage checks a graphql-transport-ws message and returns what to hand on to
// gqlgen, nil for nothing, or the error of a refusal that closed the connection.
func (c *guardedConn) transportWSMessage(data []byte) ([]byte, error) {
	m, err := decodeMessage(data)
	if err != nil {
		return nil, c.refuse(closeBadRequest, "Invalid message received: "+messageProblem(err))
	}
	switch m.Type {
	case "connection_init":
		if c.initialised {
			return nil, c.refuse(closeTooManyInitialisationRequests, "Too many initialisation requests")
		}
		if problem := initPayloadProblem(m.Payload); problem != "" {
			return nil, c.refuse(closeBadRequest, "Invalid message received: "+problem)
		}
		c.initialised = true
		return data, nil
	case "ping", "pong":
		if len(m.Payload) > 0 && !isObject(m.Payload) && string(m.Payload) != "null" {
			return nil, c.refuse(closeBadRequest, "Invalid message received: the "+m.Type+" payload must be an object")
		}
		if c.initialised {
			return data, nil
		}
		if m.Type == "ping" { // gqlgen's initialisation would refuse it
			if err := c.WebsocketConn.WriteJSON(wsMessage{Type: "pong", Payload: m.Payload}); err != nil {
				return nil, err
			}
		}
		return nil, nil
	case "subscribe":
		switch {
		case !c.initialised:
			return nil, c.refuse(CloseUnauthorized, "Unauthorized")
		case m.ID == "":
			return nil, c.refuse(closeBadRequest, "Invalid message received: subscribe needs an id")
		case len(m.ID) > MaxOperationIDBytes:
			return nil, c.refuse(closeBadRequest, fmt.Sprintf("Invalid message received: an id must be at most %d bytes", MaxOperationIDBytes))
		case !isObject(m.Payload) || !isGraphQLRequest(m.Payload):
			return nil, c.refuse(closeBadRequest, "Invalid message received: the subscribe payload must be a GraphQL request")
		}
		c.awaitRoom()
		switch op, _, res := c.start(m.ID, false); res {
		case idActive:
			return nil, c.refuse(closeSubscriberAlreadyExists, "Subscriber for "+m.ID+" already exists")
		case atLimit:
			return nil, c.refuseOperation(m.ID)
		default:
			return encodeMessage(wsMessage{ID: op, Type: m.Type, Payload: m.Payload}), nil
		}
	case "complete":
		if m.ID == "" {
			return nil, c.refuse(closeBadRequest, "Invalid message received: complete needs an id")
		}
		if op, ok := c.stop(m.ID, true); ok { // the protocol wants nothing more sent for it
			return encodeMessage(wsMessage{ID: op, Type: m.Type}), nil
		}
		return nil, nil // no operation answers to the id: nothing to stop
	default:
		return nil, c.refuse(closeBadRequest, fmt.Sprintf("Invalid message received: unexpected type %q", m.Type))
	}
}

// initPayloadProblem says why gqlgen cannot decode a connection_init payload as it does (into
// a map, numbers as float64), or returns "" when it can. gqlgen would end such a connection
// without an answer and without closing the socket.
func initPayloadProblem(p json.RawMessage) string {
	if len(p) == 0 {
		return ""
	}
	if !isObject(p) && string(p) != "null" {
		return "the connection_init payload must be an object"
	}
	var m map[string]any
	if json.Unmarshal(p, &m) != nil { // e.g. a number beyond float64
		return "the connection_init payload could not be decoded"
	}
	return ""
}

// MaxOperationIDBytes bounds the id a WebSocket client gives an operation (graphql-ws
// clients use a UUID or a counter). The guard keeps an operation's id while it runs, and the
// server repeats it in every message of the operation: without a bound, a client's
// operations each held an id of up to Config.WebSocketReadLimit (1 MiB), and every event of
// a subscription carried it back.
const MaxOperationIDBytes = 1024

// startResult is how start went.
type startResult int

const (
	started  startResult = iota
	idActive             // the client's id is bound to an active operation (without replace)
	atLimit              // maxOps operations are running, or stopping: none was started
)

// start gives a new operation under the client's id an id of its own, never "", and forgets
// the operation the client's id was bound to: nothing more of that one is sent. While that
// operation is active (not stopped), start fails with idActive, unless replace is set: then
// the other operation is returned as old, for gqlgen to stop (it is stopping from then on).
// While maxOps operations run, or maxOps are stopping, start fails with atLimit; with
// replace it still forgets the operation bound to the id and returns it as old when active.
func (c *guardedConn) start(clientID string, replace bool) (op, old string, res startResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	prev, bound := c.owner[clientID]
	if bound && !prev.stopped && !replace {
		return "", prev.op, idActive
	}
	if bound && !prev.stopped {
		old = prev.op
		c.markStopping(old)
	}
	if bound {
		delete(c.client, prev.op)
	}
	if c.maxOps > 0 && (len(c.running)-c.stopping >= c.maxOps || len(c.running) >= 2*c.maxOps) {
		if bound {
			delete(c.owner, clientID)
		}
		return "", old, atLimit
	}
	c.seq++
	op = strconv.FormatUint(c.seq, 10)
	c.owner[clientID] = binding{op: op}
	c.client[op] = clientID
	c.running[op] = false
	return op, old, started
}

// stoppingWait bounds awaitRoom: a stopped operation ends at once, unless a write of its
// holds it (a client that does not read, until the stream write timeout cuts it off).
const stoppingWait = 5 * time.Second

// awaitRoom waits, at most stoppingWait, while the connection holds 2×maxOps operations of
// which some are stopping: one of those ends soon, and start then has room for a new one.
// A client that completes an operation and at once starts another (as graphql-ws clients
// do when a subscription's variables change) is not refused for the stopped one; its
// reading waits instead, which also keeps it from piling stopped operations up. It reports
// false when it gave up at stoppingWait, true when it had no (more) reason to wait.
func (c *guardedConn) awaitRoom() bool {
	if c.maxOps <= 0 {
		return true
	}
	var timeout <-chan time.Time
	for {
		c.mu.Lock()
		if len(c.running) < 2*c.maxOps || c.stopping == 0 {
			c.mu.Unlock()
			return true
		}
		if c.ended == nil {
			c.ended = make(chan struct{})
		}
		ended := c.ended
		c.mu.Unlock()
		if timeout == nil {
			t := time.NewTimer(stoppingWait)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-ended:
		case <-timeout:
			return false // start refuses it
		}
	}
}

// markStopping counts op, which the guard hands gqlgen a stop for, as stopping rather than
// running (see guardedConn). The caller holds mu.
func (c *guardedConn) markStopping(op string) {
	if stopping, ok := c.running[op]; ok && !stopping {
		c.running[op] = true
		c.stopping++
	}
}

// refuseOperation answers a subscribe (start) under the client's id beyond maxOps with an
// error message, in the form of the connection's protocol, which ends the id for the client.
func (c *guardedConn) refuseOperation(clientID string) error {
	if c.overLimit != nil {
		c.overLimit()
	}
	what := "operations run"
	if c.maxOps == 1 {
		what = "operation runs"
	}
	return c.WebsocketConn.WriteJSON(wsMessage{ID: clientID, Type: "error", Payload: legacyError("error", CodeOperationLimitExceeded,
		fmt.Sprintf("at most %d %s at once on one connection: wait for one to end", c.maxOps, what))})
}

// release forgets the operation bound to the client's id, whether active or stopped: nothing
// more of it is sent. It returns the operation and whether it is active, for gqlgen to stop.
func (c *guardedConn) release(clientID string) (op string, active bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, bound := c.owner[clientID]
	if !bound {
		return "", false
	}
	delete(c.owner, clientID)
	delete(c.client, b.op)
	if !b.stopped {
		c.markStopping(b.op) // the caller hands gqlgen its stop
	}
	return b.op, !b.stopped
}

// stop frees the client's id: it returns the active operation bound to it, for gqlgen to
// stop. With forget, nothing more of the operation is sent; otherwise it still sends (gqlgen
// completes it) until it ends or a new operation takes the id.
func (c *guardedConn) stop(clientID string, forget bool) (op string, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, bound := c.owner[clientID]
	if !bound || b.stopped {
		return "", false
	}
	if forget {
		delete(c.owner, clientID)
		delete(c.client, b.op)
	} else {
		c.owner[clientID] = binding{op: b.op, stopped: true}
	}
	c.markStopping(b.op) // the caller hands gqlgen its stop
	return b.op, true
}

// route returns the client's id for a message gqlgen writes about operation op, and whether
// to send it: only while the guard has not forgotten op (see start and stop) and op has not
// ended. complete and error end op.
func (c *guardedConn) route(op, typ string) (clientID string, send bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ends := typ == "complete" || typ == "error"
	if stopping, ok := c.running[op]; ok && ends { // also when the guard forgot op: it ran until now
		if stopping {
			c.stopping--
		}
		delete(c.running, op)
		if c.ended != nil {
			close(c.ended)
			c.ended = nil
		}
	}
	clientID, send = c.client[op]
	if send && ends {
		delete(c.client, op)
		if c.owner[clientID].op == op {
			delete(c.owner, clientID)
		}
	}
	return clientID, send
}

// WriteJSON sends a message gqlgen writes under its operation's client id, or drops it (see
// route). Messages without an id (connection_ack, ka, ping, pong) pass unchanged, but for
// a graphql-ws connection_error, which gets a code (see withCode).
//
// gqlgen writes a pointer to its unexported message struct; the guard reads and sets its ID
// and Type fields by reflection rather than encoding and decoding every event message once
// more. Should gqlgen's messages change shape, it falls back to their JSON.
func (c *guardedConn) WriteJSON(v any) error {
	c.mu.Lock()
	closing := c.closing
	c.mu.Unlock()
	if closing {
		// The close frame is on its way (gqlgen's WriteClose sends it from a goroutine of its
		// own): nothing may follow it, such as the error of an operation its closing ended.
		return nil
	}
	id, typ, ok := messageFields(v)
	if !ok {
		return c.writeEncoded(v)
	}
	if id.String() == "" {
		if !c.transportWS && typ.String() == "connection_error" {
			return c.writeEncoded(v) // rare: the connection closes after it
		}
		return c.WebsocketConn.WriteJSON(v)
	}
	clientID, send := c.route(id.String(), typ.String())
	if !send {
		return nil
	}
	id.SetString(clientID)
	return c.WebsocketConn.WriteJSON(v)
}

// writeEncoded is WriteJSON through the message's JSON, for a message that is not gqlgen's
// struct or a graphql-ws connection_error.
func (c *guardedConn) writeEncoded(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	m, err := decodeMessage(b)
	if err == nil && m.ID == "" && !c.transportWS && m.Type == "connection_error" {
		return c.WebsocketConn.WriteJSON(withCode(m))
	}
	if err != nil || m.ID == "" {
		return c.WebsocketConn.WriteJSON(json.RawMessage(b))
	}
	clientID, send := c.route(m.ID, m.Type)
	if !send {
		return nil
	}
	m.ID = clientID
	return c.WebsocketConn.WriteJSON(m)
}

// messageFields returns the settable string fields ID and Type of the struct v points to.
func messageFields(v any) (id, typ reflect.Value, ok bool) {
	p := reflect.ValueOf(v)
	if p.Kind() != reflect.Pointer || p.Elem().Kind() != reflect.Struct {
		return id, typ, false
	}
	id, typ = p.Elem().FieldByName("ID"), p.Elem().FieldByName("Type")
	ok = id.Kind() == reflect.String && id.CanSet() && typ.Kind() == reflect.String
	return id, typ, ok
}

// WriteClose sends a close frame, unless the guard already sent one: gqlgen closes the
// connection too after a refusal, with a code of its own. gqlgen's close for a missing
// connection_init gets graphql-transport-ws's code and reason, and its close when the
// request's context ended (the server shuts down: see NewHandler) gets 1001 Going Away, the
// code RFC 6455 gives a server going down, instead of 1000: a client takes 1000 with
// operations still running for a server that ended them, and may not retry.
func (c *guardedConn) WriteClose(code int, reason string) error {
	switch {
	case c.transportWS && code == transport.WebsocketCloseProtocolError && reason == gqlgenInitTimeout:
		code, reason = closeConnectionInitialisationTimeout, "Connection initialisation timeout"
	case code == transport.WebsocketCloseNormalClosure && reason == gqlgenTerminated && c.shuttingDown():
		code, reason = closeGoingAway, "server shutting down"
	}
	c.mu.Lock()
	closing := c.closing
	c.closing = true
	c.mu.Unlock()
	if closing {
		return nil
	}
	defer close(c.sent)
	return c.WebsocketConn.WriteClose(code, reason)
}

// Close closes the connection once a close frame the guard began to send (a refusal, or
// goAway from a subscription's goroutine) has reached the library: gqlgen closes right after
// its own WriteClose, which the guard ignores when it sent one first, and the library, asked
// to close before its close handshake began, drops the connection without a close frame.
func (c *guardedConn) Close() error {
	c.mu.Lock()
	closing := c.closing
	c.mu.Unlock()
	if closing {
		<-c.sent // WriteClose returns at once: the library runs the handshake on its own
	}
	return c.WebsocketConn.Close()
}

// shuttingDown reports whether the upgrade request's context ended while its handler ran:
// the server is shutting down (see upgrade).
func (c *guardedConn) shuttingDown() bool {
	return c.upgrade != nil && c.upgrade.shuttingDown()
}

// refuse closes the connection with code and reason and returns the error that ends
// gqlgen's reading, which it takes for a closed connection.
func (c *guardedConn) refuse(code int, reason string) error {
	reason = closeReason(reason)
	_ = c.WriteClose(code, reason)
	return fmt.Errorf("graph: websocket closed with %d %q: %w", code, reason, transport.ErrWebsocketClosed)
}

// SetReadLimit passes gqlgen's PayloadReadLimit on.
func (c *guardedConn) SetReadLimit(limit int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(limit)
	}
}

// SetReadDeadline passes gqlgen's ping-pong deadline on.
func (c *guardedConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}

// closeReason cuts s to the length a close frame carries, at a character boundary.
func closeReason(s string) string {
	if len(s) <= maxCloseReason {
		return s
	}
	s = s[:maxCloseReason]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// isObject reports whether p, a JSON value, is an object.
func isObject(p json.RawMessage) bool { return len(p) > 0 && p[0] == '{' }

// encodeMessage encodes a message the guard hands on; it cannot fail.
func encodeMessage(m wsMessage) []byte {
	b, _ := json.Marshal(m)
	return b
}
