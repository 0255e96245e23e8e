package jsonl

import (
	"bytes"
	"maps"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// DefaultTailCache is the number of recently committed events a Store keeps decoded for its
// subscribers unless WithTailCache says otherwise.
const DefaultTailCache = 4096

// tail holds the last committed events, decoded, while anyone subscribes: a subscriber that
// keeps up with the log (the projections, sagas and live queries of the same process) then
// takes each event from memory instead of reading its line back and parsing it, once per
// subscriber. It holds at most size events, with Data and Metadata the Store's own
// copies, so its memory is bounded whatever the log's size; anything older is read from the
// file. Guarded by Store.mu.
type tail struct {
	size int           // the most events it holds; 0: off
	ring []store.Event // made on first use; position p is in ring[(p-1)%size], for lo <= p <= hi
	lo   store.Position
	hi   store.Position // lo > hi: empty
}

func newTail(n int) tail { return tail{size: max(n, 0), lo: 1} }

// on reports whether the cache keeps events at all.
func (t *tail) on() bool { return t.size > 0 }

// publish adds a committed group's events, which follow position hi; head is the log's
// head after the group. A group committed without all of its events (an append encoded
// while no one subscribed did not make them) empties the cache, which starts again after
// that group: the cache never has a hole.
func (t *tail) publish(evs []store.Event, complete bool, head store.Position) {
	if !t.on() {
		return
	}
	if !complete || len(evs) == 0 || evs[len(evs)-1].Position != evs[0].Position+store.Position(len(evs)-1) {
		if t.lo <= t.hi {
			clear(t.ring) // let the forgotten events go
		}
		t.lo, t.hi = head+1, head
		return
	}
	if t.ring == nil {
		t.ring = make([]store.Event, t.size)
	}
	if t.lo > t.hi || evs[0].Position != t.hi+1 {
		t.lo = evs[0].Position // an empty cache starts at any group
	}
	for _, e := range evs {
		t.ring[int(e.Position-1)%len(t.ring)] = e
	}
	t.hi = evs[len(evs)-1].Position
	t.lo = max(t.lo, t.hi-store.Position(t.size)+1)
}

// copyFrom appends to dst the cached events from position from on, at most max of them, and
// reports false (appending nothing) when from is not cached.
func (t *tail) copyFrom(dst []store.Event, from store.Position, max int) ([]store.Event, bool) {
	if from < t.lo || from > t.hi {
		return dst, false
	}
	to := min(t.hi, from+store.Position(max)-1)
	for p := from; p <= to; p++ {
		dst = append(dst, t.ring[int(p-1)%len(t.ring)])
	}
	return dst, true
}

// cachedEvents returns an append's events as the cache keeps them, with their own copies of
// Data (in one buffer) and Metadata, so that the appender may reuse its own; Version and
// Position are set when the append takes its place in the log. evs come from
// store.PrepareShared, which compacted their data. now is the append's time in UTC, as the
// log holds it.
func cachedEvents(stream string, evs []store.EventData, now time.Time) []store.Event {
	size := 0
	for i := range evs {
		size += len(evs[i].Data)
	}
	buf := make([]byte, 0, size)
	out := make([]store.Event, len(evs))
	for i, e := range evs {
		start := len(buf)
		buf = append(buf, e.Data...)
		var meta map[string]string
		if len(e.Metadata) > 0 { // an empty object decodes as no metadata
			meta = maps.Clone(e.Metadata)
		}
		out[i] = store.Event{ID: e.ID, StreamID: stream, Type: e.Type, Time: now, Data: buf[start:len(buf):len(buf)], Metadata: meta}
	}
	return out
}

// ownCopy returns e with its own copies of Data and Metadata.
func ownCopy(e store.Event) store.Event {
	e.Data = bytes.Clone(e.Data)
	e.Metadata = maps.Clone(e.Metadata)
	return e
}
