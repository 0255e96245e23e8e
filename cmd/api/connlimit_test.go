package main

import (
	"bufio"
	"net"
	"net/http"
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
