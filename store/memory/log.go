package memory

import (
	"bytes"
	"encoding/binary"
	"maps"
	"math"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/eventgraph/eventgraph/store"
)

// The log's default shape: chunks of 512 events (1<<chunkShift), of which the newest eight
// are live (see slot): the one being filled and the 3,584 events before it. Tests shape a
// log to pack after a few events (newLog).
const (
	chunkShift = 9
	liveChunks = 8
)

// chunk is a block of the log's events, as store.Event values.
type chunk []store.Event

// slot holds one chunk of the log: live until it is packed, then packed. packed is set
// before live is cleared and never changes after, so a reader that loads a nil live finds
// packed set (the atomic store and load order them).
type slot struct {
	live   atomic.Pointer[chunk]
	packed *packedChunk
}

// eventLog is an append-only sequence of events kept in fixed-size chunks, so growing it
// never copies or moves a committed event. A copy of an eventLog is a snapshot: it stays
// valid and unchanged while the original grows, because appends write only past the
// snapshot's length (into chunk slots and chunk-list slots the snapshot never reads), and
// packing a chunk changes how its events are kept, not what they are.
//
// Only the newest chunks keep their events as store.Event values. Older chunks are packed
// (see packedChunk), so that the log's history costs the garbage collector nothing to scan;
// subscribers that keep up with the log read only live chunks, and share their events
// without a copy.
type eventLog struct {
	slots []*slot
	n     int
	shift uint // a chunk holds 1<<shift events
	keep  int  // how many of the newest chunks are live, at least 2
}

// newLog returns an empty log of chunks of 1<<shift events, keep of them live (at least 2:
// the chunk being filled and the one before it).
func newLog(shift uint, keep int) eventLog {
	return eventLog{shift: shift, keep: max(keep, 2)}
}

// append adds e at the end and returns the slot that has become old enough to pack, if any,
// for the caller to pack (see slot.pack) once it no longer serialises appends: nothing
// writes to that slot's chunk any more. Callers serialise appends.
func (l *eventLog) append(e store.Event) (old *slot) {
	size := 1 << l.shift
	if l.n&(size-1) == 0 {
		if k := len(l.slots) - l.keep; k >= 0 {
			old = l.slots[k]
		}
		s := new(slot)
		c := make(chunk, size)
		s.live.Store(&c)
		l.slots = append(l.slots, s)
	}
	(*l.slots[l.n>>l.shift].live.Load())[l.n&(size-1)] = e
	l.n++
	return old
}

// len returns how many events the log holds.
func (l eventLog) len() int { return l.n }

// event returns the i-th event (0-based, so the event at position i+1). A shared event may
// share Data and Metadata with the log, and the caller must not modify them; any other is
// the caller's to change.
func (l eventLog) event(i int, shared bool) store.Event {
	s, j := l.slots[i>>l.shift], i&(1<<l.shift-1)
	if c := s.live.Load(); c != nil {
		if shared {
			return (*c)[j]
		}
		return clone(&(*c)[j])
	}
	return s.packed.event(j, store.Position(i+1), shared)
}

// clone returns a copy of e that the caller may modify without affecting the store.
func clone(p *store.Event) store.Event {
	e := *p
	e.Data = bytes.Clone(e.Data)
	e.Metadata = maps.Clone(e.Metadata)
	return e
}

// packedChunk holds a chunk's events encoded one after the other in a single byte slice.
// The garbage collector does not look inside a slice of bytes, whereas a live chunk holds
// seven references per event (id, stream, type, data and a metadata map with its strings),
// which every collection follows: packing the log's history keeps its cost to the collector
// from growing with the log, which the memory store's users (tests, demos, the benchmark's
// mutations) would pay in every request.
//
// Stream ids, types and metadata keys, which repeat from event to event, are written once
// per chunk and referred to after (see packer.index).
type packedChunk struct {
	buf   []byte
	offs  []uint32 // event j starts at buf[offs[j]]
	words []uint32 // the chunk's repeated strings, as offsets of their first copy
}

// pack replaces the slot's live chunk by its packed form. Readers that loaded the live
// chunk before keep reading it. The append that starts a new chunk has an old one packed
// once it has committed, without the store's lock; only it packs the slot, and nothing
// writes to its chunk any more.
func (s *slot) pack() {
	c := *s.live.Load()
	size := 0
	for j := range c {
		size += sizeHint(&c[j])
	}
	pk := packer{p: &packedChunk{buf: make([]byte, 0, size), offs: make([]uint32, len(c))}, words: make(map[string]uint64)}
	for j := range c {
		pk.p.offs[j] = uint32(len(pk.p.buf))
		pk.event(&c[j])
	}
	if uint64(len(pk.p.buf)) > math.MaxUint32 {
		return // events of many megabytes: too far apart for the offsets, so it stays live
	}
	pk.p.buf = bytes.Clone(pk.p.buf) // no spare capacity
	s.packed = pk.p
	s.live.Store(nil)
}

// sizeHint returns about the bytes packer.event adds for e, without iterating over its
// metadata (which is slow): enough for the command handler's metadata.
func sizeHint(e *store.Event) int {
	return 32 + len(e.ID) + len(e.StreamID) + len(e.Type) + len(e.Data) + 64*len(e.Metadata)
}

