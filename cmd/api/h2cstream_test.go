package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// offerH2C is the headers curl --http2 adds to a request to an http:// URL.
const offerH2C = "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n"

// openSSEWith sends an SSE subscription to m with the extra headers, and returns its connection
// and reader.
func openSSEWith(t *testing.T, m *Main, headers string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", m.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	body := `{"query":"subscription { events(afterPosition: 0) { position } }"}`
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n%sContent-Length: %d\r\n\r\n%s",
		m.Addr(), headers, len(body), body)
	return conn, bufio.NewReader(conn)
}

// TestSSE_offerOfH2CIsAStream: an SSE subscription that also offers h2c (curl --http2 -N on
// an http:// URL) is a stream: it outlives --write-timeout, as the same subscription without
// the offer does. Before, the handler streamed it (it ignores the offer) while the server's
// deadlines took it for an ordinary request and ended it at --write-timeout.
func TestSSE_offerOfH2CIsAStream(t *testing.T) {
	for _, upgrade := range []string{"", offerH2C} {
		t.Run(fmt.Sprintf("upgrade %q", upgrade), func(t *testing.T) {
			m, _ := startMain(t, "--store", "memory", "--write-timeout", "1s")
			conn, r := openSSEWith(t, m, upgrade)
			// What is checked is an absence: the stream is still open three times the
			// write timeout later.
			_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
			var got strings.Builder
			for {
				line, err := r.ReadString('\n')
				got.WriteString(line)
				if line == "0\r\n" {
					t.Fatalf("the stream ended (its last chunk); read:\n%s", got.String())
				}
				if err != nil {
					if ne, ok := err.(net.Error); ok && ne.Timeout() {
						break // still open after 3 s: a stream
					}
					t.Fatalf("the stream ended (%v); read:\n%s", err, got.String())
				}
			}
			if !strings.Contains(got.String(), "text/event-stream") {
				t.Fatalf("not an event stream:\n%s", got.String())
			}
		})
	}
}

// TestSSE_offerOfH2CAtShutdown: a shutdown ends an SSE stream that offered h2c as one of
// its streams (which it cancels and waits for), as it ends one that did not; before, the
// server did not count it a stream and Shutdown waited for it as for any request, until
// --shutdown-timeout.
func TestSSE_offerOfH2CAtShutdown(t *testing.T) {
	for _, upgrade := range []string{"", offerH2C} {
		t.Run(fmt.Sprintf("upgrade %q", upgrade), func(t *testing.T) {
			m := NewMain()
			m.Stderr = new(strings.Builder)
			ended := make(chan struct{}, 1)
			m.streamEnded = func(*http.Request) { ended <- struct{}{} }
			if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--store", "memory", "--write-timeout", "0", "--shutdown-timeout", "4s"}, env(nil)); err != nil {
				t.Fatal(err)
			}
			if err := m.Run(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			_, r := openSSEWith(t, m, upgrade)
			for { // the stream is open once its first event (the keep-alive comment) came
				line, err := r.ReadString('\n')
				if err != nil {
					t.Fatal(err)
				}
				if strings.HasPrefix(line, ":") {
					break
				}
			}
			_ = m.Close()
			select {
			case <-ended: // told before Close returned: Close waits for the streams it ends
			default:
				t.Error("Close returned, and the server had not ended the stream as one of its streams")
			}
		})
	}
}
