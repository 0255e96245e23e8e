package store

import (
	"encoding/binary"
	"math/rand/v2"
)

// IDs generates event ids: random (version 4, RFC 4122) UUIDs. The bits come from the Go
// runtime's per-thread ChaCha8 generator, which the runtime seeds from the operating
// system's randomness: an id costs no system call and no lock, and ids of concurrent
// appends never contend. It is safe for concurrent use. A store keeps one and passes it to
// PrepareWith.
type IDs struct {
	_ [0]func() // not comparable: a generator is used by pointer
}

// NewIDs returns a generator.
func NewIDs() *IDs { return &IDs{} }

// New returns a new random UUID in its canonical string form.
func (g *IDs) New() string {
	hi, lo := rand.Uint64(), rand.Uint64()
	hi = hi&^(0xf<<12) | 0x4<<12 // version 4: the high nibble of byte 6
	lo = lo&^(0x3<<62) | 0x2<<62 // variant RFC 4122: the top two bits of byte 8
	// Formatted here, eight digits at a time, rather than by uuid.UUID.String: an id is
	// made for every event appended, and formatting was most of its cost.
	var h [32]byte
	binary.BigEndian.PutUint64(h[0:], hex8(uint32(hi>>32)))
	binary.BigEndian.PutUint64(h[8:], hex8(uint32(hi)))
	binary.BigEndian.PutUint64(h[16:], hex8(uint32(lo>>32)))
	binary.BigEndian.PutUint64(h[24:], hex8(uint32(lo)))
	var b [36]byte
	copy(b[0:8], h[0:8])
	b[8] = '-'
	copy(b[9:13], h[8:12])
	b[13] = '-'
	copy(b[14:18], h[12:16])
	b[18] = '-'
	copy(b[19:23], h[16:20])
	b[23] = '-'
	copy(b[24:36], h[20:32])
	return string(b[:])
}

// hex8 returns the eight lowercase hexadecimal digits of v, most significant first, as the
// bytes of a big-endian uint64.
func hex8(v uint32) uint64 {
	// Spread the nibbles into bytes: 0x12345678 → 0x0102030405060708.
	x := uint64(v)
	x = (x | x<<16) & 0x0000ffff0000ffff
	x = (x | x<<8) & 0x00ff00ff00ff00ff
	x = (x | x<<4) & 0x0f0f0f0f0f0f0f0f
	// A nibble n becomes '0'+n, plus 'a'-'0'-10 when n > 9 (n+6 carries into bit 4).
	letters := (x + 0x0606060606060606) >> 4 & 0x0101010101010101
	return x + 0x3030303030303030 + letters*('a'-'0'-10)
}
