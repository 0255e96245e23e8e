package store

import (
	"context"
	"iter"
)

// StreamTypeReader is implemented by stores that find a stream's events of some types without
// reading its others (the JSONL store from its index, the memory store before it copies them,
// the PostgreSQL store in its query).
// A query for one type in a long stream (a restaurant's menu changes among tens of thousands
// of placed orders) otherwise reads, and decodes, the whole stream to fill a page.
type StreamTypeReader interface {
	// ReadStreamTypes yields, in order, the stream's events with Version > after whose Type
	// is one of types, as ReadStream would yield them (up to the stream's end when the
	// iteration begins or later; the events are the caller's). A type named twice counts
	// once; no types, or a stream that does not exist, yields nothing.
	ReadStreamTypes(ctx context.Context, stream string, after Version, types []string) iter.Seq2[Event, error]
}
