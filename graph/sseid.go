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

// An events or orderChanged(restaurantId:) subscription that passes afterEventId gets ids
// that name the event too, as "42/<event id>": a client that reconnects with one to a log
// restored from a backup, or replaced, and grown past that position again is refused
// (BAD_USER_INPUT) instead of resuming after a position whose events it never saw, as
// afterEventId is.

// lastEventIDHeader is the header of a reconnecting SSE client.
const lastEventIDHeader = "Last-Event-ID"

// sseID is the SSE id of an event: its position in the log, and the id of the event there
// when the subscription asked for ids that name it (empty otherwise).
type sseID struct {
	pos   store.Position
	event string
}

// append appends the id as it is written: "42", or "42/<event id>". An event id that an SSE
// id cannot hold (a line break or NUL, in a log imported from elsewhere) is left out: its
// position alone is checked against the head only, as every id was before.
func (id sseID) append(b []byte) []byte {
	b = strconv.AppendInt(b, int64(id.pos), 10)
	if id.event != "" && !strings.ContainsAny(id.event, "\r\n\x00") {
		b = append(append(b, '/'), id.event...)
	}
	return b
}

// sseEventIDs adapts an events subscription starting after the position after (nil: live
// from the head) to its transport: where to start (see sseStart) and a conversion that, over
// SSE, queues each event's id, naming the event too when the client passed afterEventID
// (its event at after, checked already).
func sseEventIDs(ctx context.Context, svc *service.Service, after *store.Position, afterEventID *string) (*store.Position, func(store.Event) *model.Event, error) {
	var start *sseID
	if after != nil {
		start = &sseID{pos: *after}
		if afterEventID != nil {
			start.event = *afterEventID
		}
	}
	start, err := sseStart(ctx, svc, start)
	if err != nil {
		return nil, nil, err
	}
	id := func(e store.Event) sseID { return sseID{pos: e.Position} }
	if afterEventID != nil {
		id = func(e store.Event) sseID { return sseID{pos: e.Position, event: e.ID} }
	}
	return positionOf(start), withSSEIDs(ctx, toEvent, id), nil
}

// positionOf returns the position of id, or nil for nil.
func positionOf(id *sseID) *store.Position {
	if id == nil {
		return nil
	}
	return &id.pos
}

// watchRestaurantOrders is orderChanged(restaurantId:): the changes of the restaurant's
// orders after the position after, or from the head on when it is nil, or, over SSE, from
// the client's Last-Event-ID on when that is later (see sseStart), each change carrying its
// event's position as its id, and naming the event too when the client passed afterEventID
// (its event at after, checked already), as sseEventIDs does.
func watchRestaurantOrders(ctx context.Context, svc *service.Service, restaurantID string, after *store.Position, afterEventID *string) (iter.Seq2[service.OrderChange, error], func(service.OrderChange) *model.Order, error) {
	var start *sseID
	if after != nil {
		start = &sseID{pos: *after}
		if afterEventID != nil {
			start.event = *afterEventID
		}
	}
	start, err := sseStart(ctx, svc, start)
	if err != nil {
		return nil, nil, err
	}
	after = positionOf(start)
	if after == nil { // another transport: from the head as the subscription was created
		head, err := liveHead(ctx, svc)
		if err != nil {
			return nil, nil, err
		}
		after = &head
	}
	id := func(c service.OrderChange) sseID { return sseID{pos: c.Position} }
	if afterEventID != nil {
		id = func(c service.OrderChange) sseID { return sseID{pos: c.Position, event: c.EventID} }
	}
	conv := withSSEIDs(ctx, func(c service.OrderChange) *model.Order {
		o := toOrder(c.Order)
		o.EventID = c.EventID // c.Position is o.Position: its eventId needs no read
		return o
	}, id)
	return svc.WatchRestaurantOrdersAfter(ctx, restaurantID, *after), conv, nil
}

// sseStart returns the position a subscription starts after, with the id of the event there
// when the client gave it. Over another transport it is after as given. Over SSE it is the
// later of after and the position the client's Last-Event-ID header names, or the head when
// neither is given, and the stream's first line names it (see startAt). A Last-Event-ID
// beyond the log's head, and beyond after, is no event of this log (the client followed a
// log since restored from a backup, or replaced): resuming there would skip the events up to
// it in silence, so it is refused; so is one that names another event than the log holds at
// its position (see sseID), which a log restored and grown past it again does.
func sseStart(ctx context.Context, svc *service.Service, after *sseID) (*sseID, error) {
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
		wins := resume != nil && (after == nil || after.pos < resume.pos)
		if wins && resume.pos > head {
			return nil, badInput(lastEventIDHeader, fmt.Sprintf("names position %d, beyond the log's head %d: this log does not hold that event (it was restored or replaced); subscribe anew without it", resume.pos, head))
		}
		switch {
		case wins:
			if resume.event != "" {
				if err := checkEventAt(ctx, svc, lastEventIDHeader, lastEventIDHeader, resume.pos, resume.event); err != nil {
					return nil, err
				}
			}
			after = resume
		case after == nil:
			after = &sseID{pos: head}
		}
	}
	s.startAt(*after)
	return after, nil
}

// withSSEIDs returns conv, which over SSE also queues the id of each value it converts (see
// sseID) as the id of the event that value is written in.
func withSSEIDs[T, M any](ctx context.Context, conv func(T) M, id func(T) sseID) func(T) M {
	s := sseStream(ctx)
	if s == nil {
		return conv
	}
	return func(v T) M {
		s.eventID(id(v))
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

// resumeAfter returns the id the stream's client received last, from the Last-Event-ID
// header of its request ("42", or "42/<event id>"; see sseID), or nil when it sent none.
func (s *streamWriter) resumeAfter() (*sseID, error) {
	if s.lastEventID == "" {
		return nil, nil
	}
	pos, event, named := strings.Cut(s.lastEventID, "/")
	n, err := strconv.ParseInt(pos, 10, 64)
	if err != nil || n < 0 || strings.HasPrefix(pos, "+") || (named && (event == "" || n == 0)) { // strconv takes "+1": no id the server sends
		return nil, badInput(lastEventIDHeader, "must be the id of an event this server sent (its position in the log)")
	}
	return &sseID{pos: store.Position(n), event: event}, nil
}

// startAt writes the id of the position the subscription starts after, in an event of its
// own with no data, which a client takes as its last id without dispatching anything
// (EventSource; graphql-sse's parser skips it): a client that loses the connection before
// the first change then resumes there, and the changes of the outage are not lost.
func (s *streamWriter) startAt(id sseID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	if _, err := s.w.Write(append(id.append([]byte("id: ")), "\n\n"...)); err != nil {
		return
	}
	_ = http.NewResponseController(s.w).Flush()
}

// eventID queues the id of the next value the subscription yields: gqlgen writes one
// "next" event for each value, in order, so Write pairs them first in, first out. The pump
// holds at most one value in its channel and one in hand, so the queue stays that short.
func (s *streamWriter) eventID(id sseID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ids = append(s.ids, id)
}

// nextID removes and returns the queued id of the "next" event being written, if any. The
// caller holds s.mu.
func (s *streamWriter) nextID() (sseID, bool) {
	if len(s.ids) == 0 {
		return sseID{}, false
	}
	p := s.ids[0]
	s.ids = s.ids[1:]
	return p, true
}
