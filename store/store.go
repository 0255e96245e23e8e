// Package store defines the event store contract that every eventgraph store implements:
// streams with per-stream versions and optimistic concurrency, one ordered global log, and
// subscriptions that replay history and continue live with no gap and no duplicate.
//
// Implementations live in sub-packages (memory, jsonl, postgres); the storetest package holds
// the one conformance suite each of them must pass.
package store

import (
	"context"
	"encoding/json"
	"iter"
	"time"
)

// Version is a stream's version: the number of events in it. 0 means the stream does not exist.
type Version int64

// Position is an event's place in the global log, from 1. 0 means before the first event.
type Position int64

// Expected-version modes for Append besides an exact version.
const (
	// Any appends whatever the stream's version.
	Any Version = -1
	// NoStream requires that the stream does not exist yet.
	NoStream Version = 0
	// StreamExists requires that the stream exists, at any version.
	StreamExists Version = -2
)

// EventData is what a caller appends.
type EventData struct {
	ID       string            // unique event id; a UUID is generated when empty
	Type     string            // e.g. "RestaurantCreated"; must not be empty
	Data     json.RawMessage   // the event's JSON body; must be valid JSON
	Metadata map[string]string // commandId, correlationId, causationId, ...
}

// Event is a committed event as the store returns it.
type Event struct {
	ID       string
	StreamID string
	Version  Version  // 1-based within its stream
	Position Position // 1-based in the global log, strictly increasing, no gaps
	Type     string
	Time     time.Time // when it was appended (UTC); never before the time of the event before it in the log
	Data     json.RawMessage
	Metadata map[string]string
}

// Appended reports the version and position of the last event an Append wrote.
type Appended struct {
	Version  Version
	Position Position
}

// Store is an append-only event log partitioned into streams.
//
// All methods are safe for concurrent use. Iterators stop promptly when their context ends,
// yielding the context's error last, and leak no goroutine when the caller stops early.
type Store interface {
	// Append atomically appends events to a stream whose version equals expected,
	// or fails with an error that errors.Is(err, ErrConflict) and changes nothing.
	// It stamps the events with the store's clock, or with the time of the log's last
	// event when the clock reads earlier (stepped back, or behind another server's on the
	// same log), so that times never decrease in log order, nor within a stream.
	// It fails with ErrInvalid for an empty stream id, no events, an empty type, invalid
	// JSON data, data, a stream id, type, event id or metadata string that is not valid UTF-8,
	// an expected version below StreamExists, or an event over the store's size limit, and
	// writes nothing then either.
	Append(ctx context.Context, stream string, expected Version, events ...EventData) (Appended, error)
	// ReadStream yields the stream's events with Version > after, in order, up to the
	// stream's end when the iteration begins or later (as ReadAll). A stream that does not
	// exist yields nothing.
	ReadStream(ctx context.Context, stream string, after Version) iter.Seq2[Event, error]
	// ReadAll yields every event with Position > after, in log order, up to the head when
	// the iteration begins or later: an iterator does nothing until it is ranged over, so
	// it yields the events committed between the call and the range too.
	ReadAll(ctx context.Context, after Position) iter.Seq2[Event, error]
	// Subscribe yields every event with Position > after: first the history, then new
	// events as they are committed, with no gap and no duplicate, until ctx ends.
	// A slow consumer never blocks appends, also while it handles an event or appends from
	// its loop, and never makes the store's memory grow without bound: one that falls far
	// behind reads the log.
	Subscribe(ctx context.Context, after Position) iter.Seq2[Event, error]
	// Close releases the store. After Close every method fails with ErrClosed.
	Close() error
}

// Header is implemented by stores that can report the position of the last committed event
// without reading the log.
type Header interface {
	// Head returns the position of the last committed event, 0 for an empty log.
	Head(ctx context.Context) (Position, error)
}
