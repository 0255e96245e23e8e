package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// checkReopen: after a restart every event reads back exactly as before (ids, versions,
// positions, types, times, compact data, metadata) through every reader.
func checkReopen(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	raw := `{"b": 1.50, "a":"\u00e9", "s": "<&>"}`
	mustAppend(tb, ctx, s, "a", store.NoStream,
		store.EventData{ID: "given", Type: "Raw", Data: []byte(raw), Metadata: map[string]string{"commandId": "c1", "x": ""}},
		store.EventData{Type: "Plain", Data: []byte(` [1, 2] `)},
	)
	mustAppend(tb, ctx, s, "b", store.NoStream, numbered("B", 0, 3)...)
	mustAppend(tb, ctx, s, "a", 2, numbered("A", 0, 2)...)
	before := readAll(tb, ctx, s, 0)
	if len(before) != 7 {
		tb.Fatalf("ReadAll before the restart yielded %d events, want 7", len(before))
	}
	if string(before[0].Data) != string(compact(raw)) {
		tb.Errorf("data before the restart = %s, want %s", before[0].Data, compact(raw))
	}

	for i, id := range oddStreamIDs() {
		mustAppend(tb, ctx, s, id, store.NoStream, numbered("T", 10*i, i%3+1)...)
	}
	before = append(before, readAll(tb, ctx, s, 7)...)

	s = reopen(tb, h, s)
	sameEvents(tb, "ReadAll after a restart", before, readAll(tb, ctx, s, 0))
	for _, stream := range []string{"a", "b"} {
		var want []store.Event
		for _, e := range before {
			if e.StreamID == stream {
				want = append(want, e)
			}
		}
		sameEvents(tb, fmt.Sprintf("ReadStream(%q) after a restart", stream), want, readStream(tb, ctx, s, stream, 0))
	}
	sub, err := subscribeUntil(ctx, h, s, 0, store.Position(len(before)))
	if err != nil {
		tb.Errorf("Subscribe after a restart: %v", err)
	}
	sameEvents(tb, "Subscribe after a restart", before, sub)
	if hd, ok := s.(store.Header); ok {
		if p, err := hd.Head(ctx); err != nil || int(p) != len(before) {
			tb.Errorf("Head after a restart = %d, %v, want %d", p, err, len(before))
		}
	}
}

// checkReopenAppend: after a restart versions and positions continue where they were, and
// expected versions are checked against the recovered streams.
func checkReopenAppend(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	mustAppend(tb, ctx, s, "a", store.NoStream, numbered("A", 0, 2)...)
	mustAppend(tb, ctx, s, "b", store.NoStream, numbered("B", 0, 1)...)
	s = reopen(tb, h, s)

	_, err := s.Append(ctx, "a", store.NoStream, numbered("A", 2, 1)...)
	wantConflict(tb, err, "a", store.NoStream, 2)
	if a := mustAppend(tb, ctx, s, "a", 2, numbered("A", 2, 1)...); a != (store.Appended{Version: 3, Position: 4}) {
		tb.Errorf("Append after a restart = %+v, want {3 4}", a)
	}
	before := readAll(tb, ctx, s, 0)

	s = reopen(tb, h, s)
	sameEvents(tb, "ReadAll after a second restart", before, readAll(tb, ctx, s, 0))
	if _, err := s.Append(ctx, "c", store.StreamExists, numbered("C", 0, 1)...); !errors.Is(err, store.ErrConflict) {
		tb.Errorf("StreamExists on a missing stream after a restart: err = %v, want ErrConflict", err)
	}
	if a := mustAppend(tb, ctx, s, "b", store.StreamExists, numbered("B", 1, 1)...); a != (store.Appended{Version: 2, Position: 5}) {
		tb.Errorf("Append after a second restart = %+v, want {2 5}", a)
	}
}

// checkReopenSpelling: after a restart every reader returns each event's data exactly as
// json.Compact made it, for every spelling checkDataCompact tries, and metadata, types and
// ids holding quotes, backslashes, newlines, control characters, U+2028 and non-ASCII text
// unchanged: a store that encodes what it keeps must decode it to the same bytes.
// checkReopen tries one object with \u00e9 and <&>, and metadata with an empty value.
func checkReopenSpelling(tb testing.TB, h Harness) {
	inputs := jsonSpellings()
	metas := []map[string]string{
		{"empty": "", "ünïcode": "日本語 \"quoted\" \n newline", `back\slash`: "\t\r\x00\u2028</script>"},
		nil,
		{"k": `{"json":"in a string"}`},
	}
	types := []string{"Raw", `Ty"pe\with` + "\nnewline", "Ünïcode 😀", "<&>"}
	ids := []string{"", `id "quoted"\`, "id\nnewline\u2028", "ïd 😀"}
	ctx, s := open(tb, h)
	events := make([]store.EventData, len(inputs))
	for i, in := range inputs {
		events[i] = store.EventData{Type: types[i%len(types)], Data: []byte(in), Metadata: metas[i%len(metas)]}
		if id := ids[i%len(ids)]; id != "" {
			events[i].ID = fmt.Sprintf("%s-%d", id, i)
		}
	}
	mustAppend(tb, ctx, s, "spell", store.NoStream, events[:5]...)
	mustAppend(tb, ctx, s, "other", store.NoStream, numbered("O", 0, 1)...)
	mustAppend(tb, ctx, s, "spell", 5, events[5:]...)
	check := func(what string, got []store.Event) {
		tb.Helper()
		var spell []store.Event
		for _, e := range got {
			if e.StreamID == "spell" {
				spell = append(spell, e)
			}
		}
		if len(spell) != len(inputs) {
			tb.Errorf("%s yielded %d events of the stream, want %d", what, len(spell), len(inputs))
			return
		}
		for i, in := range inputs {
			if want := compact(in); !bytes.Equal(spell[i].Data, want) {
				tb.Errorf("%s: data of %q = %s, want %s", what, in, spell[i].Data, want)
			}
			if !sameMetadata(spell[i].Metadata, events[i].Metadata) {
				tb.Errorf("%s: event %d metadata %q, want %q", what, i, spell[i].Metadata, events[i].Metadata)
			}
			if spell[i].Type != events[i].Type {
				tb.Errorf("%s: event %d type %q, want %q", what, i, spell[i].Type, events[i].Type)
			}
			if events[i].ID != "" && spell[i].ID != events[i].ID {
				tb.Errorf("%s: event %d id %q, want %q", what, i, spell[i].ID, events[i].ID)
			}
		}
	}
	before := readAll(tb, ctx, s, 0)
	check("ReadAll before a restart", before)

	s = reopen(tb, h, s)
	all := readAll(tb, ctx, s, 0)
	check("ReadAll after a restart", all)
	sameEvents(tb, "ReadAll after a restart", before, all)
	check("ReadStream after a restart", readStream(tb, ctx, s, "spell", 0))
	sub, err := subscribeUntil(ctx, h, s, 0, store.Position(len(before)))
	if err != nil {
		tb.Errorf("Subscribe after a restart: %v", err)
	}
	check("Subscribe after a restart", sub)
}
