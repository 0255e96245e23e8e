package graph

import (
	"context"
	"errors"
	"iter"
	"log/slog"

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
				}
				return // the client sees the subscription complete
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
