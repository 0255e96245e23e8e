package graph

import (
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// writeTimeoutConn bounds each write to a WebSocket connection (a message or the close
// frame): a write that has not completed within timeout closes the connection (the wrapped
// connection's Close, which for coder/websocket is CloseNow), and so fails.
//
// gqlgen's coder/websocket adapter writes with context.Background(), and its transport
// holds the connection's lock while it writes. A client that stops reading, once the
// socket's buffers are full, held the write, every subscription of the connection and the
// message each had pending until it went away, if ever. With the connection closed,
// gqlgen's reader fails and it tears the connection down, which ends every subscription.
//
// A timer per write, stopped when the write returns, does that: no goroutine waits beside
// the connection, and one that fires closes the connection and ends.
type writeTimeoutConn struct {
	transport.WebsocketConn
	timeout time.Duration
	cut     func() // closes the connection; made once, not per write
}

var _ interface {
	transport.WebsocketConn
	transport.WebsocketReadLimiter
	transport.WebsocketReadDeadliner
} = (*writeTimeoutConn)(nil)

// newWriteTimeoutConn bounds each write to conn by timeout, which must be positive.
func newWriteTimeoutConn(conn transport.WebsocketConn, timeout time.Duration) *writeTimeoutConn {
	return &writeTimeoutConn{
		WebsocketConn: conn,
		timeout:       timeout,
		cut:           func() { _ = conn.Close() },
	}
}

// WriteJSON writes a message, closing the connection if that takes longer than the timeout.
func (c *writeTimeoutConn) WriteJSON(v any) error {
	t := time.AfterFunc(c.timeout, c.cut)
	defer t.Stop()
	return c.WebsocketConn.WriteJSON(v)
}

// WriteClose sends a close frame, closing the connection if that takes longer than the
// timeout. (coder/websocket's adapter sends it in a goroutine of its own, bounded by the
// library; other implementations may write it at once.)
func (c *writeTimeoutConn) WriteClose(code int, reason string) error {
	t := time.AfterFunc(c.timeout, c.cut)
	defer t.Stop()
	return c.WebsocketConn.WriteClose(code, reason)
}

// SetReadLimit passes gqlgen's PayloadReadLimit on.
func (c *writeTimeoutConn) SetReadLimit(limit int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(limit)
	}
}

// SetReadDeadline passes gqlgen's ping-pong deadline on.
func (c *writeTimeoutConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}
