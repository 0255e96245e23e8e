package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
)

// coderWebsocket accepts WebSocket connections with coder/websocket as gqlgen's
// transport.CoderWebsocketImplementation does, and keeps the library's connection at hand,
// which gqlgen's adapter hides: the guard sends RFC 6455 pings on it (see keepPinging).
type coderWebsocket struct {
	opts websocket.AcceptOptions
}

var _ transport.WebsocketImplementation = coderWebsocket{}

// Accept upgrades the request, offering gqlgen's subprotocols besides the configured ones.
func (a coderWebsocket) Accept(w http.ResponseWriter, r *http.Request, options transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	for key, values := range options.ResponseHeader {
		for _, v := range values {
			w.Header().Add(key, v)
		}
	}
	opts := a.opts
	opts.Subprotocols = slices.Clone(opts.Subprotocols)
	for _, p := range options.Subprotocols {
		if !slices.Contains(opts.Subprotocols, p) {
			opts.Subprotocols = append(opts.Subprotocols, p)
		}
	}
	conn, err := websocket.Accept(w, r, &opts)
	if err != nil {
		return nil, err
	}
	return &coderConn{conn: conn, done: make(chan struct{})}, nil
}

// coderConn is a coder/websocket connection as gqlgen's transport uses it.
type coderConn struct {
	conn *websocket.Conn

	mu       sync.Mutex
	deadline *time.Timer // cuts the connection when gqlgen's read deadline passes
	closing  bool        // WriteClose began the close handshake, which ends the connection
	done     chan struct{}
	doneOnce sync.Once

	// A connection counts as busy while a write of busyBytes or more is in progress and for
	// quiet after one (see busy), and its peer is then judged by progressConn alone: a ping
	// and its pong would queue behind the data. A small write does not count: it takes long
	// only when the send buffer is full, which large writes or many small ones (see
	// keepPinging) filled; and gqlgen's keep-alive message, written at the very ticks of
	// keepPinging, would otherwise be found in progress where writes are slow (under Wine).
	quiet        time.Duration
	writingLarge atomic.Int32              // WriteJSON calls of busyBytes or more in progress
	written      atomic.Int64              // bytes WriteJSON wrote since keepPinging last looked
	lastLarge    atomic.Pointer[time.Time] // when the last write of busyBytes or more ended (nil: none), with its monotonic reading
	deadlines    uint64                    // SetReadDeadline calls, so that a timer knows it was replaced; c.mu
	armed        bool                      // a deadline was set before (see SetReadDeadline); c.mu
}

var (
	_ transport.WebsocketReadLimiter   = (*coderConn)(nil)
	_ transport.WebsocketReadDeadliner = (*coderConn)(nil)
)

// NextReader reads the next message whole. A close by the peer with 1000 or without a
// code is transport.ErrWebsocketClosed, as gqlgen expects of a normal close.
func (c *coderConn) NextReader() (int, io.Reader, error) {
	typ, data, err := c.conn.Read(context.Background())
	if err != nil {
		switch websocket.CloseStatus(err) {
		case websocket.StatusNormalClosure, websocket.StatusNoStatusRcvd:
			return int(typ), nil, transport.ErrWebsocketClosed
		}
		return int(typ), nil, err
	}
	return int(typ), bytes.NewReader(data), nil
}

// WriteJSON writes v as one text message. Its progress is bounded beneath the library (see
// progressConn), not here.
func (c *coderConn) WriteJSON(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.written.Add(int64(len(data)))
	if len(data) < busyBytes {
		return c.conn.Write(context.Background(), websocket.MessageText, data)
	}
	c.writingLarge.Add(1)
	defer func() {
		c.noteLarge(time.Now())
		c.writingLarge.Add(-1)
	}()
	return c.conn.Write(context.Background(), websocket.MessageText, data)
}

// WriteClose begins the close handshake and returns at once: the library waits up to 5 s
// for the peer's close frame, and gqlgen's teardown (its CloseFunc too) should not wait on
// a slow or vanished peer. Only the first call counts.
func (c *coderConn) WriteClose(code int, reason string) error {
	c.mu.Lock()
	c.stopDeadline()
	if c.closing {
		c.mu.Unlock()
		return nil
	}
	c.closing = true
	c.mu.Unlock()
	c.finish()
	go func() { _ = c.conn.Close(websocket.StatusCode(code), reason) }()
	return nil
}

// Close drops the connection, unless WriteClose began the handshake: that ends it, and
// dropping the connection now could cut its close frame off.
func (c *coderConn) Close() error {
	c.mu.Lock()
	c.stopDeadline()
	closing := c.closing
	c.mu.Unlock()
	c.finish()
	if closing {
		return nil
	}
	return c.conn.CloseNow()
}

// finish tells keepPinging to stop.
func (c *coderConn) finish() { c.doneOnce.Do(func() { close(c.done) }) }

