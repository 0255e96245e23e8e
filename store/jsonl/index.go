package jsonl

import (
	"slices"
	"strings"

	"github.com/eventgraph/eventgraph/store"
)

// entry locates one event in the log file. The index holds one per event, in position
// order; payloads stay on disk.
type entry struct {
	off    int64  // byte offset of the line
	n      uint32 // length of the line, '\n' included
	stream uint32 // index of the event's stream in index.streams
}

// stream is one stream's part of the index.
type stream struct {
	name string
	// positions holds the committed events' positions: version v is at positions[v-1].
	positions []int64
	// pending is the stream's version counting appends still being written; the writer
	// checks expected versions against it.
	pending store.Version
}

// index is the in-memory index of a log: committed entries in position order, the streams,
// and the positions of each event type's events. Committed entries and positions never
// change once appended, so readers may copy the entries list or a positions slice header
// under the lock and read them after releasing the lock.
type index struct {
	entries entryList
	streams []*stream
	byName  map[string]uint32
	// types holds the positions of each event type's committed events, in log order, so
	// that ReadAllTypes reads only the lines of the types asked for: a type that is rare in
	// a long log was found by parsing every line (58 ms at 100,000 events). It costs 8
	// bytes an event, as a stream's positions do.
	types map[string]*[]int64
}

func newIndex() index {
	return index{byName: make(map[string]uint32), types: make(map[string]*[]int64)}
}

// lookup returns the stream's id, or false when the stream is unknown.
func (x *index) lookup(name string) (uint32, bool) {
	id, ok := x.byName[name]
	return id, ok
}

// add returns the id of the named stream, creating it when needed.
func (x *index) add(name string) uint32 {
	if id, ok := x.byName[name]; ok {
		return id
	}
	id := uint32(len(x.streams))
	x.streams = append(x.streams, &stream{name: name})
	x.byName[name] = id
	return id
}

// typeList returns the positions of the events of type typ, making an empty list for a
// type not seen before.
func (x *index) typeList(typ string) *[]int64 {
	l, ok := x.types[typ]
	if !ok {
		l = new([]int64)
		x.types[strings.Clone(typ)] = l // typ may share the memory of a bigger buffer
	}
	return l
}

// appendGrow is append, except that a full slice of 1024 elements or more doubles its
// capacity. append grows big slices by about 1.25×, so an index that grows by millions of
// appended events copies each entry about four times over; doubling copies it about once
// (growing an index of entries to 2M, in a fresh process on the 2-core test machine:
// ~90-145 ns an entry with append, ~11-30 ns with appendGrow).
// The capacity not yet used costs address space, not memory, until it is written. Open
// builds the index with append, which leaves less spare capacity in a log that is only
// read.
func appendGrow[T any](s []T, v T) []T {
	if len(s) == cap(s) && len(s) >= 1024 {
		s = slices.Grow(s, len(s)) // zeroes only the new half, unlike make and copy
	}
	return append(s, v)
}
