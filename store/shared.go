package store

import (
	"context"
	"iter"
)

// SharedSubscriber is implemented by stores whose Subscribe copies every event so that the
// caller may modify it (the memory store does). SubscribeShared behaves as Subscribe but
// yields events that share Data and Metadata with the store, sparing a copy per event and
// subscriber: the caller must not modify them.
type SharedSubscriber interface {
	SubscribeShared(ctx context.Context, after Position) iter.Seq2[Event, error]
}

// SubscribeReadOnly is s.SubscribeShared when s implements SharedSubscriber, else
// s.Subscribe. It is for callers that only read the events they get (projections, sagas,
// live queries).
func SubscribeReadOnly(ctx context.Context, s Store, after Position) iter.Seq2[Event, error] {
	if sh, ok := s.(SharedSubscriber); ok {
		return sh.SubscribeShared(ctx, after)
	}
	return s.Subscribe(ctx, after)
}
