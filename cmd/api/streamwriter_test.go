package main

import (
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"
)

// recordingWriter is an http.ResponseWriter that records each write's size and the write
// deadline set before it, and fails the write numbered failAt (from 1; 0: none).
type recordingWriter struct {
	deadline time.Time
	writes   []int
	before   []time.Time
	failAt   int
}

func (w *recordingWriter) Header() http.Header                { return http.Header{} }
func (w *recordingWriter) WriteHeader(int)                    {}
func (w *recordingWriter) SetWriteDeadline(t time.Time) error { w.deadline = t; return nil }
func (w *recordingWriter) FlushError() error                  { return nil }

func (w *recordingWriter) Write(p []byte) (int, error) {
	w.writes = append(w.writes, len(p))
	w.before = append(w.before, w.deadline)
	if len(w.writes) == w.failAt {
		return len(p) / 2, errors.New("write: broken pipe")
	}
	return len(p), nil
}

// TestStreamWriter_boundsEachChunk checks what lets a slow but steady SSE reader be served
// whatever an event's size: a write goes out in chunks of at most streamChunk bytes, each
// under a deadline of its own set just before it; and a failed chunk ends the stream.
func TestStreamWriter_boundsEachChunk(t *testing.T) {
	const timeout = 2 * time.Second
	newWriter := func(rw *recordingWriter) (*streamWriter, *bool) {
		cut := new(bool)
		return &streamWriter{ResponseWriter: rw, rc: http.NewResponseController(rw), timeout: timeout, cut: func() { *cut = true }}, cut
	}
	rw := &recordingWriter{}
	sw, cut := newWriter(rw)
	msg := make([]byte, 110_000)
	start := time.Now()
	n, err := sw.Write(msg)
	if err != nil || n != len(msg) {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if want := []int{streamChunk, streamChunk, streamChunk, len(msg) - 3*streamChunk}; !slices.Equal(rw.writes, want) {
		t.Fatalf("writes %v, want %v", rw.writes, want)
	}
	for i, d := range rw.before {
		if i > 0 && d.Before(rw.before[i-1]) || d.Before(start.Add(timeout)) || d.After(time.Now().Add(timeout)) {
			t.Fatalf("write %d began with deadline %v, want one set for it (%v from then)", i+1, d, timeout)
		}
	}
	if *cut {
		t.Fatal("the stream was cut after writes that succeeded")
	}

	rw = &recordingWriter{failAt: 2}
	sw, cut = newWriter(rw)
	n, err = sw.Write(msg)
	if err == nil || n != streamChunk+streamChunk/2 || !*cut || len(rw.writes) != 2 {
		t.Fatalf("Write = %d, %v after writes %v (cut %v); want the error, %d bytes, two writes, the stream cut",
			n, err, rw.writes, *cut, streamChunk+streamChunk/2)
	}
}
