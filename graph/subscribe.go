package graph

import (
	"context"
	"errors"
	"iter"
	"log/slog"
	"net/http"

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
	ch := make(chan M, subscriptionBuffer)
	go func() {
		defer close(ch)
		for v, err := range seq {
			if err != nil {
				switch {
				case ctx.Err() != nil, errors.Is(err, context.Canceled):
				case errors.Is(err, store.ErrClosed): // the server is shutting down
					logger.InfoContext(ctx, "graphql: subscription ended: store closed", "subscription", name)
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

// webSocketKey marks the context of a WebSocket connection's requests.
type webSocketKey struct{}

// markWebSocket marks the context of WebSocket upgrade requests, so that a subscription that
// fails can tell whether its transport can report the failure (see failSubscription).
func markWebSocket(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if headerHasToken(r.Header, "Upgrade", "websocket") { // as the handshake's check and the library read it
			r = r.WithContext(context.WithValue(r.Context(), webSocketKey{}, true))
		}
		next.ServeHTTP(w, r)
	})
}

// failSubscription makes a WebSocket subscription end with an error message (code
// INTERNAL_SERVER_ERROR, no internals) instead of a normal completion, once its channel is
// closed. gqlgen's AddSubscriptionError works only in the context its WebSocket transport
// prepares (elsewhere it would dereference nil); over Server-Sent Events gqlgen has no way to
// report an error after the stream started, so the stream just ends there.
func failSubscription(ctx context.Context) {
	if ws, _ := ctx.Value(webSocketKey{}).(bool); !ws {
		return
	}
	transport.AddSubscriptionError(ctx, &gqlerror.Error{
		Message:    internalMessage + ": the subscription failed",
		Extensions: map[string]any{"code": CodeInternal},
	})
}
