package main

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// TestSSE_offerOfH2CIsAStream: an SSE subscription that also offers h2c (curl --http2 -N on
// an http:// URL) is a stream: it outlives --write-timeout, as the same subscription without
// the offer does. Before, the handler streamed it (it ignores the offer) while the server's
// deadlines took it for an ordinary request and ended it at --write-timeout.
func TestSSE_offerOfH2CIsAStream(t *testing.T) {
	for _, upgrade := range []string{"", "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n"} {
		t.Run(fmt.Sprintf("upgrade %q", upgrade), func(t *testing.T) {
			m, _ := startMain(t, "--store", "memory", "--write-timeout", "1s")
			conn, err := net.Dial("tcp", m.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			body := `{"query":"subscription { events(afterPosition: 0) { position } }"}`
			fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n%sContent-Length: %d\r\n\r\n%s",
				m.Addr(), upgrade, len(body), body)
			_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
			r := bufio.NewReader(conn)
			var got strings.Builder
			start := time.Now()
			for {
				line, err := r.ReadString('\n')
				got.WriteString(line)
				if line == "0\r\n" {
					t.Fatalf("the stream ended after %v (its last chunk); read:\n%s", time.Since(start).Round(10*time.Millisecond), got.String())
				}
				if err != nil {
					if ne, ok := err.(net.Error); ok && ne.Timeout() {
						break // still open after 3 s: a stream
					}
					t.Fatalf("stream ended after %v (%v); read:\n%s", time.Since(start).Round(10*time.Millisecond), err, got.String())
				}
			}
			if !strings.Contains(got.String(), "text/event-stream") {
				t.Fatalf("not an event stream:\n%s", got.String())
			}
		})
	}
}

// TestSSE_offerOfH2CAtShutdown: a shutdown ends an SSE stream that offered h2c at once, as it ends one that did not
// (streams cancels the streams it knows of; Shutdown waits for every other request).
func TestSSE_offerOfH2CAtShutdown(t *testing.T) {
	for _, upgrade := range []string{"", "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n"} {
		t.Run(fmt.Sprintf("upgrade %q", upgrade), func(t *testing.T) {
			m := NewMain()
			m.Stderr = new(strings.Builder)
			if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--store", "memory", "--write-timeout", "0", "--shutdown-timeout", "4s"}, env(nil)); err != nil {
				t.Fatal(err)
			}
			if err := m.Run(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			conn, err := net.Dial("tcp", m.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			body := `{"query":"subscription { events(afterPosition: 0) { position } }"}`
			fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n%sContent-Length: %d\r\n\r\n%s",
				m.Addr(), upgrade, len(body), body)
			r := bufio.NewReader(conn)
			for { // the stream is open once its first event (the keep-alive comment) came
				line, err := r.ReadString('\n')
				if err != nil {
					t.Fatal(err)
				}
				if strings.HasPrefix(line, ":") {
					break
				}
			}
			start := time.Now()
			_ = m.Close()
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("Close took %v with the stream open", took.Round(10*time.Millisecond))
			}
		})
	}
}
