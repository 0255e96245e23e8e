package store

import "context"

// EventsAppender is implemented by stores whose appends can return the committed events
// exactly as ReadStream would yield them (ids, stream, versions, positions, time, compacted
// data and metadata), sparing a caller that needs them a read. The returned events may share
// Data and Metadata with the appended ones; the store keeps its own copies. Besides the
// events, AppendEvents behaves as Append.
type EventsAppender interface {
	AppendEvents(ctx context.Context, stream string, expected Version, events ...EventData) (Appended, []Event, error)
}

// HandoverAppender is implemented by stores that can keep appended events' Data and
// Metadata as they are instead of copying them, for callers that build each event for the
// append and never touch it again (as eventsourcing's command handler does): the copies
// would be the only allocations an append makes for them.
type HandoverAppender interface {
	// AppendHandover is AppendEvents for events handed over to the store: the caller must
	// not modify their Data or Metadata once it has called it, and the returned events
	// (which share them) are read-only too. Data that is not compact is compacted into a
	// copy, as by every append.
	AppendHandover(ctx context.Context, stream string, expected Version, events ...EventData) (Appended, []Event, error)
}
