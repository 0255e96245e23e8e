package graph

import (
	"context"
	"errors"
	"iter"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/eventgraph/eventgraph/store"
)

// subscriptionBuffer is the capacity of a subscription's channel. gqlgen writes each value
// to the client synchronously, so a slow client leaves values here; when the channel is full
// the pump stops pulling from the store's iterator (which is pull-based), so the client only
// holds back its own cursor: memory stays bounded and commands and other subscribers are
// never blocked.
const subscriptionBuffer = 1

// pump feeds the values of seq, converted, to a channel it closes when seq ends, ctx ends or
// seq fails (the failure is logged). Every send selects on ctx.Done(), so the goroutine
// never blocks forever on a client that went away.
func pump[T, M any](ctx context.Context, logger *slog.Logger, name string, seq iter.Seq2[T, error], conv func(T) M) <-chan M {
	markStarted(ctx) // every check passed: the subscription streams from here
	ch := make(chan M, subscriptionBuffer)
	if s := streamFrom(ctx); s != nil {
		s.follow(func() int { return len(ch) })
	}
	go func() {
		defer close(ch)
		for v, err := range seq {
			if err != nil {
				switch {
				case ctx.Err() != nil, errors.Is(err, context.Canceled):
				case errors.Is(err, store.ErrClosed): // the server is shutting down
					logger.InfoContext(ctx, "graphql: subscription ended: store closed", "subscription", name)
					if s := streamFrom(ctx); s != nil {
						s.goAway()
					}
					if u, ok := ctx.Value(webSocketKey{}).(*upgrade); ok {
						u.goAway()
					}
				default:
					logger.ErrorContext(ctx, "graphql: subscription failed", "subscription", name, "err", err)
					failSubscription(ctx)
				}
				return // the channel closes: the subscription ends
			}
			select {
			case ch <- conv(v):
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

// webSocketKey marks the context of a WebSocket connection's requests; its value is the
// connection's *upgrade.
type webSocketKey struct{}

// isWebSocket reports whether ctx is a WebSocket connection's (see markWebSocket).
func isWebSocket(ctx context.Context) bool {
	_, ok := ctx.Value(webSocketKey{}).(*upgrade)
	return ok
}

// markWebSocket marks the context of WebSocket upgrade requests, so that a subscription that
// fails can tell whether its transport can report the failure (see failSubscription), and
// so that the connection's close can tell a server shutting down from a handler that
// returned (see upgrade).
func markWebSocket(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !headerHasToken(r.Header, "Upgrade", "websocket") { // as the handshake's check and the library read it
			next.ServeHTTP(w, r)
			return
		}
		u := &upgrade{ctx: r.Context()}
		defer u.returned()
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), webSocketKey{}, u)))
	})
}

// upgrade is a WebSocket upgrade request while its connection lives. net/http ends the
// request's context when the handler returns, so an ended context says the server is
// shutting down (its base context, or cmd/api's streams, ended) only if it ended while the
// handler still ran: gqlgen's handler also returns on a message it cannot read, and its
// close of the connection comes after that.
type upgrade struct {
	ctx context.Context
	// slow is set when a write to the connection made no progress within the stream write
	// timeout and the connection was cut (see progressConn): its operations then end with
	// CodeSlowConsumer for the Observer.
	slow atomic.Bool

	mu        sync.Mutex
	done      bool   // the handler returned
	endedRun  bool   // the context had ended when it did
	closeConn func() // closes the connection as the server goes down (see goAway); nil before Accept
}

// goAway closes the connection with 1001 Going Away, as when the server shuts down: the store
// closed under a subscription (a program that embeds the handler closed it first). A plain
// complete would tell the client that its subscription ended for good; this one reconnects.
func (u *upgrade) goAway() {
	u.mu.Lock()
	closeConn := u.closeConn
	u.mu.Unlock()
	if closeConn != nil {
		closeConn()
	}
}

// returned records that the handler returned, and whether the context had ended by then.
func (u *upgrade) returned() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.done = true
	u.endedRun = u.ctx.Err() != nil
}

// shuttingDown reports whether the request's context ended while its handler ran.
func (u *upgrade) shuttingDown() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.done {
		return u.endedRun
	}
	return u.ctx.Err() != nil
}

// failSubscription makes a subscription end with an error (code INTERNAL_SERVER_ERROR, no
// internals) instead of a normal completion, once its channel is closed: over a WebSocket an
// error message (gqlgen's AddSubscriptionError works only in the context its WebSocket
// transport prepares; elsewhere it would dereference nil), over Server-Sent Events a "next"
// event with the error before "complete" (see guardStreams).
func failSubscription(ctx context.Context) {
	if !isWebSocket(ctx) {
		if s := streamFrom(ctx); s != nil {
			s.fail()
		}
		return
	}
	transport.AddSubscriptionError(ctx, &gqlerror.Error{
		Message:    internalMessage + ": the subscription failed",
		Extensions: internalExtensions(ctx),
	})
}
