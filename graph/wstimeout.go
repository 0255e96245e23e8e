package graph

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"
)

// writeChunk is the most a connection's writes send under one deadline (see progressConn).
const writeChunk = 32 << 10

// StreamSendBuffer is the socket send buffer a subscription stream's connection gets (see
// progressConn; cmd/api gives it to Server-Sent Events streams too). The kernel wakes a
// writer blocked on a full buffer only once a third of it is free: with the megabytes a
// loopback or fast connection's buffer grows to, a client reading 30 KB/s let a write
// progress once in tens of seconds, and a deadline on progress cut it off. With 32 KiB
// (which Linux doubles), a write progresses with every ~20 KB the client takes.
const StreamSendBuffer = 32 << 10

// progressConn bounds a connection's writes by their progress: each chunk of at most
// writeChunk bytes must be taken by the peer within timeout, or the write fails.
//
// gqlgen's coder/websocket adapter writes with context.Background(), and its transport
// holds the connection's lock while it writes, so a client that stopped reading held the
// write, every subscription of the connection and the message each had pending until it
// went away, if ever. Bounding a whole message instead would cut off a client that reads
// steadily but slowly whenever a message is larger than what it reads in that time (an
// event's data may hold a whole menu); a chunk's deadline asks only that it keeps reading.
// A failed write closes the connection: gqlgen's reader fails and it tears the connection
// down, which ends every subscription on it.
type progressConn struct {
	net.Conn
	timeout time.Duration
	slow    *atomic.Bool // set when a write timed out, if not nil (see upgrade.slow)
}

func (c *progressConn) Write(p []byte) (n int, err error) {
	for len(p) > 0 {
		chunk := p[:min(len(p), writeChunk)]
		if err := c.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
			return n, err
		}
		m, err := c.Conn.Write(chunk)
		n += m
		if err != nil {
			if c.slow != nil && errors.Is(err, os.ErrDeadlineExceeded) {
				c.slow.Store(true) // before the close, which ends the operations
			}
			// Part of a frame may be out: nothing more can be sent on the connection. The
			// library does not close it on a failed write, and gqlgen goes on reading;
			// closing it ends the read, and with it the connection's subscriptions.
			_ = c.Conn.Close()
			return n, err
		}
		p = p[m:]
	}
	return n, nil
}

// boundedHijack is the ResponseWriter the WebSocket library hijacks the connection from:
// the connection it gets writes through progressConn with a send buffer of
// StreamSendBuffer, and has no read deadline left from the server (a WebSocket lives on;
// its pings find a dead peer).
type boundedHijack struct {
	http.ResponseWriter
	timeout time.Duration
	slow    *atomic.Bool // see progressConn
}

// Hijack hijacks the connection and bounds its writes.
func (h boundedHijack) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	_ = conn.SetReadDeadline(time.Time{})
	if b, ok := conn.(interface{ SetWriteBuffer(int) error }); ok {
		_ = b.SetWriteBuffer(StreamSendBuffer)
	}
	pc := &progressConn{Conn: conn, timeout: h.timeout, slow: h.slow}
	// brw's writer writes to conn itself, and holds nothing yet (Hijack sent the response's
	// header): the library gets one that writes through pc instead.
	return pc, bufio.NewReadWriter(brw.Reader, bufio.NewWriterSize(pc, brw.Writer.Size())), nil
}

// Unwrap lets http.ResponseController reach the server's ResponseWriter.
func (h boundedHijack) Unwrap() http.ResponseWriter { return h.ResponseWriter }
