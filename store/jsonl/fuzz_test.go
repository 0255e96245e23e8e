package jsonl_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// FuzzRecover opens arbitrary log files. Recovery must never panic: it either opens a
// valid prefix of the file, whose events all read back with contiguous positions, or fails
// with a *CorruptError naming an offset inside the file.
func FuzzRecover(f *testing.F) {
	data, _, _ := buildLog(f, []int{2, 1, 3})
	f.Add(data)
	f.Add(data[:len(data)-7])
	f.Add([]byte{})
	f.Add([]byte("{}\n"))
	f.Add([]byte(`{"position":1,"stream":"s","version":1,"id":"x","type":"T","time":"2026-01-02T03:04:05.000000000Z","data":1,"metadata":{},"batch":1,"crc":"00000000"}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, jsonl.LogFile)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		rep, verr := jsonl.Verify(dir)
		s, err := jsonl.Open(dir, jsonl.WithNoSync())
		if err != nil {
			var ce *jsonl.CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("Open failed without a *CorruptError: %v", err)
			}
			if ce.Offset < 0 || ce.Offset >= int64(len(data)) {
				t.Fatalf("corruption at offset %d outside the file of %d bytes", ce.Offset, len(data))
			}
			if verr == nil {
				t.Fatalf("Open failed (%v) but Verify did not", err)
			}
			return
		}
		defer s.Close()
		if verr != nil {
			t.Fatalf("Open succeeded but Verify failed: %v", verr)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(got)) != rep.Valid || string(got) != string(data[:len(got)]) {
			t.Fatalf("Open kept %d bytes that are not the %d-byte valid prefix", len(got), rep.Valid)
		}
		n := 0
		for e, err := range s.ReadAll(context.Background(), 0) {
			if err != nil {
				t.Fatalf("reading a recovered log: %v", err)
			}
			if n++; e.Position != store.Position(n) {
				t.Fatalf("event %d has position %d", n, e.Position)
			}
		}
		if int64(n) != rep.Events {
			t.Fatalf("read %d events, Verify counted %d", n, rep.Events)
		}
		if _, err := s.Append(context.Background(), "fuzz", store.Any, ev("T", 1)); err != nil {
			t.Fatalf("Append to a recovered log: %v", err)
		}
	})
}
