package eventsourcing

import (
	"hash/maphash"
	"sync/atomic"

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
// It holds a fixed number of slots, each an event id's hash: a later event replaces the one
// in its slot, so a reader that trails the writers by about as many events as there are
// slots falls back to decoding. The events it holds are shared, not copied: like every
// decided event, they must not be modified. A nil *Decoded holds nothing. It is safe for
// concurrent use.
type Decoded struct {
	slots []atomic.Pointer[decodedEvent]
	mask  uint64
	seed  maphash.Seed
}

type decodedEvent struct {
	id string
	ev any
}

// DefaultDecodedSize is the number of slots NewDecoded makes when given a size below 1.
const DefaultDecodedSize = 4096

// NewDecoded returns a Decoded with about size slots (rounded up to a power of two).
func NewDecoded(size int) *Decoded {
	if size < 1 {
		size = DefaultDecodedSize
	}
	n := 1
	for n < size {
		n <<= 1
	}
	return &Decoded{slots: make([]atomic.Pointer[decodedEvent], n), mask: uint64(n - 1), seed: maphash.MakeSeed()}
}

// put remembers ev as the decoded form of the event with the given id.
func (d *Decoded) put(id string, ev any) {
	if d == nil || id == "" {
		return
	}
	d.slots[maphash.String(d.seed, id)&d.mask].Store(&decodedEvent{id: id, ev: ev})
}

// get returns the decoded form of e, if remembered.
func (d *Decoded) get(e store.Event) (any, bool) {
	if d == nil || e.ID == "" {
		return nil, false
	}
	x := d.slots[maphash.String(d.seed, e.ID)&d.mask].Load()
	if x == nil || x.id != e.ID {
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
