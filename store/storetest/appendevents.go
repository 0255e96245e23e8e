package storetest

import (
	"errors"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// checkEventsAppender: a store that returns the events it commits (store.EventsAppender)
// returns them exactly as ReadStream and Subscribe yield them afterwards (ids, stream,
// versions, positions, time, compacted data, metadata) and keeps its own copies: changing
// the appended EventData or the returned events afterwards changes nothing the store
// yields. A conflict or invalid input returns no events and writes nothing. It is skipped
// for a store that does not return the events it commits. checkHandover checks
// store.HandoverAppender, whose events are the store's own.
func checkEventsAppender(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	ea, ok := s.(store.EventsAppender)
	if !ok {
		tb.Skipf("%T does not return the events it commits (store.EventsAppender)", s)
	}
	mustAppend(tb, ctx, s, "other", store.NoStream, ev("T", 0))
	in := []store.EventData{
		{Type: "A", Data: []byte(`{"a":[1,2]}`), Metadata: map[string]string{"k": "v", "é": "\n"}},
		{Type: "B", Data: []byte(` { "b" : "x y" } `), Metadata: map[string]string{"k": "w"}},
		{ID: "given-id", Type: "C", Data: []byte(`null`)},
		{Type: "D", Data: []byte(`{"d":1}`), Metadata: map[string]string{}},
	}
	app, got, err := ea.AppendEvents(ctx, "e", store.NoStream, in...)
	if err != nil {
		tb.Fatalf("AppendEvents: %v", err)
	}
	if app != (store.Appended{Version: 4, Position: 5}) {
		tb.Errorf("AppendEvents = %+v, want version 4 at position 5", app)
	}
	want := []store.Event{
		{StreamID: "e", Version: 1, Position: 2, Type: "A", Data: []byte(`{"a":[1,2]}`), Metadata: map[string]string{"k": "v", "é": "\n"}},
		{StreamID: "e", Version: 2, Position: 3, Type: "B", Data: []byte(`{"b":"x y"}`), Metadata: map[string]string{"k": "w"}},
		{ID: "given-id", StreamID: "e", Version: 3, Position: 4, Type: "C", Data: []byte(`null`)},
		{StreamID: "e", Version: 4, Position: 5, Type: "D", Data: []byte(`{"d":1}`)},
	}
	for i := range min(len(got), len(want)) {
		if want[i].ID == "" {
			want[i].ID = got[i].ID
		}
		want[i].Time = got[i].Time
	}
	sameEvents(tb, "AppendEvents", want, got)
	read := readStream(tb, ctx, s, "e", 0)
	sameEvents(tb, "ReadStream after AppendEvents", got, read)
	sub, err := subscribeUntil(ctx, h, s, 1, 5)
	if err != nil {
		tb.Errorf("Subscribe(1): %v", err)
	}
	sameEvents(tb, "Subscribe after AppendEvents", got, sub)

	// Changing what was appended and what was returned leaves the store as it was. The
	// returned events may share Data and Metadata with the appended ones: change those
	// first, then the returned events.
	for i := range in {
		if len(in[i].Data) > 2 {
			in[i].Data[1] = 'X'
		}
		if in[i].Metadata != nil {
			in[i].Metadata["k"] = "changed"
			in[i].Metadata["new"] = "x"
		}
	}
	for i := range got {
		if len(got[i].Data) > 2 {
			got[i].Data[2] = 'Y'
		}
		if got[i].Metadata != nil {
			got[i].Metadata["k"] = "changed too"
			got[i].Metadata["newer"] = "y"
		}
	}
	sameEvents(tb, "ReadStream after changing the appended and the returned events", read, readStream(tb, ctx, s, "e", 0))
	sub, err = subscribeUntil(ctx, h, s, 1, 5)
	if err != nil {
		tb.Errorf("Subscribe(1): %v", err)
	}
	sameEvents(tb, "Subscribe after changing the appended and the returned events", read, sub)

	if _, evs, err := ea.AppendEvents(ctx, "e", store.NoStream, ev("T", 1)); !errors.Is(err, store.ErrConflict) || evs != nil {
		tb.Errorf("conflicting AppendEvents = %v, %v; want ErrConflict and no events", evs, err)
	}
	if _, evs, err := ea.AppendEvents(ctx, "e", 4, ev("T", 1), store.EventData{Type: "T", Data: []byte(`{`)}); !errors.Is(err, store.ErrInvalid) || evs != nil {
		tb.Errorf("AppendEvents of invalid JSON = %v, %v; want ErrInvalid and no events", evs, err)
	}
	if all := readAll(tb, ctx, s, 0); len(all) != 5 {
		tb.Errorf("after the refused appends the log holds %d events, want 5", len(all))
	}
}
