package jsonl

import (
	"errors"
	"io"
	"sync/atomic"
	"testing"
)

// garbage is a file of size bytes of 'a', without a newline, that counts the bytes read
// from it.
type garbage struct {
	size int64
	read atomic.Int64
}

func (g *garbage) ReadAt(p []byte, off int64) (int, error) {
	if off >= g.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), g.size-off))
	for i := range p[:n] {
		p[i] = 'a'
	}
	g.read.Add(int64(n))
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// TestScan_refusesALongForeignLineEarly: a line longer than a chunk that does not begin as
// every line does is refused once a chunk of it was read, rather than held whole: 900 MiB
// of garbage without a newline at the end of a log made Open hold it all, 2.6 GiB at its
// peak (found by a review), where no write of the log could have left it.
func TestScan_refusesALongForeignLineEarly(t *testing.T) {
	g := &garbage{size: 256 << 20}
	_, _, err := scan(g, g.size, "log")
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.Offset != 0 {
		t.Fatalf("scan of %d bytes of garbage: %v, want a *CorruptError at offset 0", g.size, err)
	}
	if got := g.read.Load(); got > 4*chunkSize {
		t.Errorf("scan read %d bytes of the garbage before refusing it, want at most %d", got, 4*chunkSize)
	}
}

func TestTornLine(t *testing.T) {
	tests := []struct {
		line string
		next int64
		want bool
	}{
		{"", 1, true},
		{`{"position":1,"stream":"s","version":1`, 1, true},
		{`{"position":1`, 12, true},
		{`{"position":12`, 1, false},
		{"\x00{garbage", 7, true},
		{`{"position":7,"stream":` + "\x00abc", 7, true},
		{`{"Position":7`, 7, false},
	}
	for _, tt := range tests {
		if got := tornLine([]byte(tt.line), tt.next); got != tt.want {
			t.Errorf("tornLine(%q, %d) = %v, want %v", tt.line, tt.next, got, tt.want)
		}
	}
}
