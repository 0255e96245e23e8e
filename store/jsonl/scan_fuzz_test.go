package jsonl

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// FuzzScan runs recovery's scan over arbitrary bytes in memory (fast, unlike FuzzRecover,
// which goes through the file system). It must never panic; it either fails with a
// *CorruptError at an offset inside the data, or accepts a prefix of whole commits whose
// every indexed line decodes, and which scans again to the same index with no torn tail.
func FuzzScan(f *testing.F) {
	var log []byte
	when := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	e := store.EventData{ID: "i", Type: "T", Data: []byte(`{"a":"b\"c","n":[1,2]}`), Metadata: map[string]string{"k": "v"}}
	log = appendLine(log, 1, "s", 1, &e, when, 2)
	log = appendLine(log, 2, "s", 2, &e, when, 2)
	log = appendLine(log, 3, "t\n", 1, &e, when, 1)
	f.Add(log)
	f.Add(log[:len(log)-3])
	f.Add([]byte("\n\n"))
	// Inputs starting with '!' are line bodies without checksums, which the target seals, so
	// that mutations reach the parser behind the checksum.
	var bodies []byte
	for _, line := range bytes.SplitAfter(log, []byte("\n")) {
		if len(line) > crcSuffixLen {
			bodies = append(append(bodies, line[:len(line)-crcSuffixLen-1]...), '\n')
		}
	}
	f.Add(append([]byte("!"), bodies...))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 0 && data[0] == '!' {
			data = seal(data[1:])
		}
		idx, rep, err := scan(bytes.NewReader(data), int64(len(data)), "fuzz")
		if err != nil {
			var ce *CorruptError
			if !errors.As(err, &ce) || ce.Offset < 0 || ce.Offset >= int64(len(data)) {
				t.Fatalf("scan failed with %v, want a *CorruptError inside the data", err)
			}
			return
		}
		if rep.Valid > int64(len(data)) || rep.TornBytes != int64(len(data))-rep.Valid || rep.Events != int64(idx.entries.len()) {
			t.Fatalf("inconsistent report %+v for %d bytes", rep, len(data))
		}
		for i := range idx.entries.len() {
			en := idx.entries.at(i)
			var ev store.Event
			if _, err := parseLine(data[en.off:en.off+int64(en.n)-1], &ev); err != nil || ev.Position != store.Position(i+1) {
				t.Fatalf("indexed line %d: %v (position %d)", i+1, err, ev.Position)
			}
			if ev.StreamID != idx.streams[en.stream].name {
				t.Fatalf("indexed line %d: stream %q, index says %q", i+1, ev.StreamID, idx.streams[en.stream].name)
			}
		}
		idx2, rep2, err := scan(bytes.NewReader(data[:rep.Valid]), rep.Valid, "fuzz")
		if err != nil || rep2.TornBytes != 0 || idx2.entries.len() != idx.entries.len() {
			t.Fatalf("the kept prefix scans to %+v, %v; want the same %d events and no torn tail", rep2, err, idx.entries.len())
		}
	})
}

// seal appends a checksum to every complete line of bodies.
func seal(bodies []byte) []byte {
	var out []byte
	for len(bodies) > 0 {
		i := bytes.IndexByte(bodies, '\n')
		if i < 0 {
			return append(out, bodies...) // a partial last line stays as it is
		}
		out = append(out, sealed(string(bodies[:i]))...)
		out = append(out, '\n')
		bodies = bodies[i+1:]
	}
	return out
}
