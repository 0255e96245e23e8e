package graph

import (
	"errors"
	"net/http"
	"strings"
	"sync"
)

// errStreamEnded is what a write to a Server-Sent Events stream returns once the request's
// handler has returned.
var errStreamEnded = errors.New("graph: write after the event stream ended")

// guardStreams makes the writer of a request that may become a Server-Sent Events stream
// (one that accepts text/event-stream) refuse every write once the handler has returned.
//
// gqlgen's SSE transport sends its keep-alive pings from a goroutine of its own, which
// stops when the request's context ends, a moment after the handler returns. A ping due
// in that moment wrote to a response whose buffers net/http had already recycled, and the
// nil pointer it met there crashed the whole process. The guard holds a lock across each
// write, so the handler returns only after a write in progress has finished, and the ones
// that come later are dropped.
func guardStreams(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			next.ServeHTTP(w, r)
			return
		}
		s := &streamWriter{w: w}
		defer s.end()
		next.ServeHTTP(s, r)
	})
}

// streamWriter passes writes through to w until end.
type streamWriter struct {
	w     http.ResponseWriter
	mu    sync.Mutex
	ended bool
}

// Header returns w's header map. gqlgen sets headers only from the handler's goroutine,
// before it writes.
func (s *streamWriter) Header() http.Header { return s.w.Header() }

func (s *streamWriter) WriteHeader(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ended {
		s.w.WriteHeader(code)
	}
}

func (s *streamWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return 0, errStreamEnded
	}
	return s.w.Write(p)
}

// Flush sends what is buffered to the client (gqlgen's SSE transport requires an
// http.Flusher), unless the stream ended.
func (s *streamWriter) Flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ended {
		_ = http.NewResponseController(s.w).Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer (for deadlines).
func (s *streamWriter) Unwrap() http.ResponseWriter { return s.w }

// end waits for a write in progress and refuses the later ones.
func (s *streamWriter) end() {
	s.mu.Lock()
	s.ended = true
	s.mu.Unlock()
}
