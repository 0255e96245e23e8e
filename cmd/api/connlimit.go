package main

import (
	"net"
	"sync"
)

// limitListener accepts at most cap(sem) connections open at once: beyond, Accept waits for
// one to close, and new connections wait in the kernel's backlog. Each connection takes a
// file descriptor, as do the store's files (the log, snapshots, checkpoints) and PostgreSQL's
// connections; at the process's limit, accepting fails, and so would the store's next file.
type limitListener struct {
	net.Listener
	sem  chan struct{}
	done chan struct{} // closed by Close: a waiting Accept returns
	once sync.Once
}

func newLimitListener(ln net.Listener, n int) *limitListener {
	return &limitListener{Listener: ln, sem: make(chan struct{}, n), done: make(chan struct{})}
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.sem }}, nil
}

func (l *limitListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// limitConn gives its slot back when it is closed, also after http.Server handed it to a
// WebSocket (hijacked).
type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// CloseWrite passes the half-close on: net/http sends a response it will not read the body
// of (413, 431) and then half-closes, so that the client reads it before the connection
// ends; without it the connection was reset instead, which some clients take for a
// failure before reading the response.
func (c *limitConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// SetWriteBuffer passes the call on to a TCP connection: the server sizes a subscription
// stream's send buffer through it (see deadlines and graph.StreamSendBuffer).
func (c *limitConn) SetWriteBuffer(n int) error {
	if b, ok := c.Conn.(interface{ SetWriteBuffer(int) error }); ok {
		return b.SetWriteBuffer(n)
	}
	return nil
}
