package graph

import (
	"context"
	"fmt"

	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store"
)

// Limits of list arguments.
const (
	defaultPageSize  = 20
	maxPageSize      = 100
	defaultEventPage = 100
	maxEventPage     = 100 // as every page's first (design: 1–100); pass the last position for more
	maxEventTypes    = 100 // types in one events filter (the domain has five)
)

// optionalID returns the id the client gave, or generates one when it was omitted: derived
// from the command id when there is one (so a retry addresses the same entity; derived then
// says so, for Meta.DerivedID when the id is the created entity's), random otherwise. An
// empty string is not "omitted": it is invalid.
func optionalID(field string, id *string, kind string, commandID *string) (_ string, derived bool, _ error) {
	if id != nil {
		if *id == "" {
			return "", false, badInput(field, "must not be empty (omit it to have one generated)")
		}
		return *id, false, nil
	}
	if commandID == nil || *commandID == "" {
		return service.NewID(kind, ""), false, nil
	}
	return service.NewID(kind, *commandID), true, nil
}

// commandMeta builds the handler's metadata from the optional commandId and expectedVersion,
// and the metadata ctx carries for the events (WithCommandMetadata).
func commandMeta(ctx context.Context, commandID *string, expectedVersion *int) (eventsourcing.Meta, error) {
	m := eventsourcing.Meta{Metadata: CommandMetadata(ctx)}
	if commandID != nil {
		if err := restaurant.ValidateID("input.commandId", *commandID); err != nil {
			return m, err
		}
		m.CommandID = *commandID
	}
	if expectedVersion != nil {
		if *expectedVersion < 0 {
			return m, badInput("input.expectedVersion", "must not be negative")
		}
		v := store.Version(*expectedVersion)
		m.ExpectedVersion = &v
	}
	return m, nil
}

// pageSize checks a list's first argument, whose default, def, the schema gives. first is
// nil only when the client wrote null (gqlgen gives an argument left out its default): an
// explicit null is no page size, and GraphQL gives it no default, so it is refused as
// anything but 1 to maxN is (the schema's "first is 1–100"), not taken for the default.
func pageSize(first *int, def, maxN int) (int, error) {
	if first == nil {
		return 0, badInput("first", fmt.Sprintf("must be between 1 and %d, not null (leave first out for the default of %d)", maxN, def))
	}
	if *first < 1 || *first > maxN {
		return 0, badInput("first", fmt.Sprintf("must be between 1 and %d, got %d", maxN, *first))
	}
	return *first, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// position checks an optional position argument.
func position(field string, p *int64) (*store.Position, error) {
	if p == nil {
		return nil, nil
	}
	if *p < 0 {
		return nil, badInput(field, "must not be negative")
	}
	pos := store.Position(*p)
	return &pos, nil
}

// checkHeld refuses an afterPosition beyond the log's head: no server of this log issued it.
// A client resuming after a log was restored from a backup (or replaced) would otherwise
// wait, without a word, until the log grew past it, and then skip the events in between.
// The store is asked only when the read models have not processed the position (a client
// polling the end of the log asks nothing more of it).
func checkHeld(ctx context.Context, svc *service.Service, after store.Position) error {
	if svc.Processed(after) {
		return nil
	}
	head, err := svc.Head(ctx)
	if err != nil {
		return err
	}
	if after > head {
		return badInput("afterPosition", fmt.Sprintf("is %d, beyond the log's head %d: this log does not hold that position (it was restored or replaced); read it again from a position it holds, such as 0", after, head))
	}
	return nil
}

// checkAfterEvent refuses an afterEventId that is not the id of the event at after in this
// log. The client read that position from a log since restored from a backup (or replaced)
// that has grown past it again: checkHeld no longer tells, and going on after it would skip,
// in silence, the events that took the place of those the client read. Without an
// afterEventId nothing is read; with one, the event at after is (see service.EventIDAt).
func checkAfterEvent(ctx context.Context, svc *service.Service, after *store.Position, eventID *string) error {
	if eventID == nil {
		return nil
	}
	if after == nil || *after == 0 {
		return badInput("afterEventId", "is the id of the event at afterPosition: give that afterPosition too (above 0)")
	}
	return checkEventAt(ctx, svc, "afterPosition", "afterEventId", *after, *eventID)
}

// checkEventAt refuses an event id that is not the id of the event at position p (above 0)
// in this log: a position the log holds no event at is posField's error, another event
// there idField's.
func checkEventAt(ctx context.Context, svc *service.Service, posField, idField string, p store.Position, eventID string) error {
	held, ok, err := svc.EventIDAt(ctx, p)
	if err != nil {
		return err
	}
	if !ok {
		if err := checkHeld(ctx, svc, p); err != nil {
			return err
		}
		return badInput(posField, fmt.Sprintf("is %d, which this log holds no event at", p))
	}
	if held != eventID {
		// The client's id is not repeated: it may be long, and the log's tells it all.
		return badInput(idField, fmt.Sprintf("is not the id of the event at position %d, which this log holds as %s: the log was restored from a backup or replaced since the client read that position; read it again from a position whose event it knows, such as 0", p, held))
	}
	return nil
}
