package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/coder/websocket"

	"github.com/eventgraph/eventgraph/graph/graphtest"
)

const changeMenu = `mutation($in: ChangeRestaurantMenuInput!) { changeRestaurantMenu(input: $in) { position } }`

// TestMain_subscribersResumeAcrossARestart: subscribers of the events subscription over each
// transport, cut off by a server shutting down on the JSONL log while a client writes, are
// told to come back (a WebSocket closed with 1001 Going Away, an SSE stream cut without
// complete), and resume on the server restarted on the same directory, while writes go on
// there too, after the last position they received (afterPosition; over SSE as EventSource
// does, by Last-Event-ID alone): each ends up with the log's events after where it began,
// each once, in order.
func TestMain_subscribersResumeAcrossARestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	m1, _ := startMain(t, "--data", dir)
	c := newClient(t, m1.URL()+"/graphql")
	gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"id": "r1", "name": "R", "menu": menu("a")}})
	ctx := testCtx(t)

	const sub = `subscription($a: Int64) { events(afterPosition: $a) { id position } }`
	// subscribe runs f's subscription on the server at u from its last position until the
	// stream ends, or until it has the position until() names (0: none yet); after 5 events
	// it closes five.
	subscribe := func(f *resumer, u string, until func() int64, five chan<- struct{}) error {
		after := f.start
		if n := len(f.received); n > 0 {
			after = f.received[n-1].Position
		}
		var s *graphtest.Subscription
		var err error
		cl := newClient(t, u)
		switch f.name {
		case "sse Last-Event-ID":
			return followSSE(t, ctx, u, f, until, five)
		case "sse":
			s, err = cl.SubscribeSSE(ctx, sub, map[string]any{"a": after})
		default:
			s, err = cl.SubscribeWS(ctx, graphtest.Protocol(f.name), sub, map[string]any{"a": after})
		}
		if err != nil {
			return err
		}
		defer s.Close()
		for u := until(); u == 0 || after < u; u = until() {
			r, err := s.Next(ctx)
			if err != nil {
				return err
			}
			var v struct{ Events eventAt }
			if err := json.Unmarshal(r.Data, &v); err != nil {
				return err
			}
			f.received = append(f.received, v.Events)
			after = f.received[len(f.received)-1].Position
			if len(f.received) == 5 && five != nil {
				close(five)
			}
		}
		return nil
	}

	followers := []*resumer{{name: string(graphtest.TransportWS)}, {name: string(graphtest.LegacyWS)}, {name: "sse"}, {name: "sse Last-Event-ID"}}
	var wg sync.WaitGroup
	var fives []chan struct{}
	for _, f := range followers {
		five := make(chan struct{})
		fives = append(fives, five)
		wg.Go(func() { f.ended = subscribe(f, m1.URL()+"/graphql", func() int64 { return 0 }, five) })
	}
	// A writer changes the menu until the server goes away; the server closes once every
	// follower has had 5 events.
	writing := make(chan struct{})
	go func() {
		defer close(writing)
		for i := 0; ; i++ {
			r, err := c.Query(ctx, changeMenu, map[string]any{"in": map[string]any{"id": "r1", "menu": menu("a", fmt.Sprint("b", i))}})
			if err != nil || r.Err() != nil {
				return
			}
		}
	}()
	for _, five := range fives {
		select {
		case <-five:
		case <-ctx.Done():
			t.Fatal("a follower got no 5 events")
		}
	}
	if err := m1.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	<-writing
	for _, f := range followers {
		var want bool
		switch f.name {
		case string(graphtest.TransportWS), string(graphtest.LegacyWS):
			want = websocket.CloseStatus(f.ended) == websocket.StatusGoingAway
		default:
			want = errors.Is(f.ended, io.ErrUnexpectedEOF)
		}
		if !want {
			t.Errorf("%s: the stream ended with %v as the server shut down, want it told to reconnect", f.name, f.ended)
		}
	}

	m2, _ := startMain(t, "--data", dir)
	c = newClient(t, m2.URL()+"/graphql")
	// Writes go on while the followers subscribe again: more of them, then, once final is
	// set, one more, which takes a follower that already has final out of its wait.
	const more = 30
	var final atomic.Int64
	written := make(chan struct{})
	go func() {
		defer close(written)
		for i := range more + 1 {
			r, err := c.Query(ctx, changeMenu, map[string]any{"in": map[string]any{"id": "r1", "menu": menu("a", fmt.Sprint("c", i))}})
			var v struct{ ChangeRestaurantMenu result }
			if err == nil {
				err = r.Err()
			}
			if err == nil {
				err = json.Unmarshal(r.Data, &v)
			}
			if err != nil {
				t.Errorf("write on the restarted server: %v", err)
				final.Store(-1) // the followers stop at once
				return
			}
			if i == more-1 {
				final.Store(v.ChangeRestaurantMenu.Position)
			}
		}
	}()
	for _, f := range followers {
		wg.Go(func() {
			if err := subscribe(f, m2.URL()+"/graphql", final.Load, nil); err != nil {
				t.Errorf("%s on the restarted server: %v", f.name, err)
			}
		})
	}
	wg.Wait()
	<-written
	if t.Failed() {
		return
	}
	logged := logPositions(t, c)
	for _, f := range followers {
		var got, want []string
		for _, e := range f.received {
			if e.Position > final.Load() {
				break
			}
			got = append(got, fmt.Sprintf("%d:%s", e.Position, e.ID))
		}
		for _, e := range logged[f.start:final.Load()] {
			want = append(want, fmt.Sprintf("%d:%s", e.Position, e.ID))
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s across the restart got\n%v\nwant the log after %d\n%v", f.name, got, f.start, want)
		}
	}
}

