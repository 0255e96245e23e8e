package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
)

// errStreamEnded is what a write to a Server-Sent Events stream returns once the request's
// handler has returned.
var errStreamEnded = errors.New("graph: write after the event stream ended")

// guardStreams makes the writer of a request that may become a Server-Sent Events stream
// (one whose Accept header takes text/event-stream: see chooseStream) refuse every write once
// the handler has returned. routeTransports has made the header say to gqlgen what
// chooseStream decided (agreeAccept), so every stream is guarded; a request that accepts a
// stream but is answered in JSON is guarded too, which changes nothing for it.
//
// gqlgen's SSE transport sends its keep-alive pings from a goroutine of its own, which
// stops when the request's context ends, a moment after the handler returns. A ping due
// in that moment wrote to a response whose buffers net/http had already recycled, and the
// nil pointer it met there crashed the whole process. The guard holds a lock across each
// write, so the handler returns only after a write in progress has finished, and the ones
// that come later are dropped.
//
// It also keeps the stream's last event true: gqlgen ends every stream with a "complete"
// event, which tells a graphql-sse client the operation has finished for good. A
// subscription that failed (see failSubscription) gets a "next" event with the error first,
// as a WebSocket subscription gets an error message; a stream the server cuts off because
// it is shutting down (the request's context ended, or the store closed) ends without
// "complete", so that the client sees a dropped connection and reconnects, as a WebSocket
// client does after 1001 Going Away.
func guardStreams(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if chooseStream(r.Method, r.Header.Values("Accept")) == noStream {
			next.ServeHTTP(w, r)
			return
		}
		s := &streamWriter{w: w, ctx: r.Context(), lastEventID: r.Header.Get(lastEventIDHeader)}
		defer s.end()
		next.ServeHTTP(s, r.WithContext(context.WithValue(r.Context(), streamKey{}, s)))
	})
}

// streamKey is the context key of a possible event stream's *streamWriter.
type streamKey struct{}

// streamFrom returns the event stream ctx is a request of, or nil.
func streamFrom(ctx context.Context) *streamWriter {
	s, _ := ctx.Value(streamKey{}).(*streamWriter)
	return s
}

// sseComplete is the event gqlgen's SSE transport ends a stream with, in one write.
var sseComplete = []byte("event: complete\n\n")

// sseCompleteData is the "complete" event as the stream sends it: with an empty data line, as
// graphql-sse's reference server writes it. An event without data is never dispatched by a
// browser's EventSource (the WHATWG event stream rules), which then did not see the end and
// reconnected, running the operation again every few seconds.
var sseCompleteData = []byte("event: complete\ndata:\n\n")

// sseNext starts the events gqlgen's SSE transport sends a response in, one write each.
var sseNext = []byte("event: next\ndata: ")

// withoutData returns the "next" event ev of a request error without the "data":null that
// gqlgen's SSE transport writes beside the errors: GraphQL leaves data out of the response
// to a request that failed before it ran, and POST, GET and WebSocket do. An event of
// another shape is returned as it is.
func withoutData(ev []byte) []byte {
	body, ok := bytes.CutSuffix(ev[len(sseNext):], []byte("\n\n"))
	if !ok {
		return ev
	}
	var r struct {
		Errors     json.RawMessage `json:"errors"`
		Data       json.RawMessage `json:"data"`
		Extensions json.RawMessage `json:"extensions,omitempty"`
	}
	if json.Unmarshal(body, &r) != nil || len(r.Errors) == 0 || string(r.Data) != "null" {
		return ev
	}
	b, err := json.Marshal(struct {
		Errors     json.RawMessage `json:"errors"`
		Extensions json.RawMessage `json:"extensions,omitempty"`
	}{r.Errors, r.Extensions})
	if err != nil {
		return ev
	}
	return append(append(append([]byte(nil), sseNext...), b...), "\n\n"...)
}

// streamWriter passes writes through to w until end.
type streamWriter struct {
	w   http.ResponseWriter
	ctx context.Context // the request's

	mu         sync.Mutex
	ended      bool
	dispatched bool // the operation passed validation and runs (see streamDispatch)
	failed     bool // the subscription failed: its error goes before "complete"
	goingAway  bool // the store closed under the subscription: the server is shutting down

	lastEventID string  // the request's Last-Event-ID header (see resumeAfter)
	ids         []sseID // the SSE ids of the "next" events to come (see eventID)

	// queued, once the subscription runs, says how many of its values wait in its channel
	// for the transport (see Flush).
	queued func() int
}

// follow tells the stream how many of its subscription's values wait to be written.
func (s *streamWriter) follow(queued func() int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queued = queued
}

// dispatch records that the stream's operation was dispatched: an event written before was
// a request error.
func (s *streamWriter) dispatch() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dispatched = true
}

// fail records that the stream's subscription failed.
func (s *streamWriter) fail() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failed = true
}

// goAway records that the stream's subscription ended because the server is shutting down.
func (s *streamWriter) goAway() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.goingAway = true
}

// failedEvent returns the event a failed subscription's stream in ctx gets before
// "complete": the error a WebSocket subscription gets (see failSubscription).
func failedEvent(ctx context.Context) []byte {
	b, _ := json.Marshal(map[string]any{"errors": []map[string]any{{
		"message":    internalMessage + ": the subscription failed",
		"extensions": internalExtensions(ctx),
	}}})
	return append(append([]byte("event: next\ndata: "), b...), "\n\n"...)
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
	n := len(p) // what the caller wrote, whatever withoutData and the id made of it
	if bytes.HasPrefix(p, sseNext) {
		if !s.dispatched {
			p = withoutData(p)
		} else if id, ok := s.nextID(); ok {
			b := append(make([]byte, 0, 24+len(id.event)+len(p)), "id: "...)
			b = append(id.append(b), '\n')
			p = append(b, p...)
		}
	}
	if bytes.Equal(p, sseComplete) {
		switch {
		case s.goingAway || s.ctx.Err() != nil:
			return len(p), nil // cut off, not completed
		case s.failed:
			if _, err := s.w.Write(failedEvent(s.ctx)); err != nil {
				return 0, err
			}
		}
		p = sseCompleteData
	}
	if _, err := s.w.Write(p); err != nil {
		return 0, err
	}
	return n, nil
}

// Flush sends what is buffered to the client (gqlgen's SSE transport requires an
// http.Flusher), unless the stream ended, or the subscription's next value already waits:
// the transport writes that one at once and flushes after it, so a burst (a history
// replayed, a batch of events committed together) goes out in writes of the response's
// buffer, not in one write(2) per event, which cost a subscriber catching up over a long
// log a third of the server's processor. The last value of a burst is flushed as it is
// written.
func (s *streamWriter) Flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended || s.queued != nil && s.queued() > 0 {
		return
	}
	_ = http.NewResponseController(s.w).Flush()
}

// Unwrap lets http.ResponseController reach the underlying writer (for deadlines).
func (s *streamWriter) Unwrap() http.ResponseWriter { return s.w }

// end waits for a write in progress and refuses the later ones.
func (s *streamWriter) end() {
	s.mu.Lock()
	s.ended = true
	s.mu.Unlock()
}
