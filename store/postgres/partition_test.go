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

// partitionProxy forwards TCP connections to a PostgreSQL server until a network partition
// that it starts when the server is about to deliver the ReadyForQuery of a pipelined
// group of at least minGroup append_events calls (recognised by their 3-column result
// rows): the server has committed the group, and the client never hears of it. From then
// on it swallows whatever either side sends, closes nothing, and holds new connections
// unanswered, as a network that drops every packet does. It refuses cancel requests,
// though: pgx sends one when it closes a connection that failed, and would wait up to 15 s
// for its answer, which has nothing to do with the store. cut is closed when the partition
// starts; group is the size of the group it started on.
type partitionProxy struct {
	ln       net.Listener
	target   string
	minGroup int
	parted   atomic.Bool
	cutOnce  sync.Once
	cut      chan struct{}
	group    int
	mu       sync.Mutex
	conns    []net.Conn
	wg       sync.WaitGroup
}

func newPartitionProxy(tb testing.TB, raw string, minGroup int) (*partitionProxy, string) {
	tb.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &partitionProxy{ln: ln, target: u.Host, minGroup: minGroup, cut: make(chan struct{})}
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

func (p *partitionProxy) track(c ...net.Conn) {
	p.mu.Lock()
	p.conns = append(p.conns, c...)
	p.mu.Unlock()
}

func (p *partitionProxy) serve() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.track(client)
		if p.parted.Load() {
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

// hold answers nothing on a connection made during the partition, but refuses a cancel
// request.
func (p *partitionProxy) hold(client net.Conn) {
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

// forward copies the client's bytes to the server until the partition, then drops them.
func (p *partitionProxy) forward(server, client net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 && !p.parted.Load() {
			if _, werr := server.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if !p.parted.Load() {
				_ = server.Close()
			}
			return
		}
	}
}

// pump copies the server's messages to the client, message by message, until the partition.
func (p *partitionProxy) pump(client, server net.Conn) {
	r := bufio.NewReader(server)
	w := bufio.NewWriter(client)
	appendRows := 0
	for {
		var hdr [5]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if !p.parted.Load() {
				_ = client.Close()
			}
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
			if appendRows >= p.minGroup {
				p.cutOnce.Do(func() {
					p.group = appendRows
					p.parted.Store(true)
					close(p.cut)
				})
			}
			appendRows = 0
		}
		if p.parted.Load() {
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

// drop ends the partition as a network that gave up: it closes every connection it holds,
// so that their ends learn they are gone.
func (p *partitionProxy) drop() {
	_ = p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
}

// TestStore_Append_groupLosesItsConnectionInAPartition: when the network fails while a
// group of appends commits, the group's appends cannot be looked up in the log either;
// they fail saying that they may have committed, and the committer — which every other
// append, and Close, waits for — is free again within about one look-up timeout. Before,
// each append of the group was looked up with a timeout of its own, one after another: a
// group of 256 held the committer for 256 of them (43 minutes).
func TestStore_Append_groupLosesItsConnectionInAPartition(t *testing.T) {
	const (
		group  = 10 // appends at least in the group that loses its connection
		commit = 500 * time.Millisecond
		settle = time.Second
	)
	base := pgtest.URL(t)
	schema := pgtest.Schema(t, base)
	proxy, purl := newPartitionProxy(t, base, group)
	s, err := postgres.Open(t.Context(), purl, postgres.WithSchema(schema), postgres.WithTimeouts(commit, settle))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	// Writers append until one fails, or the partition has started: with twice as many
	// writers as the group needs, the appends that wait while one group commits soon form
	// one as large.
	const writers = 2 * group
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-proxy.cut:
					return
				default:
				}
				id := fmt.Sprintf("ev-%d-%d", w, i)
				if _, err := s.Append(ctx, "stream-"+id, store.Any, store.EventData{ID: id, Type: "T", Data: []byte(`{}`)}); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	select {
	case <-proxy.cut:
	case <-ctx.Done():
		t.Fatalf("no group of %d appends formed", group)
	}
	start := time.Now()
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()

	// The group's commit gives up after commit, its look-ups after settle all together, and
	// the appends that waited meanwhile form one more group, which gets no connection
	// within commit. Looked up one by one, the group's appends took settle each.
	bound := 2*commit + settle + 2*time.Second
	writing := make(chan struct{})
	go func() { wg.Wait(); close(writing) }()
	timer := time.NewTimer(bound)
	defer timer.Stop()
	select {
	case <-writing:
	case <-timer.C:
		t.Errorf("the appends have not returned %v after the connection of a group of %d was lost (look-ups take %v)", bound, proxy.group, settle)
		<-writing
	}
	took := time.Since(start)
	mayHave := 0
	for _, err := range errs {
		switch {
		case err == nil:
		case strings.Contains(err.Error(), "may have committed"):
			mayHave++
		case !errors.Is(err, store.ErrClosed) && !strings.Contains(err.Error(), "nothing was written"):
			t.Errorf("an append failed with %v", err)
		}
	}
	if mayHave != proxy.group {
		t.Errorf("%d appends failed saying that they may have committed, want the %d of the group", mayHave, proxy.group)
	}

	// pgx waits up to 15 s for the server to close a connection that failed, which a
	// partition makes it wait in full; that is the pool's affair, not the committer's.
	proxy.drop()
	closing := time.NewTimer(10 * time.Second)
	defer closing.Stop()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-closing.C:
		t.Fatal("Close has not returned 10 s after the partition ended")
	}
	t.Logf("group of %d: its appends returned %v after the partition began", proxy.group, took)
}
