package storetest

import (
	"errors"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// checkHandover: a store that takes events handed over (store.HandoverAppender) commits them
// as any append does: the returned events are what the readers and subscribers get, data
// compacted and metadata as given; a conflict or invalid input returns no events and writes
// nothing. It is skipped for a store that does not take handed-over events.
func checkHandover(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	ha, ok := s.(store.HandoverAppender)
	if !ok {
		tb.Skipf("%T does not take handed-over events (store.HandoverAppender)", s)
	}
	mustAppend(tb, ctx, s, "other", store.NoStream, ev("T", 0))
	in := []store.EventData{
		{Type: "A", Data: []byte(`{"a":[1,2]}`), Metadata: map[string]string{"k": "v", "é": "\n"}},
		{Type: "B", Data: []byte(` { "b" : "x y" } `), Metadata: map[string]string{"k": "w"}},
		{ID: "given-id", Type: "C", Data: []byte(`null`)},
	}
	app, got, err := ha.AppendHandover(ctx, "h", store.NoStream, in...)
	if err != nil {
		tb.Fatalf("AppendHandover: %v", err)
	}
	if app != (store.Appended{Version: 3, Position: 4}) {
		tb.Errorf("AppendHandover = %+v, want version 3 at position 4", app)
	}
	want := []store.Event{
		{StreamID: "h", Version: 1, Position: 2, Type: "A", Data: []byte(`{"a":[1,2]}`), Metadata: map[string]string{"k": "v", "é": "\n"}},
		{StreamID: "h", Version: 2, Position: 3, Type: "B", Data: []byte(`{"b":"x y"}`), Metadata: map[string]string{"k": "w"}},
		{ID: "given-id", StreamID: "h", Version: 3, Position: 4, Type: "C", Data: []byte(`null`)},
	}
	for i := range min(len(got), len(want)) {
		if want[i].ID == "" {
			want[i].ID = got[i].ID
		}
		want[i].Time = got[i].Time
	}
	sameEvents(tb, "AppendHandover", want, got)
	sameEvents(tb, "ReadStream after AppendHandover", got, readStream(tb, ctx, s, "h", 0))
	sub, err := subscribeUntil(ctx, h, s, 1, 4)
	if err != nil {
		tb.Errorf("Subscribe(1): %v", err)
	}
	sameEvents(tb, "Subscribe after AppendHandover", got, sub)

	if _, evs, err := ha.AppendHandover(ctx, "h", store.NoStream, ev("T", 1)); !errors.Is(err, store.ErrConflict) || evs != nil {
		tb.Errorf("conflicting AppendHandover = %v, %v; want ErrConflict and no events", evs, err)
	}
	if _, evs, err := ha.AppendHandover(ctx, "h", 3, ev("T", 1), store.EventData{Data: []byte(`1`)}); !errors.Is(err, store.ErrInvalid) || evs != nil {
		tb.Errorf("AppendHandover of an event without a type = %v, %v; want ErrInvalid and no events", evs, err)
	}
	if all := readAll(tb, ctx, s, 0); len(all) != 4 {
		tb.Errorf("after the refused appends the log holds %d events, want 4", len(all))
	}
}
