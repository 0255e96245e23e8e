package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/graph"
)

// An SSE subscriber that stops reading is cut off once a write to it has waited
// --stream-write-timeout, and its stream ends: before, the stream and the message being
// written were held until the client went away. The cut is reported: the stream's log line
// names SLOW_CONSUMER in codes, and graphql_operations_total counts the subscription with
// that outcome (it said status=200 and outcome "ok", as for a subscription that ended well).
func TestSSE_SubscriberThatStopsReadingIsCutOff(t *testing.T) {
	m, ended, logs := startStreams(t, "300ms")
	conn := openSSE(t, m, 4096)
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.Contains(status, "200") {
		t.Fatalf("stream's status line %q, %v", status, err)
	}

	// Events of ~110 KB each, until the socket's buffers are full and a write waits.
	c := newClient(t, "http://"+m.Addr().String()+"/graphql")
	big := bigMenu()
	// 400 of them (44 MB) are far more than loopback's socket buffers hold.
	for i := 0; i < 400 && len(ended) == 0; i++ {
		gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"name": "Big", "menu": big}})
	}
	select {
	case <-ended:
	case <-time.After(20 * time.Second):
		t.Fatal("the stream of a client that stopped reading did not end within 20 s")
	}

	// Counted before the stream's handler returned.
	const cut = `eventgraph_graphql_operations_total{outcome="SLOW_CONSUMER",type="subscription"}`
	if v := scrapeMetrics(t, m)[cut]; v != 1 {
		t.Errorf("%s = %v, want 1", cut, v)
	}
	raw := logs.await(t, "for the stream", func(l string) bool {
		return strings.Contains(l, `"msg":"request"`) && strings.Contains(l, `"opType":"subscription"`)
	})
	var line struct {
		Status int
		Codes  string
	}
	if err := json.Unmarshal([]byte(raw), &line); err != nil {
		t.Fatal(err)
	}
	if line.Status != http.StatusOK || line.Codes != graph.CodeSlowConsumer {
		t.Errorf("logged %s\nwant status 200 with codes %s", raw, graph.CodeSlowConsumer)
	}
}

// A request whose body never comes is cut off after --read-timeout, also when it carries an
// Upgrade header: only a GET without a body is a WebSocket handshake, freed of the
// request's deadlines. Before, "Upgrade: websocket" on a POST held the connection forever.
func TestReadTimeout_BodyThatNeverComes(t *testing.T) {
	// The write timeout longer than the read timeout, equal to it (as the defaults are:
	// the 408 was written past the write deadline, so the client saw the connection cut
	// while the server logged a 408), and shorter.
	for _, flags := range [][]string{
		{"--read-timeout", "500ms"},
		{"--read-timeout", "500ms", "--write-timeout", "500ms"},
		{"--read-timeout", "500ms", "--write-timeout", "300ms"},
	} {
		t.Run(strings.Join(flags, " "), func(t *testing.T) { bodyThatNeverComes(t, flags) })
	}
}

func bodyThatNeverComes(t *testing.T, flags []string) {
	m, _ := startMain(t, append([]string{"--store", "memory"}, flags...)...)
	for _, tt := range []struct{ name, head string }{
		{"a POST", "POST /graphql HTTP/1.1\r\nContent-Type: application/json\r\n"},
		{"a POST with an Upgrade header", "POST /graphql HTTP/1.1\r\nContent-Type: application/json\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"},
		{"a GET handshake with a body", "GET /graphql HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"},
		{"an SSE POST", "POST /graphql HTTP/1.1\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", m.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			fmt.Fprintf(conn, "%sHost: %s\r\nContent-Length: 1000\r\n\r\n{", tt.head, m.Addr())
			// The server answers and closes within its read timeout; 10 s means it never will.
			_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			got, err := io.ReadAll(conn)
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("the connection was still open after 10 s: %v", err)
			}
			// 408: the client was too slow, not wrong (it was 400 BAD_USER_INPUT).
			if !strings.HasPrefix(string(got), "HTTP/1.1 408 ") || !strings.Contains(string(got), `"BAD_REQUEST"`) {
				t.Errorf("answer %q, want 408 with BAD_REQUEST", got)
			}
		})
	}
}

// bigMenu is a menu input of the most items, each with the longest name: an event of
// ~110 KB.
func bigMenu() map[string]any {
	items := make([]string, 500)
	for i := range items {
		items[i] = fmt.Sprintf("i%d", i)
	}
	big := menu(items...)
	for _, it := range big["menuItems"].([]map[string]any) {
		it["name"] = strings.Repeat("x", 200)
	}
	return big
}

// An SSE subscriber that reads steadily but slowly is served on: the timeout bounds each
// 32 KiB of a write, not a whole message (TestStreamWriter_boundsEachChunk), and the
// stream's small send buffer lets a write progress as the client reads. Before, an event of
// 110 KB cut off a client reading 4 KB every 50 ms under a 2 s timeout, again at each
// reconnection.
func TestSSE_SlowButSteadyReaderIsServed(t *testing.T) {
	m, ended, _ := startStreams(t, "3s")
	c := newClient(t, m.URL()+"/graphql")
	big := bigMenu()
	for range 40 { // 4.4 MB: more than the reader takes in the test's time
		gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"name": "Big", "menu": big}})
	}

	// 4 KB every 50 ms for 5 s: some 400 KB, four events. The receive buffer is 64 KiB, as
	// loopback's segments are: with a smaller one the window reopens only on the sender's
	// zero-window probes, whose interval doubles whenever the reader is descheduled (an
	// overloaded machine), until 32 KiB take longer than the timeout.
	conn := openSSE(t, m, 64<<10)
	buf := make([]byte, 4096)
	total := 0
	for range 100 {
		select {
		case <-ended:
			t.Fatalf("the stream ended after %d bytes although the client kept reading", total)
		default:
		}
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := io.ReadFull(conn, buf)
		total += n
		if err != nil {
			t.Fatalf("read after %d bytes: %v", total, err)
		}
		time.Sleep(50 * time.Millisecond) // the reader's pace, not a wait for the server
	}
	select {
	case <-ended:
		t.Fatalf("the stream ended after %d bytes although the client kept reading", total)
	default:
	}
}

// startStreams starts a Main over the memory store with --stream-write-timeout timeout and
// JSON logs, which it returns; the channel receives a value when an SSE stream's handler
// returns.
func startStreams(t *testing.T, timeout string) (*Main, <-chan struct{}, *signalBuffer) {
	t.Helper()
	m := NewMain()
	logs := newSignalBuffer()
	m.Stderr = logs
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--store", "memory", "--stream-write-timeout", timeout, "--log-format", "json"}, env(nil)); err != nil {
		t.Fatal(err)
	}
	ended := make(chan struct{}, 1)
	m.streamEnded = func(r *http.Request) {
		if r.Method == http.MethodPost {
			ended <- struct{}{}
		}
	}
	if err := m.Run(testCtx(t)); err != nil {
		t.Fatalf("Run: %v", err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m, ended, logs
}

// openSSE subscribes to every event with their data over SSE on a raw connection whose
// receive buffer is readBuffer bytes, and returns the connection, closed when the test ends.
func openSSE(t *testing.T, m *Main, readBuffer int) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", m.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.(*net.TCPConn).SetReadBuffer(readBuffer)
	body := `{"query":"subscription { events(afterPosition: 0) { position data } }"}`
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: %d\r\n\r\n%s",
		m.Addr(), len(body), body)
	return conn
}
