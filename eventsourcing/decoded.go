package eventsourcing

import (
	"sync"

	"github.com/eventgraph/eventgraph/store"
)

// Decoded remembers the last events a process wrote, already decoded, by event id, so that
// its sagas and projections, which read the same events back from the log moments later,
// need not decode their JSON again. Share one between the handlers (WithDecoded), the sagas
// (WithSagaDecoded) and the projections (DecodeEvent) of one store.
//
// A handler remembers its events before it appends them (their ids are its own), so a
// subscriber that reads an event before the append has returned to the handler finds it
// too; an event whose append fails is remembered but never read.
//
// It holds the last size events put, exactly: a reader that trails the writers by more falls
// back to decoding. The events it holds are shared, not copied: like every decided event,
// they must not be modified. A nil *Decoded holds nothing; the zero Decoded is ready to use
// and keeps DefaultDecodedSize events. It is safe for concurrent use.
type Decoded struct {
	mu   sync.Mutex
	byID map[string]any
	ids  []string // the ids put, oldest first from next, in a ring
	next int
}

// DefaultDecodedSize is the number of events NewDecoded keeps when given a size below 1, and
// the number the zero Decoded keeps.
const DefaultDecodedSize = 4096

// NewDecoded returns a Decoded keeping the last size events.
func NewDecoded(size int) *Decoded {
	if size < 1 {
		size = DefaultDecodedSize
	}
	return &Decoded{byID: make(map[string]any, size), ids: make([]string, size)}
}

// put remembers ev as the decoded form of the event with the given id, forgetting the
// oldest event when full.
func (d *Decoded) put(id string, ev any) {
	if d == nil || id == "" {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ids == nil { // the zero Decoded
		d.byID, d.ids = make(map[string]any, DefaultDecodedSize), make([]string, DefaultDecodedSize)
	}
	if old := d.ids[d.next]; old != "" {
		delete(d.byID, old)
	}
	d.ids[d.next] = id
	d.byID[id] = ev
	d.next++
	if d.next == len(d.ids) {
		d.next = 0
	}
}

// get returns the decoded form of e, if remembered.
func (d *Decoded) get(e store.Event) (any, bool) {
	if d == nil || e.ID == "" {
		return nil, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	ev, ok := d.byID[e.ID]
	return ev, ok
}

// DecodeEvent returns e decoded: the event remembered by d when d holds it as an E, else
// codec's decoding of e's data. Projections call it to skip decoding the events their own
// process wrote.
func DecodeEvent[E any](d *Decoded, codec Codec[E], e store.Event) (E, error) {
	if v, ok := d.get(e); ok {
		if ev, ok := v.(E); ok {
			return ev, nil
		}
	}
	return codec.Decode(e.Type, e.Data)
}
