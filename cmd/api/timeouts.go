package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/eventgraph/eventgraph/graph"
)

// deadlines enforces --read-timeout and --write-timeout per request, through
// http.ResponseController, instead of http.Server's ReadTimeout and WriteTimeout, which
// would cut every subscription stream off after the same time:
//   - an ordinary request must be read within ReadTimeout and answered within WriteTimeout
//     of its start (its context ends shortly before, see answerMargin);
//   - a Server-Sent Events request must have its body read within ReadTimeout; then the
//     stream lives on, the progress of its writes bounded by StreamWriteTimeout (see
//     streamWriter): a client that stops reading is cut off then (the stream's context
//     ends), instead of holding the stream's goroutines and the message being written
//     forever;
//   - a WebSocket upgrade clears the deadlines an earlier request left on the connection
//     (a write deadline stays on a kept-alive connection), as its connection lives on; the
//     graph package bounds its writes (graph.Config's StreamWriteTimeout).
//
// http.Server's ReadHeaderTimeout and IdleTimeout bound the time before a request's
// headers arrive. deadlines must wrap the server's own ResponseWriter (or one that unwraps
// to it); where it cannot set a deadline, the request runs without one.
func deadlines(c SecurityConfig, next http.Handler) http.Handler {
	if c.ReadTimeout <= 0 && c.WriteTimeout <= 0 && c.StreamWriteTimeout <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		start := time.Now()
		switch {
		case isWebSocketUpgrade(r):
			_ = rc.SetReadDeadline(time.Time{})
			_ = rc.SetWriteDeadline(time.Time{})
		case isSSE(r):
			_ = rc.SetWriteDeadline(time.Time{})
			if c.ReadTimeout > 0 && r.Body != nil && r.Body != http.NoBody {
				_ = rc.SetReadDeadline(start.Add(c.ReadTimeout))
				r.Body = &onEOF{ReadCloser: r.Body, fn: func() { _ = rc.SetReadDeadline(time.Time{}) }}
			}
			if c.StreamWriteTimeout > 0 {
				if conn, ok := r.Context().Value(connKey{}).(interface{ SetWriteBuffer(int) error }); ok {
					_ = conn.SetWriteBuffer(graph.StreamSendBuffer) // see there
				}
				sw, ctx, stop := newStreamWriter(r.Context(), w, c.StreamWriteTimeout)
				defer stop()
				r, w = r.WithContext(ctx), sw
			}
		default:
			if c.ReadTimeout > 0 {
				_ = rc.SetReadDeadline(start.Add(c.ReadTimeout))
			}
			if c.WriteTimeout > 0 {
				_ = rc.SetWriteDeadline(start.Add(c.WriteTimeout))
				// The request's context ends a little before the write deadline, so that a
				// request that would outlast it (a minPosition query waiting for its
				// consistency timeout) is answered with its error in time instead of losing
				// its answer to the deadline: the client would see the connection cut.
				ctx, cancel := context.WithDeadline(r.Context(), start.Add(c.WriteTimeout-answerMargin(c.WriteTimeout)))
				defer cancel()
				r = r.WithContext(ctx)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// connKey is the context key of a request's connection (see withConn).
type connKey struct{}

// withConn is http.Server's ConnContext: it keeps each connection in its requests'
// context, so that deadlines can size a stream's socket send buffer.
func withConn(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// answerMargin is how long before the write deadline of timeout a request's context ends: a
// tenth of it, at most a second, time enough to write an error.
func answerMargin(timeout time.Duration) time.Duration {
	return min(timeout/10, time.Second)
}

// onEOF calls fn once, when the body has been read to its end.
type onEOF struct {
	io.ReadCloser
	fn   func()
	once sync.Once
}

func (b *onEOF) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if errors.Is(err, io.EOF) {
		b.once.Do(b.fn)
	}
	return n, err
}

// streamChunk is the most of a stream's write that goes out under one deadline.
const streamChunk = 32 << 10

// errSlowConsumer is the cause of the context of a stream that streamWriter cut off because
// a write to it timed out: the client stopped taking what was written. graphObserver reports
// such a stream's subscription with graph.CodeSlowConsumer.
var errSlowConsumer = errors.New("the client took no part of a write within the stream write timeout")

// streamWriter bounds the progress of a stream's writes: each chunk of at most streamChunk
// bytes, and each flush, must be taken by the client within the timeout. A client that
// reads steadily but slowly is served however large a message is; one that stopped reading
// is cut off. When a write fails, it ends the stream's context: the transport writing the
// stream does not stop on a failed write by itself, and would go on feeding a connection
// that can take no more.
type streamWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	cut     context.CancelCauseFunc // ends the stream's context

	// mu is held across each write to the connection, and by the stream's context when it
	// follows the request's (see newStreamWriter).
	mu sync.Mutex
}

// newStreamWriter returns a streamWriter over w that bounds the progress of each write by
// timeout, and the stream's context, which ends when parent (the request's) ends or when a
// write fails; its cause is then errSlowConsumer if the write timed out. stop releases the
// context once the stream's handler has returned.
//
// The stream's context follows parent under s.mu, not as its child: net/http ends the
// request's context inside a write that fails, before the writer learns of the failure, and
// what watches the stream's end (the subscription's report to the observer) would then race
// with cut to learn why it ended. Under the lock, a failed write has named its cause first.
func newStreamWriter(parent context.Context, w http.ResponseWriter, timeout time.Duration) (s *streamWriter, ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(context.WithoutCancel(parent))
	s = &streamWriter{ResponseWriter: w, rc: http.NewResponseController(w), timeout: timeout, cut: cancel}
	unfollow := context.AfterFunc(parent, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		cancel(context.Cause(parent))
	})
	return s, ctx, func() {
		unfollow()
		cancel(nil)
	}
}

func (s *streamWriter) Write(p []byte) (n int, err error) {
	for len(p) > 0 {
		m, err := s.writeChunk(p[:min(len(p), streamChunk)])
		n += m
		if err != nil {
			return n, err
		}
		p = p[m:]
	}
	return n, nil
}

// writeChunk writes p under a deadline of its own.
func (s *streamWriter) writeChunk(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.rc.SetWriteDeadline(time.Now().Add(s.timeout))
	n, err := s.ResponseWriter.Write(p)
	if err != nil {
		s.fail(err)
	}
	return n, err
}

// Flush sends what was written; http.Flusher's Flush reports no error, FlushError does.
func (s *streamWriter) Flush() { _ = s.FlushError() }

// FlushError is Flush with its error, as http.ResponseController calls it.
func (s *streamWriter) FlushError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.rc.SetWriteDeadline(time.Now().Add(s.timeout))
	err := s.rc.Flush()
	if err != nil {
		s.fail(err)
	}
	return err
}

// fail cuts the stream off after a write failed with err: with cause errSlowConsumer when
// the write timed out, else with err (the client went away, say).
func (s *streamWriter) fail(err error) {
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		s.cut(errSlowConsumer)
		return
	}
	s.cut(err)
}

// Unwrap lets http.ResponseController reach the server's ResponseWriter.
func (s *streamWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
