package store

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestHex8(t *testing.T) {
	values := []uint32{0, 1, 9, 10, 15, 16, 0x9a9a9a9a, 0xa0a0a0a0, 0x12345678, 0x89abcdef, 0xffffffff}
	for range 1000 {
		values = append(values, rand.Uint32())
	}
	for _, v := range values {
		var got [8]byte
		binary.BigEndian.PutUint64(got[:], hex8(v))
		if want := fmt.Sprintf("%08x", v); string(got[:]) != want {
			t.Fatalf("hex8(%#x) = %q, want %q", v, got, want)
		}
	}
}
