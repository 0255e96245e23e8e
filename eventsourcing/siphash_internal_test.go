package eventsourcing

import (
	"encoding/binary"
	"testing"
)

// TestSipHash checks sipHash against the reference implementation's vectors (key 00 01 ..
// 0f, message 00 01 .. of each length).
func TestSipHash(t *testing.T) {
	var kb [16]byte
	for i := range kb {
		kb[i] = byte(i)
	}
	key := [2]uint64{binary.LittleEndian.Uint64(kb[:8]), binary.LittleEndian.Uint64(kb[8:])}
	msg := make([]byte, 64)
	for i := range msg {
		msg[i] = byte(i)
	}
	for n, want := range map[int]uint64{
		0:  0x726fdb47dd0e0e31,
		15: 0xa129ca6149be45e5,
	} {
		if got := sipHash(key, string(msg[:n])); got != want {
			t.Errorf("sipHash of %d bytes = %#x, want %#x", n, got, want)
		}
	}
}
