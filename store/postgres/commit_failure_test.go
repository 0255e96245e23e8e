package postgres_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres"
	"github.com/eventgraph/eventgraph/store/postgres/pgtest"
)

// cutProxy forwards TCP connections to a PostgreSQL server. Once armed, it kills the
// connection that is about to deliver the ReadyForQuery of a pipelined group of at least
// two append_events calls (recognised by their 3-column result rows): the server has
// committed that group's implicit transaction, and the client never learns it.
type cutProxy struct {
	ln     net.Listener
	target string
	armed  atomic.Bool
	cuts   atomic.Int32
	mu     sync.Mutex
	conns  []net.Conn
	wg     sync.WaitGroup
}

func newCutProxy(tb testing.TB, target string) *cutProxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target}
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
	return p
}

func (p *cutProxy) track(c net.Conn) {
	p.mu.Lock()
	p.conns = append(p.conns, c)
	p.mu.Unlock()
}

func (p *cutProxy) serve() {
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
		p.track(client)
		p.track(server)
		p.wg.Go(func() {
			_, _ = io.Copy(server, client)
			_ = server.Close()
			_ = client.Close()
		})
		p.wg.Go(func() { p.pump(client, server) })
	}
}

// pump copies the server's messages to the client, message by message.
func (p *cutProxy) pump(client, server net.Conn) {
	defer client.Close()
	defer server.Close()
	r := bufio.NewReader(server)
	w := bufio.NewWriter(client)
	appendRows := 0
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
				appendRows++
			}
		case 'Z':
			if appendRows >= 2 && p.armed.CompareAndSwap(true, false) {
				p.cuts.Add(1)
				return // committed; the client never hears of it
			}
			appendRows = 0
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

func viaProxy(tb testing.TB, raw string) (*cutProxy, string) {
	tb.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		tb.Fatal(err)
	}
	p := newCutProxy(tb, u.Host)
	u.Host = p.ln.Addr().String()
	return p, u.String()
}

// TestStore_connectionLostAfterAGroupCommitted cuts the connection after a group's
// transaction committed but before the client read that it did. Before, the store then
// committed each append of the group again on its own, which wrote its events twice
// (expected version Any) or reported ErrConflict for an append that was written (NoStream).
// Now it finds the group's events in the log: every Append succeeds, once.
func TestStore_connectionLostAfterAGroupCommitted(t *testing.T) {
	for _, mode := range []struct {
		name     string
		expected store.Version
	}{{"any", store.Any}, {"no stream", store.NoStream}} {
		t.Run(mode.name, func(t *testing.T) {
			base := pgtest.URL(t)
			schema := pgtest.Schema(t, base)
			proxy, purl := viaProxy(t, base)
			s, err := postgres.Open(t.Context(), purl, postgres.WithSchema(schema))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()

			proxy.armed.Store(true)
			const writers, perWriter = 16, 40
			type outcome struct {
				id  string
				err error
			}
			var mu sync.Mutex
			var outcomes []outcome
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					for i := range perWriter {
						id := fmt.Sprintf("ev-%d-%d", w, i)
						_, err := s.Append(ctx, "stream-"+id, mode.expected, store.EventData{ID: id, Type: "T", Data: []byte(`{}`)})
						mu.Lock()
						outcomes = append(outcomes, outcome{id, err})
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if proxy.cuts.Load() == 0 {
				t.Fatal("no group of two or more appends formed: nothing was cut")
			}
			count := map[string]int{}
			for e, err := range s.ReadAll(ctx, 0) {
				if err != nil {
					t.Fatal(err)
				}
				count[e.ID]++
			}
			var dup, conflictWritten, okMissing int
			for _, o := range outcomes {
				switch n := count[o.id]; {
				case n > 1:
					dup++
					if dup <= 3 {
						t.Errorf("append of event %s (err=%v) is in the log %d times", o.id, o.err, n)
					}
				case o.err != nil && errors.Is(o.err, store.ErrConflict) && n == 1:
					conflictWritten++
					if conflictWritten <= 3 {
						t.Errorf("append of event %s failed with %v, yet the log holds it", o.id, o.err)
					}
				case o.err == nil && n == 0:
					okMissing++
					t.Errorf("append of event %s succeeded, yet the log lacks it", o.id)
				case o.err != nil:
					t.Errorf("append of event %s failed (%v): the log holds it %d times", o.id, o.err, n)
				}
			}
			t.Logf("cuts=%d appends=%d duplicated=%d conflict-but-written=%d", proxy.cuts.Load(), len(outcomes), dup, conflictWritten)
		})
	}
}

// TestOpen_longSchemaName checks that a schema name PostgreSQL would cut is refused: two
// names alike in their first 63 bytes would name one schema, and the two "independent" logs
// would be one.
func TestOpen_longSchemaName(t *testing.T) {
	base := pgtest.URL(t)
	prefix := pgtest.Schema(t, base)
	longest := prefix + "_" + strings.Repeat("x", postgres.MaxSchemaBytes-len(prefix)-1)
	pgtest.DropAtEnd(t, base, longest)
	s, err := postgres.Open(t.Context(), base, postgres.WithSchema(longest))
	if err != nil {
		t.Fatalf("a name of %d bytes: %v", len(longest), err)
	}
	_ = s.Close()
	for _, name := range []string{longest + "_tenant_a", "with\x00nul"} {
		if s, err := postgres.Open(t.Context(), base, postgres.WithSchema(name)); !errors.Is(err, store.ErrInvalid) {
			if err == nil {
				_ = s.Close()
			}
			t.Errorf("Open with schema %q: %v, want ErrInvalid", name, err)
		}
	}
}

// shut stops the proxy: it refuses new connections and drops the ones it forwards, as a
// database server that went down.
func (p *cutProxy) shut() {
	_ = p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
}

// TestStore_Append_whileTheDatabaseIsDown: an append that gets no connection says that it
// wrote nothing. Before, a failure to connect was taken for a commit whose outcome is
// unknown: each append of the group was looked up in the log (another failed connection
// attempt, each up to connect_timeout) and failed with "the append may have committed".
func TestStore_Append_whileTheDatabaseIsDown(t *testing.T) {
	base := pgtest.URL(t)
	schema := pgtest.Schema(t, base)
	proxy, purl := viaProxy(t, base)
	s, err := postgres.Open(t.Context(), purl, postgres.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	ctx := t.Context()
	if _, err := s.Append(ctx, "s", store.NoStream, store.EventData{Type: "T", Data: []byte(`1`)}); err != nil {
		t.Fatal(err)
	}
	proxy.shut()
	s.Pool().Reset() // the pooled connections are gone with the server

	const writers = 8
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			_, errs[w] = s.Append(ctx, fmt.Sprint("s-", w), store.Any, store.EventData{Type: "T", Data: []byte(`2`)})
		})
	}
	wg.Wait()
	for w, err := range errs {
		switch {
		case err == nil:
			t.Errorf("writer %d: Append succeeded with the database down", w)
		case strings.Contains(err.Error(), "may"):
			t.Errorf("writer %d: %v: want an error that says nothing was written", w, err)
		case !strings.Contains(err.Error(), "nothing was written"):
			t.Errorf("writer %d: %v: want it to say that nothing was written", w, err)
		}
	}
}
