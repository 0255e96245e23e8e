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

// SharedReader is implemented by stores whose ReadAll copies every event so that the caller
// may modify it (the memory store does). ReadAllShared behaves as ReadAll but yields events
// that share Data and Metadata with the store: the caller must not modify them.
type SharedReader interface {
	ReadAllShared(ctx context.Context, after Position) iter.Seq2[Event, error]
}

// ReadAllReadOnly is s.ReadAllShared when s implements SharedReader, else s.ReadAll. It is
// for callers that only read the events they get (indexes catching up with the log).
func ReadAllReadOnly(ctx context.Context, s Store, after Position) iter.Seq2[Event, error] {
	if sh, ok := s.(SharedReader); ok {
		return sh.ReadAllShared(ctx, after)
	}
	return s.ReadAll(ctx, after)
}
