package eventsourcing

import (
	"context"
	"fmt"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/store"
)

// Load returns the state of one stream's view now, once: the fold of every event the stream
// holds as it reads them (a decider's stream: pass d.View()). A stream without events is the
// view's InitialState at version 0, not an error, so a caller asking about an entity that
// does not exist yet learns so (Watch, which follows the stream, waits for its first event
// instead). Events whose type codec does not handle move the version on without changing
// the state. It reads the whole stream, from its first event: for a state read often, keep
// a read model (a Projection), or follow the stream with Watch.
//
// It fails with the store's error, ctx's, or a decode error, naming the stream and the event.
func Load[S, E any](ctx context.Context, s store.Store, stream string, view decider.View[S, E], codec Codec[E]) (Snapshot[S], error) {
	snap := Snapshot[S]{State: view.InitialState}
	for e, err := range s.ReadStream(ctx, stream, 0) {
		if err != nil {
			return Snapshot[S]{}, fmt.Errorf("eventsourcing: load %s: read: %w", stream, err)
		}
		if codec.Handles(e.Type) {
			ev, err := codec.Decode(e.Type, e.Data)
			if err != nil {
				return Snapshot[S]{}, fmt.Errorf("eventsourcing: load %s: decode %s event %d: %w", stream, e.Type, e.Version, err)
			}
			snap.State = view.Evolve(snap.State, ev)
		}
		snap.Version, snap.Position, snap.Updated = e.Version, e.Position, e.Time
		if e.Version == 1 {
			snap.Created = e.Time
		}
	}
	return snap, nil
}
