package graph

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"strconv"
	"strings"

	"github.com/eventgraph/eventgraph/graph/model"
	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store"
)

// Server-Sent Events ids: each event of an events or orderChanged(restaurantId:)
// subscription over SSE carries its log position as the SSE id ("id: 42"). A client that
// loses its connection sends the last id it received in the Last-Event-ID header when it
// reconnects (a browser's EventSource does so by itself), and the subscription resumes after
// that position: no event is lost or repeated, whether it asked for afterPosition or for live
// changes only.

// lastEventIDHeader is the header of a reconnecting SSE client.
const lastEventIDHeader = "Last-Event-ID"

// sseEventIDs adapts an events subscription starting after the position after (nil: live
// from the head) to its transport: where to start (see sseStart) and a conversion that, over
// SSE, queues each event's id.
func sseEventIDs(ctx context.Context, svc *service.Service, after *store.Position) (*store.Position, func(store.Event) *model.Event, error) {
	after, err := sseStart(ctx, svc, after)
	if err != nil {
		return nil, nil, err
	}
	return after, withSSEIDs(ctx, toEvent, func(e store.Event) store.Position { return e.Position }), nil
}

// watchRestaurantOrders is orderChanged(restaurantId:): the changes of the restaurant's
// orders after the position after, or from the head on when it is nil, or, over SSE, from
// the client's Last-Event-ID on when that is later (see sseStart), each change carrying its
// event's position as its id.
func watchRestaurantOrders(ctx context.Context, svc *service.Service, restaurantID string, after *store.Position) (iter.Seq2[service.OrderChange, error], func(service.OrderChange) *model.Order, error) {
	after, err := sseStart(ctx, svc, after)
	if err != nil {
		return nil, nil, err
	}
	if after == nil { // another transport: from the head as the subscription was created
		head, err := liveHead(ctx, svc)
		if err != nil {
			return nil, nil, err
		}
		after = &head
	}
	conv := withSSEIDs(ctx, func(c service.OrderChange) *model.Order { return toOrder(c.Order) },
		func(c service.OrderChange) store.Position { return c.Position })
	return svc.WatchRestaurantOrdersAfter(ctx, restaurantID, *after), conv, nil
}

// sseStart returns the position a subscription starts after. Over another transport it is
// after as given. Over SSE it is the later of after and the position the client's
// Last-Event-ID header names, or the head when neither is given, and the stream's first
// line names it (see startAt). A Last-Event-ID beyond the log's head, and beyond after, is no
// event of this log (the client followed a log since restored from a backup, or replaced):
// resuming there would skip the events up to it in silence, so it is refused.
func sseStart(ctx context.Context, svc *service.Service, after *store.Position) (*store.Position, error) {
	s := sseStream(ctx)
	if s == nil {
		return after, nil
	}
	resume, err := s.resumeAfter()
	if err != nil {
		return nil, err
	}
	if resume != nil || after == nil {
		head, err := liveHead(ctx, svc)
		if err != nil {
			return nil, err
		}
		// An afterPosition at or beyond it wins (the stream's first id names that position,
		// which a client sends back as it reconnects).
		if resume != nil && *resume > head && (after == nil || *after < *resume) {
			return nil, badInput(lastEventIDHeader, fmt.Sprintf("names position %d, beyond the log's head %d: this log does not hold that event (it was restored or replaced); subscribe anew without it", *resume, head))
		}
		switch {
		case resume != nil && (after == nil || *after < *resume):
			after = resume
		case after == nil:
			after = &head
		}
	}
	s.startAt(*after)
	return after, nil
}

// withSSEIDs returns conv, which over SSE also queues the position of each value it
// converts as the id of the event that value is written in.
func withSSEIDs[T, M any](ctx context.Context, conv func(T) M, position func(T) store.Position) func(T) M {
	s := sseStream(ctx)
	if s == nil {
		return conv
	}
	return func(v T) M {
		s.eventID(position(v))
		return conv(v)
	}
}

// sseStream returns the Server-Sent Events stream ctx's subscription is delivered on, or
// nil for another transport (a WebSocket's request may accept text/event-stream too).
func sseStream(ctx context.Context) *streamWriter {
	if transportFrom(ctx) != kindSSE {
		return nil
	}
	return streamFrom(ctx)
}

// resumeAfter returns the position the stream's client received last, from the
// Last-Event-ID header of its request, or nil when it sent none.
func (s *streamWriter) resumeAfter() (*store.Position, error) {
	if s.lastEventID == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(s.lastEventID, 10, 64)
	if err != nil || n < 0 || strings.HasPrefix(s.lastEventID, "+") { // strconv takes "+1": no id the server sends
		return nil, badInput(lastEventIDHeader, "must be the id of an event this server sent (its position in the log)")
	}
	p := store.Position(n)
	return &p, nil
}

// startAt writes the id of the position the subscription starts after, in an event of its
// own with no data, which a client takes as its last id without dispatching anything
// (EventSource; graphql-sse's parser skips it): a client that loses the connection before
// the first change then resumes there, and the changes of the outage are not lost.
func (s *streamWriter) startAt(p store.Position) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	if _, err := s.w.Write(append(strconv.AppendInt([]byte("id: "), int64(p), 10), "\n\n"...)); err != nil {
		return
	}
	_ = http.NewResponseController(s.w).Flush()
}

// eventID queues the id of the next value the subscription yields: gqlgen writes one
// "next" event for each value, in order, so Write pairs them first in, first out. The pump
// holds at most one value in its channel and one in hand, so the queue stays that short.
func (s *streamWriter) eventID(p store.Position) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ids = append(s.ids, p)
}

// nextID removes and returns the queued id of the "next" event being written, if any. The
// caller holds s.mu.
func (s *streamWriter) nextID() (store.Position, bool) {
	if len(s.ids) == 0 {
		return 0, false
	}
	p := s.ids[0]
	s.ids = s.ids[1:]
	return p, true
}
