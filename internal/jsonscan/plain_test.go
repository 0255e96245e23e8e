package jsonscan_test

import (
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