// Subprotocol is the negotiated subprotocol.
func (c *coderConn) Subprotocol() string { return c.conn.Subprotocol() }

// SetReadLimit bounds a message's size (gqlgen's PayloadReadLimit).
func (c *coderConn) SetReadLimit(limit int64) { c.conn.SetReadLimit(limit) }

// SetReadDeadline cuts the connection at t unless it is moved again first (gqlgen's ping
// and pong of graphql-transport-ws); the zero time removes the deadline. The library has
// no read deadline of its own: its reads end when the connection is closed. A deadline that
// passes while the connection is busy (see busy) moves on by its own length instead: gqlgen
// waits for a pong to a ping that queues behind the data, so a client reading a large
// message slowly but steadily would be cut although it answers every ping.
//
// The first deadline is moved on by half its length. gqlgen sets it two intervals from the
// start and moves it at its second ping, also two intervals from the start, when the
// first was answered: the timer and the ping fell due at the same moment, and on a busy
// machine the timer could win and cut a client that had answered at once. From then on
// each deadline is moved an interval before it falls due.
func (c *coderConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopDeadline()
	c.deadlines++
	if t.IsZero() {
		return nil
	}
	wait := time.Until(t)
	if wait <= 0 {
		return c.conn.CloseNow()
	}
	if !c.armed {
		c.armed = true
		wait += wait / 2
	}
	c.armDeadline(c.deadlines, wait)
	return nil
}

// armDeadline starts the timer of deadline number n, wait from now; c.mu is held.
func (c *coderConn) armDeadline(n uint64, wait time.Duration) {
	c.deadline = time.AfterFunc(wait, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		switch {
		case n != c.deadlines || c.deadline == nil: // moved or removed meanwhile
		case c.busy(time.Now()):
			c.armDeadline(n, wait)
		default:
			_ = c.conn.CloseNow()
		}
	})
}

// busy reports whether a write of busyBytes or more is in progress or ended less than
// quiet ago: by then a client that keeps up with the stream write timeout has drained the
// send buffer, and read whatever ping was queued behind the data.
func (c *coderConn) busy(now time.Time) bool {
	if c.writingLarge.Load() > 0 {
		return true
	}
	last := c.lastLarge.Load()
	return last != nil && now.Sub(*last) < c.quiet
}

// noteLarge records that a write of busyBytes or more ended at now, a reading of time.Now
// that busy compares by the monotonic clock: its Unix time, as before, kept a connection
// busy for an hour after the system clock was stepped back an hour (no ping, and its read
// deadline moved on and on, so a vanished peer held its subscriptions meanwhile).
func (c *coderConn) noteLarge(now time.Time) {
	c.lastLarge.Store(&now)
}

// stopDeadline stops the read deadline's timer; c.mu is held.
func (c *coderConn) stopDeadline() {
	if c.deadline != nil {
		c.deadline.Stop()
		c.deadline = nil
	}
}

// busyBytes is what a connection's writes may add up to in one keep-alive interval and
// still count as quiet: half the send buffer of a stream's connection (StreamSendBuffer),
// far more than the keep-alive messages and a trickle of small events take.
const busyBytes = StreamSendBuffer / 2

// keepPinging sends an RFC 6455 ping every interval and cuts the connection when a ping
// has had no pong for 2 intervals. The legacy graphql-ws protocol has no ping of its own
// (its "ka" messages go one way), so without these a peer that vanished without a word,
// such as a phone that lost its network, would hold its connection and its subscriptions
// until TCP gave up on it, a quarter of an hour or more. Browsers and WebSocket libraries
// answer a ping by themselves.
//
// It pings only a quiet connection: not busy (see busy), and less than busyBytes written in
// each interval for the last c.quiet. On a busy one a ping and its pong would queue behind
// the data, so a client that reads slowly but steadily would be cut; there progressConn
// judges the peer by its reading instead, as the writes fill the send buffer.
// The loop ends when the connection is closed (Close or WriteClose) or cut.
func (c *coderConn) keepPinging(interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var (
		answer   chan error // the outstanding ping's end (nil: none outstanding)
		since    time.Time  // when it was sent, or the connection last was busy
		lastBusy time.Time
	)
	for {
		var now time.Time
		select {
		case <-c.done:
			return
		case <-answer:
			// A pong, a ping that could not be written (the next tick sends another), or a
			// closed connection (Close ends the loop).
			answer = nil
			continue
		case now = <-tick.C:
		}
		if c.busy(now) || c.written.Swap(0) >= busyBytes {
			lastBusy = now
		}
		switch {
		case now.Sub(lastBusy) < c.quiet:
			since = now // busy: a ping sent or about to be waits behind the data
		case answer == nil:
			answer = make(chan error, 1)
			go func(answer chan<- error) { answer <- c.conn.Ping(context.Background()) }(answer)
			since = now
		case now.Sub(since) >= 2*interval:
			_ = c.conn.CloseNow() // no close handshake with a peer that does not answer
			return
		}
	}
}
