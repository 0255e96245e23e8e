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
		seq = s.store.ReadStream(ctx, f.StreamID, 0)
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
