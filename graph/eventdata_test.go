package graph_test

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// rawEventData are event data a store keeps as spelled (see storetest) that decoding would
// change or refuse: numbers beyond float64 and int64, escapes of NUL and of lone
// surrogates, duplicate keys, and nesting as deep as the store takes.
func rawEventData() []string {
	return []string{
		`[1e400,-0,1.0,12345678901234567890]`,
		`{"lone":"\ud800 \uDC00\uD800","nul\u0000":"\u0000"}`,
		`{"dup":1,"dup":2}`,
		strings.Repeat(`[{"a":`, store.MaxDataDepth/2) + `"x"` + strings.Repeat(`}]`, store.MaxDataDepth/2),
	}
}

// TestEvents_dataAsStored checks that the events query and the events subscription, over
// every transport, send each event's data as the store holds it, and its metadata with NUL
// and U+2028. Data nested deeper than a GraphQL response can hold (encoding/json's 10,000
// levels, the data four below the top) failed the whole query with INTERNAL_SERVER_ERROR,
// and hung an SSE stream for good (gqlgen's writer panicked holding its lock): the store
// refuses such data (store.MaxDataDepth).
func TestEvents_dataAsStored(t *testing.T) {
	e := newEnv(t)
	datas := rawEventData()
	meta := map[string]string{"k\u0000": "a\u0000b\u2028c", "rtl": "\u200fمطعم"}
	for _, d := range datas {
		if _, err := e.store.Append(testContext(t), "raw", store.Any, store.EventData{Type: "Raw", Data: []byte(d), Metadata: meta}); err != nil {
			t.Fatalf("Append %.40s: %v", d, err)
		}
	}
	type rawEvent struct {
		Position int64
		Data     json.RawMessage
		Metadata map[string]string
	}
	check := func(what string, i int, got rawEvent) {
		t.Helper()
		if got.Position != int64(i+1) || string(got.Data) != datas[i] || !maps.Equal(got.Metadata, meta) {
			t.Errorf("%s: event %d: position %d, data %.80s, metadata %q; want data %.80s, metadata %q",
				what, i+1, got.Position, got.Data, got.Metadata, datas[i], meta)
		}
	}

	var q struct{ Events []rawEvent }
	e.must(t, `{ events(afterPosition: 0) { position data metadata } }`, nil, &q)
	if len(q.Events) != len(datas) {
		t.Fatalf("events query: %d events, want %d", len(q.Events), len(datas))
	}
	for i, ev := range q.Events {
		check("events query", i, ev)
	}
	for _, tr := range transports {
		sub := e.subscribe(t, tr, `subscription { events(afterPosition: 0) { position data metadata } }`, nil)
		for i := range datas {
			var got struct{ Events rawEvent }
			next(t, sub, &got)
			check(tr, i, got.Events)
		}
	}
}
