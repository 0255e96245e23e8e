package service

import (
	"context"
	"iter"
	"slices"

	"github.com/eventgraph/eventgraph/store"
)

// EventFilter selects events of the global log. Zero values select everything.
type EventFilter struct {
	StreamID string   // only this stream's events
	Types    []string // only events of one of these types (nil: any type)
}

// Match reports whether e passes the filter.
func (f EventFilter) Match(e store.Event) bool {
	if f.StreamID != "" && e.StreamID != f.StreamID {
		return false
	}
	return f.Types == nil || slices.Contains(f.Types, e.Type)
}

// Events returns up to limit events with Position > after that pass the filter, in log order
// (none for a limit below 1).
func (s *Service) Events(ctx context.Context, after store.Position, f EventFilter, limit int) ([]store.Event, error) {
	if limit < 1 {
		return []store.Event{}, nil
	}
	var seq iter.Seq2[store.Event, error]
	if f.StreamID != "" {
		from, err := s.streamVersionAt(ctx, f.StreamID, after)
		if err != nil {
			return nil, err
		}
		seq = s.store.ReadStream(ctx, f.StreamID, from)
	} else {
		seq = s.store.ReadAll(ctx, after)
	}
	out := []store.Event{}
	for e, err := range seq {
		if err != nil {
			return nil, err
		}
		if e.Position <= after || !f.Match(e) {
			continue
		}
		out = append(out, e)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// streamVersionAt returns the version of the stream's event at position after, so that a
// page of one stream's events starts reading the stream behind it: a client pages with the
// last event's position (a page's endCursor), and reading the stream from its first event
// for every page would make paging through a long stream quadratic. For any other position
// (none, or another stream's event) it returns 0: the stream is read from its start and
// filtered by position.
func (s *Service) streamVersionAt(ctx context.Context, stream string, after store.Position) (store.Version, error) {
	if after < 1 {
		return 0, nil
	}
	for e, err := range s.store.ReadAll(ctx, after-1) {
		if err != nil {
			return 0, err
		}
		if e.Position == after && e.StreamID == stream {
			return e.Version, nil
		}
		break
	}
	return 0, nil
}

// SubscribeEvents yields the events that pass the filter: with after set, every one after
// that position and then each new one; with after nil, only those committed after the call
// (from the current head). It ends when ctx ends. The store's subscription is pulled, so a
// slow consumer only holds back its own cursor. The events may share Data and Metadata with
// the store (store.SubscribeReadOnly): the caller must not modify them, which spares a copy
// of every event for every subscriber.
func (s *Service) SubscribeEvents(ctx context.Context, after *store.Position, f EventFilter) (iter.Seq2[store.Event, error], error) {
	from := store.Position(0)
	if after != nil {
		from = *after
	} else {
		head, err := s.Head(ctx)
		if err != nil {
			return nil, err
		}
		from = head
	}
	return func(yield func(store.Event, error) bool) {
		for e, err := range store.SubscribeReadOnly(ctx, s.store, from) {
			if err != nil {
				yield(store.Event{}, err)
				return
			}
			if f.Match(e) && !yield(e, nil) {
				return
			}
		}
	}, nil
}