// resumer is a subscriber of TestMain_subscribersResumeAcrossARestart.
type resumer struct {
	name     string
	start    int64 // the position its first subscription started after
	received []eventAt
	lastID   string // the SSE id it saw last (EventSource)
	ended    error  // why its stream on the first server ended
}

// followSSE follows the events subscription over SSE as EventSource does, by GET, live
// from the head (its first id, f.start) when f has no last id, else sending it as
// Last-Event-ID; it appends the events to f.received and keeps the last id, until the
// stream ends or it has the position until() names (0: none yet). After 5 events it closes
// five.
func followSSE(t *testing.T, ctx context.Context, u string, f *resumer, until func() int64, five chan<- struct{}) error {
	q := url.Values{"query": {`subscription { events { id position } }`}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u+"?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	first := f.lastID == ""
	if !first {
		req.Header.Set("Last-Event-ID", f.lastID)
	}
	resp, err := httpClient(t).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	var name, data, id string
	for sc.Scan() {
		switch line := sc.Text(); {
		case line == "":
			if id != "" {
				if first {
					if _, err := fmt.Sscan(id, &f.start); err != nil || name != "" {
						return fmt.Errorf("the stream opened with %q %q %q, want an id alone", name, data, id)
					}
					first = false
				}
				f.lastID = id
			}
			switch name {
			case "next":
				var v struct{ Data struct{ Events eventAt } }
				if err := json.Unmarshal([]byte(data), &v); err != nil {
					return err
				}
				e := v.Data.Events
				if fmt.Sprint(e.Position) != id {
					return fmt.Errorf("event %s under the id %q", data, id)
				}
				f.received = append(f.received, e)
				if len(f.received) == 5 && five != nil {
					close(five)
				}
				if u := until(); u != 0 && e.Position >= u {
					return nil
				}
			case "complete":
				return fmt.Errorf("complete after %s", data)
			}
			name, data, id = "", "", ""
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data += strings.TrimPrefix(line, "data: ")
		case strings.HasPrefix(line, "id: "):
			id = strings.TrimPrefix(line, "id: ")
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return io.ErrUnexpectedEOF
}

// TestStreams_slowConsumerResumesAfterTheCut: a subscriber that stops reading is cut off
// once a write to it has waited --stream-write-timeout, as the README says: a WebSocket
// (either protocol) without a close frame, an SSE stream without complete, so that its client
// reconnects rather than take the subscription for finished. What it had received before the
// cut is whole and in order, and resuming after the last position it received (afterPosition;
// over SSE Last-Event-ID) gives it every later event, once.
func TestStreams_slowConsumerResumesAfterTheCut(t *testing.T) {
	for _, tr := range []string{string(graphtest.TransportWS), string(graphtest.LegacyWS), "sse"} {
		t.Run(tr, func(t *testing.T) {
			m := NewMain()
			m.Stderr = io.Discard
			if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--store", "memory", "--stream-write-timeout", "300ms", "--keep-alive", "1h"}, env(nil)); err != nil {
				t.Fatal(err)
			}
			cut := make(chan struct{})
			var once sync.Once
			m.streamEnded = func(r *http.Request) {
				if r.Header.Get("X-Test-Stalled") != "" {
					once.Do(func() { close(cut) })
				}
			}
			if err := m.Run(testCtx(t)); err != nil {
				t.Fatalf("Run: %v", err)
			}
			t.Cleanup(func() { _ = m.Close() })
			u := m.URL() + "/graphql"
			c := newClient(t, u)
			gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"name": "Small", "menu": menu("a")}})

			// The stalled client: a small receive buffer, and it reads the first event only.
			hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
				if tcp, ok := conn.(*net.TCPConn); ok {
					_ = tcp.SetReadBuffer(4096)
				}
				return conn, err
			}}}
			t.Cleanup(hc.CloseIdleConnections)
			ctx := testCtx(t)
			const sub = `subscription { events(afterPosition: 0) { position data } }`
			var read func() (int64, error) // the next event's position
			if tr == "sse" {
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(fmt.Sprintf(`{"query": %q}`, sub)))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "text/event-stream")
				req.Header.Set("X-Test-Stalled", "1")
				resp, err := hc.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { resp.Body.Close() })
				sc := bufio.NewScanner(resp.Body)
				sc.Buffer(nil, 1<<20)
				read = func() (int64, error) {
					var name, data, id string
					for sc.Scan() {
						switch line := sc.Text(); {
						case line == "" && name == "complete":
							return 0, errors.New("complete")
						case line == "" && name == "next":
							var v struct {
								Data struct{ Events struct{ Position int64 } }
							}
							if err := json.Unmarshal([]byte(data), &v); err != nil || fmt.Sprint(v.Data.Events.Position) != id {
								return 0, fmt.Errorf("event %.200s under the id %q: %v", data, id, err)
							}
							return v.Data.Events.Position, nil
						case strings.HasPrefix(line, "event: "):
							name = strings.TrimPrefix(line, "event: ")
						case strings.HasPrefix(line, "data: "):
							data += strings.TrimPrefix(line, "data: ")
						case strings.HasPrefix(line, "id: "):
							id = strings.TrimPrefix(line, "id: ")
						}
					}
					if err := sc.Err(); err != nil {
						return 0, err
					}
					return 0, io.EOF
				}
			} else {
				conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(u, "http"), &websocket.DialOptions{
					HTTPClient:   hc,
					HTTPHeader:   http.Header{"X-Test-Stalled": {"1"}},
					Subprotocols: []string{tr},
				})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = conn.CloseNow() })
				conn.SetReadLimit(1 << 20)
				start := "subscribe"
				if tr == string(graphtest.LegacyWS) {
					start = "start"
				}
				for _, msg := range []string{`{"type":"connection_init"}`, fmt.Sprintf(`{"id":"1","type":%q,"payload":{"query":%q}}`, start, sub)} {
					if err := conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
						t.Fatal(err)
					}
				}
				read = func() (int64, error) {
					for {
						_, b, err := conn.Read(ctx)
						if err != nil {
							return 0, err
						}
						var m struct {
							Type    string
							Payload struct {
								Data struct{ Events struct{ Position int64 } }
							}
						}
						if err := json.Unmarshal(b, &m); err != nil {
							return 0, err
						}
						switch m.Type {
						case "next", "data":
							return m.Payload.Data.Events.Position, nil
						case "connection_ack", "ka", "ping", "pong":
						default:
							return 0, fmt.Errorf("message %.200s", b)
						}
					}
				}
			}
			if p, err := read(); p != 1 || err != nil {
				t.Fatalf("first event %d, %v", p, err)
			}

			// Small events, which the connection's buffers hold, then events of ~110 KB until
			// the server gives up on the client.
			for range 5 {
				gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"name": "Small", "menu": menu("a")}})
			}
			big := bigMenu()
		writes:
			for range 400 {
				select {
				case <-cut:
					break writes
				default:
				}
				gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"name": "Big", "menu": big}})
			}
			select {
			case <-cut:
			case <-ctx.Done():
				t.Fatal("the stream of a client that stopped reading was not cut off")
			}

			// The client reads what reached it before the cut.
			last := int64(1)
			var err error
			for {
				var p int64
				if p, err = read(); err != nil {
					break
				}
				if p != last+1 {
					t.Fatalf("after event %d the cut-off client got %d", last, p)
				}
				last = p
			}
			cutErr := err
			switch {
			case tr == "sse" && !errors.Is(err, io.ErrUnexpectedEOF):
				t.Errorf("the cut-off stream ended with %v, want it cut without complete (io.ErrUnexpectedEOF)", err)
			case tr != "sse" && (websocket.CloseStatus(err) != -1 || ctx.Err() != nil):
				t.Errorf("the cut-off WebSocket ended with %v, want the connection cut without a close frame", err)
			}

			// It resumes after the last event it has.
			head := decode[struct{ Status struct{ Head int64 } }](t, gql(t, c, `{ status { head } }`, nil)).Status.Head
			var s *graphtest.Subscription
			const resumed = `subscription($a: Int64) { events(afterPosition: $a) { position } }`
			if tr == "sse" {
				s, err = graphtest.New(u, graphtest.WithHTTPClient(httpClient(t)), graphtest.WithHeader("Last-Event-ID", fmt.Sprint(last))).
					SubscribeSSE(ctx, `subscription { events { position } }`, nil)
			} else {
				s, err = c.SubscribeWS(ctx, graphtest.Protocol(tr), resumed, map[string]any{"a": last})
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			t.Logf("cut off after event %d of %d (%v)", last, head, cutErr)
			if last < 6 {
				t.Fatalf("the cut-off client got %d events, want at least the 6 small ones the buffers held", last)
			}
			for want := last + 1; want <= head; want++ {
				r, err := s.Next(ctx)
				if err != nil {
					t.Fatalf("resumed after %d: %v", last, err)
				}
				if p := decode[struct{ Events struct{ Position int64 } }](t, r.Data).Events.Position; p != want {
					t.Fatalf("resumed after %d: got event %d, want %d", last, p, want)
				}
			}
		})
	}
}

// eventAt is an event as a subscriber of TestMain_subscribersResumeAcrossARestart takes it.
type eventAt struct {
	ID       string
	Position int64
}

// logPositions pages through the whole log with the events query.
func logPositions(t *testing.T, c *graphtest.Client) []eventAt {
	t.Helper()
	var all []eventAt
	for {
		var after int64
		if len(all) > 0 {
			after = all[len(all)-1].Position
		}
		page := decode[struct{ Events []eventAt }](t, gql(t, c, `query($a: Int64) { events(afterPosition: $a, first: 100) { id position } }`, map[string]any{"a": after})).Events
		if len(page) == 0 {
			return all
		}
		all = append(all, page...)
	}
}
