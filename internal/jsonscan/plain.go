package jsonscan

import "encoding/binary"

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// Plain returns the length of a prefix of b, a multiple of 8, in which every byte is
// printable ASCII other than the quote and the backslash: bytes a string scan may pass over
// without looking at each. It looks at 8 bytes at a time and stops at the first group of 8
// that holds any other byte (a control character, '"', '\\' or a byte of 0x80 and above),
// so the caller goes on byte by byte from there. The strings of an event's line (ids,
// hashes, names) are mostly such bytes.
func Plain(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		q, bs := w^(ones*'"'), w^(ones*'\\')
		// Each term has a byte's high bit set when that byte, and only bytes below it,
		// may be special; it is zero exactly when no byte is (bit-twiddling "hasless"
		// and "haszero", exact for whether any byte matches).
		if ((w-ones*0x20)&^w|(q-ones)&^q|(bs-ones)&^bs|w)&highs != 0 {
			break
		}
	}
	return i
}
