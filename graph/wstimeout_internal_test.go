package graph

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"slices"
	"testing"
	"time"
)

// TestConfig_withDefaults_StreamWriteTimeout checks that the zero Config bounds WebSocket
// writes, as every protection is on by default, and that only a negative value turns the
// bound off.
func TestConfig_withDefaults_StreamWriteTimeout(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil)) // so that no service is needed
	tests := []struct {
		name string
		set  time.Duration
		want time.Duration
	}{
		{"left at zero: the default", 0, DefaultStreamWriteTimeout},
		{"set", 3 * time.Second, 3 * time.Second},
		{"negative: no limit", -1, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Config{Logger: logger, StreamWriteTimeout: tt.set}.withDefaults(nil).StreamWriteTimeout
			if got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// recordingConn is a net.Conn that records each write's size and the deadline set before
// it, and fails the write numbered failAt (from 1; 0: none).
type recordingConn struct {
	net.Conn // nil: only the methods below are called
	deadline time.Time
	writes   []int
	before   []time.Time // the write deadline when each write began
	failAt   int
	closed   bool
}

func (c *recordingConn) SetWriteDeadline(t time.Time) error { c.deadline = t; return nil }
func (c *recordingConn) Close() error                       { c.closed = true; return nil }

func (c *recordingConn) Write(p []byte) (int, error) {
	c.writes = append(c.writes, len(p))
	c.before = append(c.before, c.deadline)
	if len(c.writes) == c.failAt {
		return len(p) / 2, errors.New("write: broken pipe")
	}
	return len(p), nil
}

// TestProgressConn_boundsEachChunk checks what lets a slow but steady reader be served
// whatever a message's size: a write goes out in chunks of at most writeChunk bytes, each
// under a deadline of its own set just before it; and a failed chunk closes the connection.
func TestProgressConn_boundsEachChunk(t *testing.T) {
	const timeout = 2 * time.Second
	rc := &recordingConn{}
	pc := &progressConn{Conn: rc, timeout: timeout}
	msg := make([]byte, 110_000)
	start := time.Now()
	n, err := pc.Write(msg)
	if err != nil || n != len(msg) {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if want := []int{writeChunk, writeChunk, writeChunk, len(msg) - 3*writeChunk}; !slices.Equal(rc.writes, want) {
		t.Fatalf("writes %v, want %v", rc.writes, want)
	}
	for i, d := range rc.before {
		if i > 0 && d.Before(rc.before[i-1]) || d.Before(start.Add(timeout)) || d.After(time.Now().Add(timeout)) {
			t.Fatalf("write %d began with deadline %v, want one set for it (%v from then)", i+1, d, timeout)
		}
	}
	if rc.closed {
		t.Fatal("closed after writes that succeeded")
	}

	rc = &recordingConn{failAt: 2}
	pc = &progressConn{Conn: rc, timeout: timeout}
	n, err = pc.Write(msg)
	if err == nil || n != writeChunk+writeChunk/2 || !rc.closed || len(rc.writes) != 2 {
		t.Fatalf("Write = %d, %v after writes %v (closed %v); want the error, %d bytes, two writes, the connection closed",
			n, err, rc.writes, rc.closed, writeChunk+writeChunk/2)
	}
}
