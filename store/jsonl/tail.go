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

// DefaultTailCacheBytes bounds the size of the events in the tail cache unless
// WithTailCacheBytes says otherwise: with events of up to store.DefaultMaxEventSize (1 MiB),
// a count alone would let 4,096 of them take 4 GiB.
const DefaultTailCacheBytes = 16 << 20

// tail holds the last committed events, decoded, while anyone subscribes: a subscriber that
// keeps up with the log (the projections, sagas and live queries of the same process) then
// takes each event from memory instead of reading its line back and parsing it, once per
// subscriber. It holds at most size events and, but for the newest, maxBytes of them (as
// eventSize counts), with Data and Metadata the Store's own copies, so its memory is bounded
// whatever the log's size; anything older is read from the file. Guarded by Store.mu.
type tail struct {
	size     int // the most events it holds; 0: off
	maxBytes int
	ring     []store.Event // made on first use; position p is in ring[(p-1)%size], for lo <= p <= hi
	lo       store.Position
	hi       store.Position // lo > hi: empty
	bytes    int            // eventSize of the events from lo to hi
}

func newTail(events, maxBytes int) tail {
	return tail{size: max(events, 0), maxBytes: maxBytes, lo: 1}
}

// on reports whether the cache keeps events at all.
func (t *tail) on() bool { return t.size > 0 }

// eventSize is what an event in the cache is counted as: its strings, data and metadata, and
// a fixed share for the rest of the struct and the map.
func eventSize(e *store.Event) int {
	n := 128 + len(e.ID) + len(e.StreamID) + len(e.Type) + len(e.Data)
	for k, v := range e.Metadata {
		n += 16 + len(k) + len(v)
	}
	return n
}

// empty forgets every event; the next one cached is at position next.
func (t *tail) empty(next store.Position) {
	if t.lo <= t.hi {
		clear(t.ring) // let the forgotten events go
	}
	t.lo, t.hi, t.bytes = next, next-1, 0
}

// publish adds a committed group's events, which follow position hi; head is the log's
// head after the group. A group committed without all of its events (an append encoded
// while no one subscribed did not make them) empties the cache, which starts again after
// that group: the cache never has a hole.
func (t *tail) publish(evs []store.Event, complete bool, head store.Position) {
	if !t.on() {
		return
	}
	if !complete || len(evs) == 0 || evs[len(evs)-1].Position != evs[0].Position+store.Position(len(evs)-1) {
		t.empty(head + 1)
		return
	}
	if t.ring == nil {
		t.ring = make([]store.Event, t.size)
	}
	if len(evs) > t.size {
		// The older ones would be pushed out by the newer ones of the same group, which
		// the loop below could not tell from the events they replace.
		evs = evs[len(evs)-t.size:]
	}
	if t.lo > t.hi || evs[0].Position != t.hi+1 {
		t.empty(evs[0].Position) // an empty cache starts at any group
	}
	for i := range evs {
		slot := &t.ring[int(evs[i].Position-1)%t.size]
		if slot.Position >= t.lo && slot.Position <= t.hi {
			t.bytes -= eventSize(slot) // the oldest event, pushed out by count
		}
		*slot = evs[i]
		t.bytes += eventSize(slot)
	}
	t.hi = evs[len(evs)-1].Position
	t.lo = max(t.lo, t.hi-store.Position(t.size)+1)
	for t.bytes > t.maxBytes && t.lo < t.hi {
		slot := &t.ring[int(t.lo-1)%t.size]
		t.bytes -= eventSize(slot)
		*slot = store.Event{}
		t.lo++
	}
}

// copyFrom appends to dst the cached events from position from on, at most max of them, and
// reports false (appending nothing) when from is not cached.
func (t *tail) copyFrom(dst []store.Event, from store.Position, max int) ([]store.Event, bool) {
	if from < t.lo || from > t.hi {
		return dst, false
	}
	to := min(t.hi, from+store.Position(max)-1)
	for p := from; p <= to; p++ {
		dst = append(dst, t.ring[int(p-1)%t.size])
	}
	return dst, true
}

// cachedEvents returns an append's events as the cache keeps them, with their own copies of
// Data and Metadata, so that the appender may reuse its own, unless shared: the events were
// handed over (see store.HandoverAppender) and the cache keeps them as they are. Version and
// Position are set when the append takes its place in the log. evs come from
// store.PrepareShared, which compacted their data. now is the append's time in UTC, as the
// log holds it.
//
// The copies of Data share buffers of up to cacheBlock bytes: one allocation for a
// command's few events, and an event the cache keeps holds on to at most one block of
// others, so the cache's byte bound holds whatever a batch's size (one buffer for a whole
// batch kept all of it alive through the few events the cache kept).
func cachedEvents(stream string, evs []store.EventData, now time.Time, shared bool) []store.Event {
	out := make([]store.Event, len(evs))
	var buf []byte
	left := 0 // bytes of data still to copy
	if !shared {
		for i := range evs {
			left += len(evs[i].Data)
		}
	}
	for i, e := range evs {
		data := e.Data
		if !shared {
			if len(buf)+len(data) > cap(buf) {
				buf = make([]byte, 0, max(len(data), min(left, cacheBlock)))
			}
			start := len(buf)
			buf = append(buf, data...)
			data = buf[start:len(buf):len(buf)]
			left -= len(data)
		}
		var meta map[string]string
		if len(e.Metadata) > 0 { // an empty object decodes as no metadata
			meta = e.Metadata
			if !shared {
				meta = maps.Clone(meta)
			}
		}
		out[i] = store.Event{ID: e.ID, StreamID: stream, Type: e.Type, Time: now, Data: data, Metadata: meta}
	}
	return out
}

// cacheBlock bounds the buffers cachedEvents copies an append's data into.
const cacheBlock = 64 << 10

// ownCopy returns e with its own copies of Data and Metadata.
func ownCopy(e store.Event) store.Event {
	e.Data = bytes.Clone(e.Data)
	e.Metadata = maps.Clone(e.Metadata)
	return e
}
