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
// It holds the last size events put, exactly, as long as their encoded data (the JSON the
// log holds) adds up to no more than its byte limit (DefaultDecodedBytes unless
// WithDecodedBytes says otherwise): it forgets the oldest events to stay within both, and
// never keeps an event larger than the byte limit. So a burst of large events (a menu of
// 500 items changed again and again) holds a bounded amount of memory, not size times the
// largest event. A reader that trails the writers by more falls back to decoding. The events
// it holds are shared, not copied: like every decided event, they must not be modified. A
// nil *Decoded holds nothing; the zero Decoded is ready to use and keeps DefaultDecodedSize
// events of up to DefaultDecodedBytes. It is safe for concurrent use.
type Decoded struct {
	mu       sync.Mutex
	byID     map[string]any
	ids      []string // the ids held, oldest first from next-count, in a ring
	sizes    []int    // the encoded size of each id's event, in the same ring
	next     int      // where the next id goes
	count    int      // how many ids the ring holds
	bytes    int      // their encoded sizes added up
	maxBytes int
}

// DefaultDecodedSize is the number of events NewDecoded keeps when given a size below 1, and
// the number the zero Decoded keeps.
const DefaultDecodedSize = 4096

// DefaultDecodedBytes bounds the encoded size of the events a Decoded keeps, unless
// WithDecodedBytes sets another bound. Decoded forms take some multiple of it in memory.
const DefaultDecodedBytes = 16 << 20

// DecodedOption configures NewDecoded.
type DecodedOption func(*Decoded)

// WithDecodedBytes bounds the encoded size of the events the Decoded keeps (n below 1:
// DefaultDecodedBytes).
func WithDecodedBytes(n int) DecodedOption {
	return func(d *Decoded) {
		if n > 0 {
			d.maxBytes = n
		}
	}
}

// NewDecoded returns a Decoded keeping the last size events (below 1: DefaultDecodedSize),
// within DefaultDecodedBytes of encoded data unless an option says otherwise.
func NewDecoded(size int, opts ...DecodedOption) *Decoded {
	if size < 1 {
		size = DefaultDecodedSize
	}
	d := &Decoded{byID: make(map[string]any, size), ids: make([]string, size), sizes: make([]int, size), maxBytes: DefaultDecodedBytes}
	for _, o := range opts {
		o(d)
	}
	return d
}

// put remembers ev, whose encoded data is n bytes long, as the decoded form of the event
// with the given id, forgetting the oldest events as the bounds require.
func (d *Decoded) put(id string, ev any, n int) {
	if d == nil || id == "" {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ids == nil { // the zero Decoded
		d.byID = make(map[string]any)
		d.ids, d.sizes = make([]string, DefaultDecodedSize), make([]int, DefaultDecodedSize)
		d.maxBytes = DefaultDecodedBytes
	}
	if n > d.maxBytes {
		return // would push out everything else, and still be over the bound
	}
	for d.count == len(d.ids) || d.count > 0 && d.bytes+n > d.maxBytes {
		d.evictOldest()
	}
	d.ids[d.next], d.sizes[d.next] = id, n
	d.byID[id] = ev
	d.bytes += n
	d.count++
	d.next++
	if d.next == len(d.ids) {
		d.next = 0
	}
}

// evictOldest forgets the oldest event held; the caller holds mu and d.count > 0.
func (d *Decoded) evictOldest() {
	i := d.next - d.count
	if i < 0 {
		i += len(d.ids)
	}
	delete(d.byID, d.ids[i])
	d.bytes -= d.sizes[i]
	d.ids[i], d.sizes[i] = "", 0
	d.count--
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
