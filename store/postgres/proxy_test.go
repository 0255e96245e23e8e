package postgres_test

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store/postgres"
	"github.com/eventgraph/eventgraph/store/postgres/pgtest"
)

// A verdict is what a proxy does with a ReadyForQuery from the server.
type verdict int

const (
	deliver   verdict = iota // forward it
	cutConn                  // close its connection instead: the client never hears of it
	partition                // freeze the proxy instead, and leave the listener open (see proxy)
)

// proxy forwards TCP connections to a PostgreSQL server, so that a test can make the
// network, or the server, fail under the store. It reads what the server sends message by
// message, and asks atReady what to do with each ReadyForQuery, given the size of the group
// it ends: the append_events calls pipelined since the last one (recognised by their
// 3-column result rows); when a group's ReadyForQuery is due, the server has committed the
// group's implicit transaction.
//
// Frozen, it swallows whatever either side sends, closes nothing, and holds new
// connections unanswered, as a database that stopped answering, or a network that drops
// every packet, looks to its clients. It refuses cancel requests, though: pgx sends one
// when it closes a connection that failed, and would wait up to 15 s for its answer, which
// has nothing to do with the store. held is closed when it first swallows a client's
// bytes; parted when a partition starts.
type proxy struct {
	ln       net.Listener
	target   string
	atReady  func(group int) verdict
	frozen   atomic.Bool
	partOnce sync.Once
	parted   chan struct{}
	heldOnce sync.Once
	held     chan struct{}
	mu       sync.Mutex
	conns    []net.Conn
	shut     bool
	wg       sync.WaitGroup
}

// openViaProxy opens a store on a fresh schema through a new proxy, whose atReady is the
// one given (nil: deliver every ReadyForQuery). When the test ends the store is closed,
// then the proxy stopped, then the schema dropped.
func openViaProxy(tb testing.TB, atReady func(group int) verdict, opts ...postgres.Option) (*postgres.Store, *proxy) {
	tb.Helper()
	raw := pgtest.URL(tb)
	schema := pgtest.Schema(tb, raw)
	u, err := url.Parse(raw)
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	if atReady == nil {
		atReady = func(int) verdict { return deliver }
	}
	p := &proxy{ln: ln, target: u.Host, atReady: atReady, parted: make(chan struct{}), held: make(chan struct{})}
	p.wg.Go(p.serve)
	tb.Cleanup(func() {
		p.stop()
		p.wg.Wait()
	})
	u.Host = ln.Addr().String()
	s, err := postgres.Open(tb.Context(), u.String(), append([]postgres.Option{postgres.WithSchema(schema)}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s, p
}

// freeze freezes the proxy, as a database that stopped answering, and refuses new
// connections: pgx's cancel request for a query then fails at once, instead of waiting up
// to its 15 s for an answer.
func (p *proxy) freeze() {
	p.frozen.Store(true)
	_ = p.ln.Close()
}

// stop refuses new connections and closes every connection the proxy holds, so that their
// ends learn they are gone, as a database server that went down, or a network that gave up.
func (p *proxy) stop() {
	_ = p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.shut = true
	for _, c := range p.conns {
		_ = c.Close()
	}
}

func (p *proxy) track(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shut {
		_ = c.Close()
		return
	}
	p.conns = append(p.conns, c)
}

func (p *proxy) serve() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.track(client)
		if p.frozen.Load() {
			p.wg.Go(func() { p.hold(client) })
			continue
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = client.Close()
			continue
		}
		p.track(server)
		p.wg.Go(func() { p.forward(server, client) })
		p.wg.Go(func() { p.pump(client, server) })
	}
}

// hangUp closes both ends of a forwarded connection when one of them failed, unless the
// proxy is frozen.
func (p *proxy) hangUp(a, b net.Conn) {
	if !p.frozen.Load() {
		_ = a.Close()
		_ = b.Close()
	}
}

// hold answers nothing on a connection made while frozen, but refuses a cancel request.
func (p *proxy) hold(client net.Conn) {
	var start [8]byte
	if _, err := io.ReadFull(client, start[:]); err != nil {
		return
	}
	const cancelRequestCode = 80877102
	if binary.BigEndian.Uint32(start[4:]) == cancelRequestCode {
		_ = client.Close()
		return
	}
	_, _ = io.Copy(io.Discard, client)
}

// forward copies the client's bytes to the server, or swallows them while frozen.
func (p *proxy) forward(server, client net.Conn) {
	defer p.hangUp(server, client)
	buf := make([]byte, 32<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 {
			if p.frozen.Load() {
				p.heldOnce.Do(func() { close(p.held) })
			} else if _, err := server.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// pump copies the server's messages to the client, message by message, or swallows them
// while frozen.
func (p *proxy) pump(client, server net.Conn) {
	defer p.hangUp(client, server)
	r := bufio.NewReader(server)
	w := bufio.NewWriter(client)
	group := 0
	for {
		var hdr [5]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return
		}
		body := make([]byte, binary.BigEndian.Uint32(hdr[1:])-4)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		switch hdr[0] {
		case 'D':
			if len(body) >= 2 && binary.BigEndian.Uint16(body) == 3 {
				group++
			}
		case 'Z':
			switch p.atReady(group) {
			case cutConn:
				return
			case partition:
				p.partOnce.Do(func() {
					p.frozen.Store(true)
					close(p.parted)
				})
			}
			group = 0
		}
		if p.frozen.Load() {
			continue
		}
		if _, err := w.Write(hdr[:]); err != nil {
			return
		}
		if _, err := w.Write(body); err != nil {
			return
		}
		if r.Buffered() == 0 {
			if err := w.Flush(); err != nil {
				return
			}
		}
	}
}

// awaitClosed waits for the error of a Close running in the background (sent on closed)
// and fails the test when it is one, or when none came within d; when names the moment d
// counts from, for the failure's message.
func awaitClosed(t *testing.T, closed <-chan error, d time.Duration, when string) {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-timer.C:
		t.Fatalf("Close has not returned %v %s", d, when)
	}
}
