package postgres_test

import (
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres"
	"github.com/eventgraph/eventgraph/store/postgres/pgtest"
)

// freezeProxy forwards TCP connections to a PostgreSQL server until it is frozen; then it
// swallows whatever either side sends on them and closes nothing, as a database that
// stopped answering looks to its clients, and refuses new connections (pgx's cancel
// request for a query then fails at once, instead of waiting up to its 15 s for an answer).
// held is closed when it first swallows a client's bytes.
type freezeProxy struct {
	ln       net.Listener
	target   string
	frozen   atomic.Bool
	heldOnce sync.Once
	held     chan struct{}
	mu       sync.Mutex
	conns    []net.Conn
	wg       sync.WaitGroup
}

func newFreezeProxy(tb testing.TB, raw string) (*freezeProxy, string) {
	tb.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &freezeProxy{ln: ln, target: u.Host, held: make(chan struct{})}
	p.wg.Go(p.serve)
	tb.Cleanup(func() {
		_ = ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			_ = c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	u.Host = ln.Addr().String()
	return p, u.String()
}

func (p *freezeProxy) freeze() {
	p.frozen.Store(true)
	_ = p.ln.Close()
}

func (p *freezeProxy) serve() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = client.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, client, server)
		p.mu.Unlock()
		p.wg.Go(func() { p.pipe(server, client, true) })
		p.wg.Go(func() { p.pipe(client, server, false) })
	}
}

// pipe copies from src to dst until frozen, then reads and drops what src sends.
func (p *freezeProxy) pipe(dst, src net.Conn, fromClient bool) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if p.frozen.Load() {
				if fromClient {
					p.heldOnce.Do(func() { close(p.held) })
				}
			} else if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				_ = dst.Close()
			}
			return
		}
	}
}

// TestStore_Close_endsReadsOfAHungDatabase: Close ends a read that waits on a database that
// stopped answering, with ErrClosed, and returns. Before, Close waited for that read's
// connection, and the read for its context, which a subscription's, say, does not end: both
// hung for as long as the database did not answer. (It takes about 15 s: see below.)
func TestStore_Close_endsReadsOfAHungDatabase(t *testing.T) {
	base := pgtest.URL(t)
	schema := pgtest.Schema(t, base)
	proxy, purl := newFreezeProxy(t, base)
	s, err := postgres.Open(t.Context(), purl, postgres.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	ctx := t.Context()
	if _, err := s.Append(ctx, "s", store.NoStream, store.EventData{Type: "T", Data: []byte(`1`)}); err != nil {
		t.Fatal(err)
	}
	proxy.freeze()

	ended := make(chan error, 1)
	go func() {
		// With nobody subscribed, the store's own reader is idle: this read is the one
		// the database holds. A subscription behind the head reads the same way.
		for _, err := range s.ReadAll(ctx, 0) {
			if err != nil {
				ended <- err
				return
			}
		}
		ended <- errors.New("the read ended without an error")
	}()
	<-proxy.held // a read (or the ping before it) has gone to the database
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()

	// pgx gives up on a cancelled query after 1 s; the pool then waits up to 15 s for the
	// connection to close, which a database that does not answer makes it wait in full.
	reading := time.NewTimer(10 * time.Second)
	defer reading.Stop()
	select {
	case err := <-ended:
		if !errors.Is(err, store.ErrClosed) {
			t.Errorf("the read ended with %v, want ErrClosed", err)
		}
	case <-reading.C:
		t.Fatal("the read has not ended 10 s after Close")
	}
	closing := time.NewTimer(30 * time.Second)
	defer closing.Stop()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-closing.C:
		t.Fatal("Close has not returned after 30 s")
	}
}
