package memory

import "github.com/eventgraph/eventgraph/store"

// chunkSize is how many events one block of the log holds.
const chunkSize = 512

type chunk [chunkSize]store.Event

// eventLog is an append-only sequence of events kept in fixed-size chunks, so growing it
// never copies or moves a committed event. A copy of an eventLog is a snapshot: it stays
// valid and unchanged while the original grows, because appends write only past the
// snapshot's length (into chunk slots and chunk-list slots the snapshot never reads).
type eventLog struct {
	chunks []*chunk
	n      int
}

// append adds e at the end. Callers serialise appends.
func (l *eventLog) append(e store.Event) {
	if l.n%chunkSize == 0 {
		l.chunks = append(l.chunks, new(chunk))
	}
	l.chunks[l.n/chunkSize][l.n%chunkSize] = e
	l.n++
}

// len returns how many events the log holds.
func (l eventLog) len() int { return l.n }

// at returns the i-th event (0-based, so the event at position i+1).
func (l eventLog) at(i int) *store.Event { return &l.chunks[i/chunkSize][i%chunkSize] }
