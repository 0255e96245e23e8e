package jsonscan_test

import (
	"math/rand/v2"
	"testing"

	"github.com/eventgraph/eventgraph/internal/jsonscan"
)

// plainByte is the definition Plain's groups of 8 are held to.
func plainByte(c byte) bool { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\' }

// checkPlain fails t unless Plain(b) is the longest prefix of whole groups of 8 plain bytes.
func checkPlain(t *testing.T, b []byte) {
	t.Helper()
	want := 0
	for want+8 <= len(b) {
		ok := true
		for _, c := range b[want : want+8] {
			ok = ok && plainByte(c)
		}
		if !ok {
			break
		}
		want += 8
	}
	if got := jsonscan.Plain(b); got != want {
		t.Fatalf("Plain(%q) = %d, want %d", b, got, want)
	}
}

func TestPlain(t *testing.T) {
	const p = "0123456789abcdef" // 16 plain bytes
	for _, s := range []string{
		"", "abc", p[:7], p[:8], p[:9], p, p + p,
		"\x00" + p, "\"" + p, "\\" + p, "\x7f" + p, " ~" + p, // 0x7f and the ends of the range are plain
		p[:8] + "\x1f" + p, p[:8] + "\"" + p, p[:8] + "\\" + p, p[:8] + "\x80" + p, p[:8] + "\xff" + p,
		p[:15] + "\x01", p[:15] + "é" + p, p + "\x00", p + "\x20\x21\x5b\x5d\x7e",
		"!!!!!!!!", "########", "[[[[]]]]", // neighbours of '"' and '\\'
	} {
		checkPlain(t, []byte(s))
	}
}

func FuzzPlain(f *testing.F) {
	f.Add([]byte("0123456789abcdef\x01"))
	f.Add([]byte("01234567\"9abcdef"))
	f.Add([]byte("0123456789abcd\xc3\xa9"))
	f.Fuzz(checkPlain)
}

// TestPlain_everyByte puts every byte at every place of a group, after 0..2 whole plain groups, with a tail; and
// every pair of bytes at places 0 and 7, and random groups.
func TestPlain_everyByte(t *testing.T) {
	for pre := 0; pre <= 2; pre++ {
		for pos := 0; pos < 8; pos++ {
			for c := 0; c < 256; c++ {
				b := []byte("abcdefghABCDEFGH01234567xyz")[:pre*8]
				g := []byte("~~~~~~~~")
				g[pos] = byte(c)
				b = append(b, g...)
				b = append(b, "tail!"...)
				checkPlain(t, b)
			}
		}
	}
	for c1 := 0; c1 < 256; c1++ {
		for c2 := 0; c2 < 256; c2++ {
			b := []byte("        ")
			b[0], b[7] = byte(c1), byte(c2)
			checkPlain(t, b)
			b[0], b[7] = ' ', ' '
			b[3], b[4] = byte(c1), byte(c2)
			checkPlain(t, b)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		b := make([]byte, 8+rng.IntN(17))
		for i := range b {
			b[i] = byte(0x1e + rng.IntN(0x64)) // mostly plain, around the edges
			if rng.IntN(16) == 0 {
				b[i] = byte(rng.IntN(256))
			}
		}
		checkPlain(t, b)
	}
}
