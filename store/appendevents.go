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
