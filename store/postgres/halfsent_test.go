package postgres_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres"
	"github.com/eventgraph/eventgraph/store/postgres/pgtest"
)

// cutProxy forwards TCP connections to PostgreSQL until cut: from then on it forwards at most
// budget more bytes from the clients and then nothing, and closes nothing, as a network
// partition in the middle of a send (or a client machine that froze) looks to the server.
type cutProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	budget int
	frozen chan struct{} // closed once the budget is spent
	once   sync.Once
	stopc  chan struct{}
	conns  []net.Conn
	wg     sync.WaitGroup
}

func newCutProxy(tb testing.TB, target string) *cutProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, frozen: make(chan struct{}), stopc: make(chan struct{})}
	p.wg.Go(p.serve)
	tb.Cleanup(p.stop)
	return p
}

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		p.wg.Go(func() { _, _ = io.Copy(c, s) })
		p.wg.Go(func() {
			buf := make([]byte, 32<<10)
			for {
				n, err := c.Read(buf)
				if n > 0 {
					n = p.allow(n)
					if _, werr := s.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil || p.isFrozen() {
					<-p.stopc // the server never hears of the rest, nor of a close
					return
				}
			}
		})
	}
}

// allow returns how many of n bytes may pass, spending the budget once cut.
func (p *cutProxy) allow(n int) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.cut {
		return n
	}
	n = min(n, p.budget)
	p.budget -= n
	if p.budget == 0 {
		p.once.Do(func() { close(p.frozen) })
	}
	return n
}

func (p *cutProxy) isFrozen() bool {
	select {
	case <-p.frozen:
		return true
	default:
		return false
	}
}

func (p *cutProxy) cutAfter(budget int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut, p.budget = true, budget
}

func (p *cutProxy) stop() {
	select {
	case <-p.stopc:
		return
	default:
	}
	close(p.stopc)
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// A server whose group of appends is cut off in the middle of its send must not hold the
// log's append lock meanwhile: sent as a pipeline of calls, the group's first call ran (and
// took the lock) as soon as it arrived, and every other server's appends failed until the
// database noticed the dead client (two hours with the kernel's keepalive defaults). A group
// is one statement now, which PostgreSQL runs only once its arguments have all arrived. (The
// proxy cuts the group inside them; a cut in the few bytes after them is left to keepalives.)
func TestStore_Append_halfSentGroupHoldsNoLock(t *testing.T) {
	raw := pgtest.URL(t)
	schema := pgtest.Schema(t, raw)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	p := newCutProxy(t, u.Host)
	u.Host = p.ln.Addr().String()
	ctx := context.Background()
	// a's groups give up soon, as they are cut off; b keeps the default timeouts.
	a, err := postgres.Open(ctx, u.String(), postgres.WithSchema(schema), postgres.WithTimeouts(2*time.Second, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() }) // before the proxy stops: cleanups run last first
	b, err := postgres.Open(ctx, raw, postgres.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	small := store.EventData{Type: "T", Data: []byte(`{}`)}
	if _, err := a.Append(ctx, "warm", store.Any, small); err != nil { // the statement is prepared
		t.Fatal(err)
	}

	p.cutAfter(1500 << 10) // the first two appends' events, about
	big := store.EventData{Type: "T", Data: []byte(`{"x":"` + strings.Repeat("a", 700<<10) + `"}`)}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() { _, _ = a.Append(ctx, fmt.Sprint("big-", i), store.Any, big) }) // they fail: cut off
	}
	<-p.frozen
	if _, err := b.Append(ctx, "b", store.Any, small); err != nil {
		t.Fatalf("another server's append while a group was cut off mid-send: %v", err)
	}
	wg.Wait()
}
