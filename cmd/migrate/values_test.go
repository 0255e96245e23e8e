package main

import (
	"bytes"
	"fmt"
	"maps"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
	"github.com/eventgraph/eventgraph/store/postgres"
	"github.com/eventgraph/eventgraph/store/postgres/pgtest"
)

// TestMigrate_copiesEveryValueExactly: ids, stream ids and types with NUL bytes, quotes,
// line breaks and non-ASCII letters; data that json.Compact keeps as written (escapes,
// number spellings, a huge integer, a "metadata" member, scalars); metadata with an empty
// key and NUL bytes: all come through byte for byte, at the same positions and versions, with
// the time to the microsecond PostgreSQL keeps. A second run finds nothing to copy.
func TestMigrate_copiesEveryValueExactly(t *testing.T) {
	url := pgtest.URL(t)
	schema := pgtest.Schema(t, url)
	dir := filepath.Join(t.TempDir(), "data")
	s, err := jsonl.Open(dir, jsonl.WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	datas := []string{`{"b":1.50e0,"a":"\u003c\/x","n":-0,"big":123456789012345678901234567890}`, `"\u0000\ud83d\ude00"`, `[]`, `null`, `{"a":{"b":[1,{"metadata":{}}]},"metadata":{"x":"y"}}`, `1E+2`}
	for i, d := range datas {
		_, err := s.Append(t.Context(), fmt.Sprintf("str\x00eam-%d-é\n", i%2), store.Any, store.EventData{
			ID: fmt.Sprintf("id\x00\"%d", i), Type: "T\x00ype\n" + strings.Repeat("x", i*1000), Data: []byte(d),
			Metadata: map[string]string{"": "", "k\x00": "v\x00\"", "ü": strings.Repeat("é", 100)},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	src, err := jsonl.OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := readAll(t, src)
	src.Close()
	r := runMigrate(t, map[string]string{"EVENTGRAPH_POSTGRES_URL": url, "EVENTGRAPH_POSTGRES_SCHEMA": schema}, dir)
	if r.code != exitOK {
		t.Fatalf("exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	dst, err := postgres.Open(t.Context(), url, postgres.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	got := readAll(t, dst)
	if len(got) != len(want) {
		t.Fatalf("the destination holds %d events; the log %d", len(got), len(want))
	}
	for i := range want {
		a, b := want[i], got[i]
		if a.ID != b.ID || a.StreamID != b.StreamID || a.Type != b.Type || a.Version != b.Version || a.Position != b.Position ||
			!bytes.Equal(a.Data, b.Data) || !maps.Equal(a.Metadata, b.Metadata) || !a.Time.Truncate(time.Microsecond).Equal(b.Time) {
			t.Errorf("event %d:\n%+v\n%+v", i+1, a, b)
		}
	}
	// Again: the destination is the whole log, an identical prefix.
	r = runMigrate(t, map[string]string{"EVENTGRAPH_POSTGRES_URL": url, "EVENTGRAPH_POSTGRES_SCHEMA": schema}, dir)
	if r.code != exitOK || !strings.Contains(r.stdout, "nothing to copy") {
		t.Fatalf("again: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
}
