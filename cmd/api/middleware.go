package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/eventgraph/eventgraph/graph"
)

// Error codes of the errors the middleware writes itself, in the GraphQL
// response format ({"errors":[{"message", "extensions":{"code"}}]}).
const (
	codeBadUserInput = "BAD_USER_INPUT"
	codeInternal     = "INTERNAL_SERVER_ERROR"
	codeShuttingDown = "SHUTTING_DOWN"
)

// writeError writes a GraphQL-style error response with the HTTP status.
func writeError(w http.ResponseWriter, r *http.Request, status int, code, message string, ext map[string]any) {
	e := map[string]any{"code": code}
	for k, v := range ext {
		e[k] = v
	}
	body, _ := json.Marshal(map[string]any{
		"errors": []map[string]any{{"message": message, "extensions": e}},
	})
	w.Header().Set("Content-Type", graph.ErrorContentType(r))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// lateAnswerWindow is how long the answer to a request past its deadlines (a body that did
// not arrive in time) may take to write: an error of a few hundred bytes.
const lateAnswerWindow = 2 * time.Second

// limitBody rejects a request whose body is over limit bytes with 413 Request
// Entity Too Large and a BAD_USER_INPUT error, before next sees it. It reads a
// body without Content-Length (chunked) into memory up to limit+1 bytes, so next
// never sees a truncated body. A body that does not arrive within the read deadline
// is answered 408, and the connection closes after it.
func limitBody(limit int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		tooLarge := func() {
			writeError(w, r, http.StatusRequestEntityTooLarge, codeBadUserInput,
				fmt.Sprintf("request body too large: the limit is %d bytes", limit),
				map[string]any{"limit": limit})
		}
		if r.ContentLength > limit {
			tooLarge()
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				tooLarge()
				return
			}
			if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
				// The client is too slow, not wrong: 408, which it may retry. The read
				// deadline has passed, and the write deadline too when --write-timeout is
				// not longer than --read-timeout (the defaults are equal): without a moment
				// more to write it, the 408 was logged and the client saw the connection cut.
				// The connection closes after it: the body was not read to its end.
				_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(lateAnswerWindow))
				w.Header().Set("Connection", "close")
				writeError(w, r, http.StatusRequestTimeout, graph.CodeBadRequest, "the request body did not arrive within the server's read timeout", nil)
				return
			}
			writeError(w, r, http.StatusBadRequest, codeBadUserInput, "could not read the request body", nil)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panic in next into a logged error with its stack and
// a 500 response with an INTERNAL_SERVER_ERROR code and no internals; the
// client never sees the panic value or the stack. http.ErrAbortHandler panics
// pass through, as net/http expects.
func recoverPanics(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			logger.ErrorContext(r.Context(), "panic serving request", "method", truncate(r.Method, maxMethodLength), "path", shown(truncate(r.URL.Path, maxPathLength)),
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			writeError(w, r, http.StatusInternalServerError, codeInternal, "internal server error", requestIDExtension(r))
		}()
		next.ServeHTTP(w, r)
	})
}

// isWebSocketUpgrade reports whether r is a WebSocket handshake to the GraphQL endpoint, as
// the endpoint accepts it (graph.IsWebSocketHandshake: a GET whose Upgrade header holds the
// token websocket, in any case, with the handshake's other headers), without a body. Only
// such a request is freed of its deadlines: an Upgrade header on another route, on a
// request with a body, or on a handshake the endpoint refuses at once, changes nothing.
func isWebSocketUpgrade(r *http.Request) bool {
	return r.URL.Path == graphPath && r.ContentLength == 0 && len(r.TransferEncoding) == 0 &&
		graph.IsWebSocketHandshake(r)
}

// isSSE reports whether r is a Server-Sent Events subscription (graph.IsEventStream): a POST
// of JSON, or a GET, to /graphql that accepts text/event-stream. Another route serves no
// stream, whatever the request accepts, so it keeps its deadlines.
func isSSE(r *http.Request) bool { return r.URL.Path == graphPath && graph.IsEventStream(r) }

// isStream reports whether r opens a long-lived stream: a WebSocket upgrade or
// a Server-Sent Events subscription.
func isStream(r *http.Request) bool {
	return isWebSocketUpgrade(r) || isSSE(r)
}

// streams ends subscription streams on shutdown. http.Server.Shutdown waits for
// active requests, which an SSE stream stays forever, and does not track
// hijacked WebSocket connections at all; so every stream request gets a
// context that Close cancels, and Close waits for the stream handlers to return.
// A query or mutation running on a stream (graphql-ws clients send every operation over
// their connection) answers first: its stream's context is cancelled once it has, so an
// in-flight command finishes and its client learns the result. Other requests keep their
// context, so in-flight commands finish.
type streams struct {
	ctx    context.Context // cancelled by Close; never a request's parent otherwise
	cancel context.CancelFunc
	// hard is cancelled when Close gives up waiting: a stream whose operations have not
	// answered by then is cancelled all the same.
	hard       context.Context
	cancelHard context.CancelFunc

	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup

	ended   func(*http.Request) // when set, told of each stream whose handler returned
	closing func()              // when set, told once Close has begun to end the streams
}

func newStreams() *streams {
	ctx, cancel := context.WithCancel(context.Background())
	hard, cancelHard := context.WithCancel(context.Background())
	return &streams{ctx: ctx, cancel: cancel, hard: hard, cancelHard: cancelHard}
}

// wrap returns next with stream requests tracked and ended by Close.
func (s *streams) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isStream(r) {
			next.ServeHTTP(w, r)
			return
		}
		if !s.add() {
			writeError(w, r, http.StatusServiceUnavailable, codeShuttingDown, "the server is shutting down", nil)
			return
		}
		defer s.wg.Done()
		ops := new(graph.Operations)
		ctx, cancel := context.WithCancel(graph.WithOperations(r.Context(), ops))
		defer cancel()
		stop := context.AfterFunc(s.ctx, func() {
			select {
			case <-ops.Idle():
			case <-s.hard.Done():
			case <-ctx.Done():
			}
			cancel()
		})
		defer stop()
		next.ServeHTTP(w, r.WithContext(ctx))
		if s.ended != nil {
			s.ended(r)
		}
	})
}

// add counts a new stream in, unless Close was called.
func (s *streams) add() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// Close refuses new streams, cancels every stream's context once its queries and mutations
// have answered, and waits for their handlers to return or ctx to end, whichever is first.
// When ctx ends first it cancels the streams still waiting for an operation, and returns
// ctx's error.
func (s *streams) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	if s.closing != nil {
		s.closing()
	}
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		s.cancelHard()
		return nil
	case <-ctx.Done():
		s.cancelHard()
		return fmt.Errorf("waiting for subscription streams to end: %w", ctx.Err())
	}
}
