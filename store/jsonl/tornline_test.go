package jsonl_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/store/jsonl"
)

// TestOpen_lastLineMustBeginTheNextLine: a last line without its newline is cut off as a
// torn tail only when a write of the log could have left it, a prefix of the line at the next
// position (maybe followed by the zeros of a file grown before its data landed). Anything else
// there (a stale or foreign tail) is damage: Open and Verify refuse it and name its offset,
// where they used to cut it off, hundreds of megabytes of garbage included (found by a
// review).
func TestOpen_lastLineMustBeginTheNextLine(t *testing.T) {
	data, ends, counts := buildLog(t, []int{2, 1}) // positions 1 and 2, then 3
	whole := int64(len(data))
	tests := []struct {
		name string
		tail string
		torn bool
	}{
		{"the next line's first byte", `{`, true},
		{"into the position", `{"position":`, true},
		{"the next position", `{"position":4`, true},
		{"past the stream", `{"position":4,"stream":"a","ver`, true},
		{"the next position, then zeros", "{\"position\":4,\"st\x00\x00\x00", true},
		{"zeros", "\x00\x00\x00", true},
		{"garbage", `aaaaaaaa`, false},
		{"a space", ` `, false},
		{"a position past the next", `{"position":5,"stream":"a"`, false},
		{"a position with a digit too many", `{"position":40`, false},
		{"an earlier position", `{"position":3,"stream":"c"`, false},
		{"another field first", `{"stream":"a"`, false},
		{"garbage, then zeros", "xyz\x00\x00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := append(bytes.Clone(data), tt.tail...)
			dir := writeLog(t, log)
			rep, verr := jsonl.Verify(dir)
			s, err := jsonl.Open(dir)
			if tt.torn {
				if err != nil || verr != nil {
					t.Fatalf("Open: %v; Verify: %v; want the tail cut as torn", err, verr)
				}
				defer s.Close()
				if rep.TornBytes != int64(len(tt.tail)) {
					t.Errorf("Verify: %d torn bytes, want %d", rep.TornBytes, len(tt.tail))
				}
				if got := readAll(t, s); len(got) != counts[1] {
					t.Errorf("%d events, want %d", len(got), counts[1])
				}
				if after, _ := os.ReadFile(filepath.Join(dir, jsonl.LogFile)); !bytes.Equal(after, data) {
					t.Errorf("file after Open is %d bytes, want the log's %d", len(after), len(data))
				}
				return
			}
			for name, err := range map[string]error{"Open": err, "Verify": verr} {
				var ce *jsonl.CorruptError
				if !errors.As(err, &ce) || ce.Offset != whole || ce.Line != int64(counts[1]+1) || !strings.Contains(ce.Reason, "not a torn write") {
					t.Errorf("%s: %v; want a *CorruptError at byte %d (line %d) saying it is not a torn write", name, err, whole, counts[1]+1)
				}
			}
			if err == nil {
				s.Close()
			}
			if after, _ := os.ReadFile(filepath.Join(dir, jsonl.LogFile)); !bytes.Equal(after, log) {
				t.Errorf("Open changed the refused log")
			}
		})
	}
	_ = ends
}