// packer writes a packedChunk.
type packer struct {
	p      *packedChunk
	words  map[string]uint64 // index in p.words of each repeated string written so far
	recent [8]recentWord     // the words last written, replaced in turn
	next   int               // the next of recent to replace
	filled int               // how many of recent hold a word
}

type recentWord struct {
	s string
	i uint64 // index in p.words
}

// event appends e without its position (which its place in the log gives).
func (pk *packer) event(e *store.Event) {
	pk.text(e.ID)
	pk.index(e.StreamID)
	pk.key(e.Type)
	b := binary.AppendUvarint(pk.p.buf, uint64(e.Version))
	// Fixed widths: a varint of the seconds takes five bytes anyway, and a loop to decode.
	b = binary.LittleEndian.AppendUint64(b, uint64(e.Time.Unix()))
	pk.p.buf = binary.LittleEndian.AppendUint32(b, uint32(e.Time.Nanosecond()))
	pk.p.buf = appendText(pk.p.buf, e.Data)
	if e.Metadata == nil {
		pk.p.buf = binary.AppendUvarint(pk.p.buf, 0)
		return
	}
	pk.p.buf = binary.AppendUvarint(pk.p.buf, uint64(len(e.Metadata))+1)
	for k, v := range e.Metadata {
		pk.key(k)
		pk.text(v)
	}
}

// text appends s as text (see appendText).
func (pk *packer) text(s string) { pk.p.buf = appendText(pk.p.buf, s) }

// appendText appends s as its length (shifted left by one: the low bit clear) and its bytes.
func appendText[T ~string | ~[]byte](b []byte, s T) []byte {
	b = binary.AppendUvarint(b, uint64(len(s))<<1)
	return append(b, s...)
}

// key is index for the few strings that most events repeat (their type, metadata keys): they
// are found among the recent ones, comparing strings that are most often the same constant,
// before any hashing.
func (pk *packer) key(s string) {
	for _, w := range pk.recent[:pk.filled] {
		if w.s == s {
			pk.p.buf = binary.AppendUvarint(pk.p.buf, w.i<<1|1)
			return
		}
	}
	i := pk.index(s)
	pk.recent[pk.next] = recentWord{s, i}
	pk.next = (pk.next + 1) % len(pk.recent)
	pk.filled = min(pk.filled+1, len(pk.recent))
}

// index appends a string that is likely to repeat: as text the first time, after that as
// the index of that first copy in p.words (shifted left by one, with the low bit set). It
// returns that index.
func (pk *packer) index(s string) uint64 {
	i, ok := pk.words[s]
	if !ok {
		i = uint64(len(pk.p.words))
		pk.words[s] = i
		pk.p.words = append(pk.p.words, uint32(len(pk.p.buf)))
		pk.text(s)
	} else {
		pk.p.buf = binary.AppendUvarint(pk.p.buf, i<<1|1)
	}
	return i
}

// event decodes the chunk's j-th event, at position pos. Its Data shares the chunk's memory
// when shared is set (the caller must not modify it then). Its strings always do: a packed
// chunk never changes, so they stay as immutable as Go requires, and cost no allocation.
func (p *packedChunk) event(j int, pos store.Position, shared bool) store.Event {
	r := reader{p: p, i: int(p.offs[j])}
	e := store.Event{Position: pos}
	e.ID = r.string()
	e.StreamID = r.string()
	e.Type = r.string()
	e.Version = store.Version(r.uvarint())
	e.Time = r.time()
	if data := r.bytes(); shared {
		e.Data = data // without spare capacity (see reader.bytes)
	} else {
		e.Data = bytes.Clone(data)
	}
	if n := r.uvarint(); n > 0 {
		e.Metadata = make(map[string]string, n-1)
		for range n - 1 {
			k := r.string()
			e.Metadata[k] = r.string()
		}
	}
	return e
}

// reader decodes what a packer wrote, which is well formed by construction.
type reader struct {
	p *packedChunk
	i int // the next byte to read in p.buf
}

func (r *reader) uvarint() uint64 {
	v, n := uvarintAt(r.p.buf, r.i)
	r.i = n
	return v
}

func (r *reader) time() time.Time {
	b := r.p.buf[r.i : r.i+12]
	r.i += 12
	return time.Unix(int64(binary.LittleEndian.Uint64(b)), int64(binary.LittleEndian.Uint32(b[8:]))).UTC()
}

// bytes returns the next text or word, without spare capacity: a caller appending to it
// must not write over the next field.
func (r *reader) bytes() []byte {
	tag := r.uvarint()
	at := r.i
	if tag&1 == 1 { // a word written before: its first copy is text
		tag, at = uvarintAt(r.p.buf, int(r.p.words[tag>>1]))
	} else {
		r.i += int(tag >> 1)
	}
	n := int(tag >> 1)
	return r.p.buf[at : at+n : at+n]
}

// string returns the next text or word, sharing the chunk's memory.
func (r *reader) string() string {
	b := r.bytes()
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// uvarintAt decodes the unsigned varint at b[i] and returns it and the index after it.
func uvarintAt(b []byte, i int) (uint64, int) {
	if c := b[i]; c < 0x80 { // most lengths, versions and counts: one byte
		return uint64(c), i + 1
	}
	v, n := binary.Uvarint(b[i:])
	return v, i + n
}
