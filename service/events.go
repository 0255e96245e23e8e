package service

import (
	"bytes"
	"context"
	"fmt"
	"iter"
	"maps"
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
	return s.EventsWithin(ctx, after, f, limit, nil, true)
}

// EventsWithin is Events with the events' bytes charged to budget (nil: no budget; see
// ReadBudget): the page ends before an event that does not fit what is left of it, so it may
// hold fewer than limit events although more follow, but it holds one while any of the
// budget is left. Once the budget is spent it fails with a *ReadBudgetError. Unless data is
// set (the caller returns the events' data or metadata), the events come without their Data
// and Metadata, which then count for nothing.
func (s *Service) EventsWithin(ctx context.Context, after store.Position, f EventFilter, limit int, budget *ReadBudget, data bool) ([]store.Event, error) {
	if limit < 1 {
		return []store.Event{}, nil
	}
	var seq iter.Seq2[store.Event, error]
	shared := false // the events share Data and Metadata with the store: copy the ones kept
	if f.StreamID != "" {
		from, err := s.streamVersionAt(ctx, f.StreamID, after)
		if err != nil {
			return nil, err
		}
		if tr, ok := s.store.(store.StreamTypeReader); ok && f.Types != nil {
			// Only the stream's events of the types asked for are read: one type in a long
			// stream (a restaurant's menu changes among its placed orders) read the whole
			// stream to fill a page.
			seq = tr.ReadStreamTypes(ctx, f.StreamID, from, f.Types)
		} else {
			seq = s.store.ReadStream(ctx, f.StreamID, from)
		}
	} else if tr, ok := s.store.(store.TypeReader); ok && f.Types != nil {
		// Only the events of the types asked for are read (and copied).
		seq = tr.ReadAllTypes(ctx, after, f.Types)
	} else {
		// A types filter may pass over most of the log before it fills the page: a store
		// that copies every event it reads (the memory store) copies only those kept.
		_, shared = s.store.(store.SharedReader)
		seq = store.ReadAllReadOnly(ctx, s.store, after)
	}
	out := []store.Event{}
	for e, err := range seq {
		if err != nil {
			return nil, err
		}
		if e.Position <= after || !f.Match(e) {
			continue
		}
		if !data {
			e.Data, e.Metadata = nil, nil
		}
		if budget != nil && !budget.take(eventBytes(e), len(out) == 0) {
			if len(out) == 0 {
				return nil, &ReadBudgetError{Budget: budget.size}
			}
			break
		}
		if shared && data {
			e.Data, e.Metadata = bytes.Clone(e.Data), maps.Clone(e.Metadata)
		}
		out = append(out, e)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// streamVersionAt returns the version of the stream's last event at or before position
// after (0 when there is none), so that reading the stream's events after it starts behind
// after instead of at the stream's first event: a client pages with the last event's
// position (a page's endCursor), and reading the stream from its start for every page would
// make paging through a long stream quadratic; a position of another stream's event (the
// head, or what a mutation on another stream returned) read the whole stream for one page.
func (s *Service) streamVersionAt(ctx context.Context, stream string, after store.Position) (store.Version, error) {
	if after < 1 {
		return 0, nil
	}
	// A page's endCursor: the event at after is the stream's.
	for e, err := range s.store.ReadAll(ctx, after-1) {
		if err != nil {
			return 0, err
		}
		if e.Position == after && e.StreamID == stream {
			return e.Version, nil
		}
		break
	}
	// Any other position: bisect the stream's versions, reading one event a probe.
	sv, ok := s.store.(store.StreamVersioner)
	if !ok {
		return 0, nil // read from the start and filtered by position
	}
	hi, err := sv.StreamVersion(ctx, stream)
	if err != nil {
		return 0, err
	}
	lo := store.Version(0) // the largest version known to be at or before after
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		pos, err := s.positionOf(ctx, stream, mid)
		if err != nil {
			return 0, err
		}
		if pos <= after {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo, nil
}

// positionOf returns the position of the stream's event at version v (at least 1, at most
// the stream's version).
func (s *Service) positionOf(ctx context.Context, stream string, v store.Version) (store.Position, error) {
	for e, err := range s.store.ReadStream(ctx, stream, v-1) {
		if err != nil {
			return 0, err
		}
		return e.Position, nil
	}
	return 0, fmt.Errorf("service: stream %q has no event at version %d", stream, v)
}

// SubscribeEvents yields the events that pass the filter: with after set, every one after
// that position and then each new one; with after nil, only those committed after the call
// (from the current head). It ends when ctx ends. The store's subscription is pulled, so a
// slow consumer only holds back its own cursor. The events may share Data and Metadata with
// the store (store.SubscribeReadOnly): the caller must not modify them, which spares a copy
// of every event for every subscriber.
func (s *Service) SubscribeEvents(ctx context.Context, after *store.Position, f EventFilter) (iter.Seq2[store.Event, error], error) {
	if after != nil && f.StreamID != "" {
		return s.subscribeStream(ctx, *after, f)
	}
	if tr, ok := s.store.(store.TypeReader); ok && after != nil && f.Types != nil {
		return s.subscribeHistory(ctx, *after, f, func() iter.Seq2[store.Event, error] { return tr.ReadAllTypes(ctx, *after, f.Types) })
	}
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
	return func(yield func(store.Event, error) bool) { s.follow(ctx, from, f, yield) }, nil
}

// follow yields the log's events after from that pass f, as they are committed, until ctx
// ends or yield returns false.
func (s *Service) follow(ctx context.Context, from store.Position, f EventFilter, yield func(store.Event, error) bool) {
	for e, err := range store.SubscribeReadOnly(ctx, s.store, from) {
		if err != nil {
			yield(store.Event{}, err)
			return
		}
		if f.Match(e) && !yield(e, nil) {
			return
		}
	}
}

// subscribeStream is SubscribeEvents of one stream's events after a position: the history
// is read from the stream, not by filtering the whole log after the position.
func (s *Service) subscribeStream(ctx context.Context, after store.Position, f EventFilter) (iter.Seq2[store.Event, error], error) {
	from, err := s.streamVersionAt(ctx, f.StreamID, after)
	if err != nil {
		return nil, err
	}
	return s.subscribeHistory(ctx, after, f, func() iter.Seq2[store.Event, error] { return s.store.ReadStream(ctx, f.StreamID, from) })
}

// subscribeHistory is SubscribeEvents with the events up to the head read from history (the
// events of one stream, or of some types, rather than the whole log filtered), then the
// live events, followed from the head as it was before history is ranged over. history
// makes the read once the head is known: a store's read holds the events up to its head
// when it is made or later (store.TypeReader), never fewer than that head's.
func (s *Service) subscribeHistory(ctx context.Context, after store.Position, f EventFilter, history func() iter.Seq2[store.Event, error]) (iter.Seq2[store.Event, error], error) {
	head, err := s.Head(ctx)
	if err != nil {
		return nil, err
	}
	live := max(head, after)
	return func(yield func(store.Event, error) bool) {
		for e, err := range history() {
			if err != nil {
				yield(store.Event{}, err)
				return
			}
			if e.Position > live {
				break // the live part yields it
			}
			if e.Position > after && f.Match(e) && !yield(e, nil) {
				return
			}
		}
		s.follow(ctx, live, f, yield)
	}, nil
}

// BatchesEventIDs reports whether the store reads many events' ids at once
// (store.EventIDsReader), where one read each costs more (a database round trip): then a
// page of nodes is better served by one EventIDsAt than by an EventIDAt for each.
func (s *Service) BatchesEventIDs() bool {
	_, ok := s.store.(store.EventIDsReader)
	return ok
}

// EventIDsAt returns the ids of the events at the positions ps, keyed by position, with no
// key for a position the log holds no event at: in one read where the store tells many at
// once (store.EventIDsReader), else one EventIDAt each.
func (s *Service) EventIDsAt(ctx context.Context, ps []store.Position) (map[store.Position]string, error) {
	if r, ok := s.store.(store.EventIDsReader); ok {
		return r.EventIDsAt(ctx, ps)
	}
	ids := make(map[store.Position]string, len(ps))
	for _, p := range ps {
		if _, done := ids[p]; done {
			continue
		}
		id, ok, err := s.EventIDAt(ctx, p)
		if err != nil {
			return nil, err
		}
		if ok {
			ids[p] = id
		}
	}
	return ids, nil
}

// EventIDAt returns the id of the event at position p, and false when the log holds none
// there: for the price of that one event where the store tells it (store.EventIDReader),
// else by reading the log after p-1 up to it.
func (s *Service) EventIDAt(ctx context.Context, p store.Position) (string, bool, error) {
	if r, ok := s.store.(store.EventIDReader); ok {
		return r.EventIDAt(ctx, p)
	}
	if p < 1 {
		return "", false, nil
	}
	es, err := s.EventsWithin(ctx, p-1, EventFilter{}, 1, nil, false)
	if err != nil || len(es) == 0 || es[0].Position != p {
		return "", false, err
	}
	return es[0].ID, true, nil
}
