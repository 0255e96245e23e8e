package eventsourcing

import (
	"sync/atomic"

	"github.com/eventgraph/eventgraph/store"
)

// Decoded remembers the last events a process wrote, already decoded, by log position, so
// that its sagas and projections, which read the same events back from the log moments
// later, need not decode their JSON again. Share one between the handlers (WithDecoded), the
// sagas (WithSagaDecoded) and the projections (DecodeEvent) of one store.
//
// It holds a fixed number of events, the latest written: a reader that trails the writers by
// more falls back to decoding. The events it holds are shared, not copied: like every
// decided event, they must not be modified. A nil *Decoded holds nothing. It is safe for
// concurrent use.
type Decoded struct {
	slots []atomic.Pointer[decodedEvent]
	mask  store.Position
}

type decodedEvent struct {
	pos store.Position
	id  string
	ev  any
}

// DefaultDecodedSize is the number of events NewDecoded keeps when given a size below 1.
const DefaultDecodedSize = 4096

// NewDecoded returns a Decoded keeping about size events (rounded up to a power of two).
func NewDecoded(size int) *Decoded {
	if size < 1 {
		size = DefaultDecodedSize
	}
	n := 1
	for n < size {
		n <<= 1
	}
	return &Decoded{slots: make([]atomic.Pointer[decodedEvent], n), mask: store.Position(n - 1)}
}

// put remembers ev as the decoded form of the event with the given id at position pos.
func (d *Decoded) put(pos store.Position, id string, ev any) {
	if d == nil || pos <= 0 {
		return
	}
	d.slots[pos&d.mask].Store(&decodedEvent{pos: pos, id: id, ev: ev})
}

// get returns the decoded form of e, if remembered.
func (d *Decoded) get(e store.Event) (any, bool) {
	if d == nil || e.Position <= 0 {
		return nil, false
	}
	x := d.slots[e.Position&d.mask].Load()
	if x == nil || x.pos != e.Position || x.id != e.ID {
		return nil, false
	}
	return x.ev, true
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
