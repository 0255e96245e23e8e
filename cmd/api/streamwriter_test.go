package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"slices"
	"syscall"
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
	newWriter := func(rw *recordingWriter) (*streamWriter, context.Context) {
		sw, ctx, stop := newStreamWriter(context.Background(), rw, timeout)
		t.Cleanup(stop)
		return sw, ctx
	}
	rw := &recordingWriter{}
	sw, stream := newWriter(rw)
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
	if stream.Err() != nil {
		t.Fatal("the stream was cut after writes that succeeded")
	}

	rw = &recordingWriter{failAt: 2}
	sw, stream = newWriter(rw)
	n, err = sw.Write(msg)
	if err == nil || n != streamChunk+streamChunk/2 || stream.Err() == nil || len(rw.writes) != 2 {
		t.Fatalf("Write = %d, %v after writes %v (cut %v); want the error, %d bytes, two writes, the stream cut",
			n, err, rw.writes, stream.Err() != nil, streamChunk+streamChunk/2)
	}
}

// failingWriter is an http.ResponseWriter whose writes and flushes fail with err. Before
// they return, they end the request's context, as net/http does inside a write to a
// connection that fails.
type failingWriter struct {
	err        error
	endRequest context.CancelFunc
}

func (w *failingWriter) Header() http.Header              { return http.Header{} }
func (w *failingWriter) WriteHeader(int)                  {}
func (w *failingWriter) SetWriteDeadline(time.Time) error { return nil }
func (w *failingWriter) Write([]byte) (int, error)        { w.endRequest(); return 0, w.err }
func (w *failingWriter) FlushError() error                { w.endRequest(); return w.err }

// TestStreamWriter_namesWhyItCut checks that a stream cut off because a write or flush timed
// out ends with cause errSlowConsumer, which the observer reports as SLOW_CONSUMER, and one
// whose client went away does not; also when the request's context ends inside the failed
// write, as net/http ends it, before the writer sees the error: the stream's end is then
// seen only once its cause is known (it raced with it, and a cut-off subscriber was often
// reported as a subscription that ended well).
func TestStreamWriter_namesWhyItCut(t *testing.T) {
	timedOut := &net.OpError{Op: "write", Net: "tcp", Err: os.ErrDeadlineExceeded}
	gone := &net.OpError{Op: "write", Net: "tcp", Err: syscall.EPIPE}
	tests := []struct {
		name  string
		err   error
		flush bool
		want  error
	}{
		{"a write that timed out", timedOut, false, errSlowConsumer},
		{"a flush that timed out", timedOut, true, errSlowConsumer},
		{"a write to a client that went away", gone, false, gone},
		{"a flush to a client that went away", gone, true, gone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			request, endRequest := context.WithCancel(context.Background())
			defer endRequest()
			sw, stream, stop := newStreamWriter(request, &failingWriter{err: tt.err, endRequest: endRequest}, time.Second)
			defer stop()
			cause := make(chan error, 1)
			context.AfterFunc(stream, func() { cause <- context.Cause(stream) }) // as the observer learns of it
			if tt.flush {
				_ = sw.FlushError()
			} else {
				_, _ = sw.Write([]byte("event: next\n\n"))
			}
			select {
			case got := <-cause:
				if !errors.Is(got, tt.want) {
					t.Errorf("the stream ended with cause %v, want %v", got, tt.want)
				}
			case <-testCtx(t).Done():
				t.Fatal("the stream's context did not end")
			}
		})
	}
}

// TestRecorder_FlushError: a flush through the access log's recorder reports its error, so
// that streamWriter sees a flush that timed out (the recorder's Flush, an http.Flusher's,
// dropped it).
func TestRecorder_FlushError(t *testing.T) {
	timedOut := &net.OpError{Op: "write", Net: "tcp", Err: os.ErrDeadlineExceeded}
	rec := &recorder{ResponseWriter: &failingWriter{err: timedOut, endRequest: func() {}}}
	if err := http.NewResponseController(rec).Flush(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Flush = %v, want the writer's %v", err, timedOut)
	}
}
