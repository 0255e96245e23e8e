package eventsourcing

import (
	"hash/maphash"
)

// streamChunk is the size of the blocks that hold stream ids back to back.
const streamChunk = 64 << 10

// streamNumbers numbers stream ids, so that the command index keeps each id once however
// many commands address it. The ids are copied back to back into blocks that are never
// reallocated, and found again by a hash, so the index holds no pointer per stream for the
// garbage collector to scan, and no string header or size-class rounding per id.
//
// It is not safe for concurrent use; the index guards it.
type streamNumbers struct {
	hash     func(id string) uint64 // a field so that a test can force collisions
	byHash   map[uint64]int         // id hash -> the first stream numbered with that hash
	collided map[string]int         // streams whose hash an earlier stream has (rare)
	chunks   [][]byte               // the ids, back to back
	refs     []streamRef            // number -> where its id is
}

// streamRef is where a stream id is: chunks[chunk][off:off+n].
type streamRef struct {
	chunk, off, n uint32
}

func newStreamNumbers() streamNumbers {
	seed := maphash.MakeSeed()
	return streamNumbers{
		hash:   func(id string) uint64 { return maphash.String(seed, id) },
		byHash: make(map[uint64]int),
	}
}

// number returns the number of the stream id, numbering it when it is new.
func (s *streamNumbers) number(id string) int {
	h := s.hash(id)
	n, ok := s.byHash[h]
	if ok && string(s.bytes(n)) == id { // compared without a copy

		return n
	}
	if ok {
		if n, ok := s.collided[id]; ok {
			return n
		}
	}
	n = len(s.refs)
	s.refs = append(s.refs, s.store(id))
	if !ok {
		s.byHash[h] = n
		return n
	}
	if s.collided == nil {
		s.collided = make(map[string]int)
	}
	s.collided[id] = n
	return n
}

// store copies id into the last chunk, or a new one when it does not fit (an id longer
// than a chunk gets a chunk of its own).
func (s *streamNumbers) store(id string) streamRef {
	last := len(s.chunks) - 1
	if last < 0 || cap(s.chunks[last])-len(s.chunks[last]) < len(id) {
		s.chunks = append(s.chunks, make([]byte, 0, max(streamChunk, len(id))))
		last++
	}
	off := len(s.chunks[last])
	s.chunks[last] = append(s.chunks[last], id...)
	return streamRef{chunk: uint32(last), off: uint32(off), n: uint32(len(id))}
}

// id returns the id of stream number n.
func (s *streamNumbers) id(n int) string { return string(s.bytes(n)) }

// bytes returns the stored id of stream number n, not to be modified.
func (s *streamNumbers) bytes(n int) []byte {
	r := s.refs[n]
	return s.chunks[r.chunk][r.off : r.off+r.n]
}
