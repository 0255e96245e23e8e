package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// fakeListener hands out pipe connections and counts those open.
type fakeListener struct {
	open, most atomic.Int64
	closed     chan struct{}
}

func (f *fakeListener) Accept() (net.Conn, error) {
	select {
	case <-f.closed:
		return nil, net.ErrClosed
	default:
	}
	n := f.open.Add(1)
	for m := f.most.Load(); n > m && !f.most.CompareAndSwap(m, n); m = f.most.Load() {
	}
	a, b := net.Pipe()
	_ = b.Close()
	return &countedConn{Conn: a, open: &f.open}, nil
}

func (f *fakeListener) Close() error   { close(f.closed); return nil }
func (f *fakeListener) Addr() net.Addr { return &net.TCPAddr{} }

type countedConn struct {
	net.Conn
	open *atomic.Int64
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.open.Add(-1) })
	return c.Conn.Close()
}

// TestLimitListener: however accepting and closing interleave, no more connections are open
// at once than the limit; a closed slot is taken again; Close ends a waiting Accept.
func TestLimitListener(t *testing.T) {
	const limit = 3
	f := &fakeListener{closed: make(chan struct{})}
	l := newLimitListener(f, limit)
	// Eight accepters hand each connection to one closer: each holds its connection until
	// the closer takes it, so without the limit eight would be open at once.
	conns := make(chan net.Conn)
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		for c := range conns {
			_ = c.Close()
			_ = c.Close() // a second Close gives nothing back twice
		}
	}()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				c, err := l.Accept()
				if err != nil {
					t.Error(err)
					return
				}
				conns <- c
			}
		})
	}
	wg.Wait()
	close(conns)
	<-closed
	if most := f.most.Load(); most > limit || most == 0 {
		t.Fatalf("%d connections open at once, want at most %d", most, limit)
	}
	if open := f.open.Load(); open != 0 {
		t.Fatalf("%d connections left open", open)
	}

	held := make([]net.Conn, limit)
	for i := range held {
		c, err := l.Accept()
		if err != nil {
			t.Fatal(err)
		}
		held[i] = c
	}
	waiting := make(chan error, 1)
	go func() {
		_, err := l.Accept() // waits: every slot is held
		waiting <- err
	}()
	_ = l.Close()
	if err := <-waiting; err != net.ErrClosed {
		t.Fatalf("Accept waiting at the limit returned %v after Close, want net.ErrClosed", err)
	}
}

// TestMaxConnections: with --max-connections 1 a second client is served once the first
// closes its connection.
func TestMaxConnections(t *testing.T) {
	m, _ := startMain(t, "--store", "memory", "--max-connections", "1")
	if l, ok := m.ln.(*limitListener); !ok || cap(l.sem) != 1 {
		t.Fatalf("listener %T, want one limited to 1 connection", m.ln)
	}
	first, err := net.Dial("tcp", m.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	// The first connection is served: it holds the one slot.
	if _, err := first.Write([]byte("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(first), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("first connection: %v %v", resp, err)
	}
	second := make(chan error, 1)
	go func() {
		c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := c.Get(m.URL() + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		second <- err
	}()
	_ = first.Close()
	if err := <-second; err != nil {
		t.Fatalf("second client, after the first closed: %v", err)
	}
}

// TestMaxConnections_halfCloseAfterRefusal: a body over --max-body-bytes is refused with 413
// and the connection half-closed (net/http's way of letting the client read the answer), also
// through the connection limit's wrapper: it hid CloseWrite, so the connection was reset.
func TestMaxConnections_halfCloseAfterRefusal(t *testing.T) {
	m, _ := startMain(t, "--store", "memory", "--max-connections", "100", "--max-body-bytes", "1000")
	c, err := net.Dial("tcp", m.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := "POST /graphql HTTP/1.1\r\nHost: " + m.ln.Addr().String() + "\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n" + strings.Repeat("x", 4000)
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", resp.StatusCode)
	}
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the 413: %v, want EOF (a half-close), not a reset", err)
	}
}
