package jsonl

import "github.com/eventgraph/eventgraph/store"

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

// index is the in-memory index of a log: committed entries in position order and the
// streams. Committed elements of both slices never change once appended, so readers may
// take a slice header under the lock and read it after releasing the lock.
type index struct {
	entries []entry
	streams []*stream
	byName  map[string]uint32
}

func newIndex() index {
	return index{byName: make(map[string]uint32)}
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
