package store

import (
	"context"
	"iter"
)

// TypeReader is implemented by stores that read the events of chosen types without
// reading the others' payloads: the JSONL store keeps each type's positions in its index
// and reads only those lines, PostgreSQL filters in its query, the memory store copies only
// the events it yields. Filtering ReadAll instead reads, decodes and (in the memory store)
// copies every event after the position, which for a type that is rare in a long log is
// nearly all the work.
type TypeReader interface {
	// ReadAllTypes yields, in log order, every event with Position > after whose Type is
	// one of types, as ReadAll would yield them (up to the head when the iteration begins
	// or later; the events are the caller's). A type named twice counts once; no types yields
	// nothing.
	ReadAllTypes(ctx context.Context, after Position, types []string) iter.Seq2[Event, error]
}
