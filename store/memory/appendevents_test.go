package memory_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

func TestStore_AppendEvents(t *testing.T) {
	clock := time.Date(2026, 11, 23, 12, 0, 0, 123456789, time.FixedZone("X", 3600))
	s := memory.New(memory.WithClock(func() time.Time { return clock }))
	ctx := context.Background()
	if _, err := s.Append(ctx, "other", store.NoStream, store.EventData{Type: "T", Data: []byte(`1`)}); err != nil {
		t.Fatal(err)
	}
	in := []store.EventData{
		{Type: "A", Data: []byte(`{ "a" : [1, 2] }`), Metadata: map[string]string{"k": "v"}},
		{ID: "given", Type: "B", Data: []byte(`"x"`), Metadata: map[string]string{}},
		{Type: "C", Data: []byte(`null`)},
	}
	app, got, err := s.AppendEvents(ctx, "s", store.NoStream, in...)
	if err != nil {
		t.Fatalf("AppendEvents: %v", err)
	}
	if app != (store.Appended{Version: 3, Position: 4}) {
		t.Errorf("AppendEvents = %+v, want version 3 at position 4", app)
	}
	var read []store.Event
	for e, err := range s.ReadStream(ctx, "s", 0) {
		if err != nil {
			t.Fatal(err)
		}
		read = append(read, e)
	}
	if !reflect.DeepEqual(got, read) {
		t.Errorf("AppendEvents returned\n%+v\nReadStream yields\n%+v", got, read)
	}
	// The returned events are the caller's (they may share the appended events' Data and
	// Metadata, never the store's): changing them leaves the store as it was.
	got[0].Data[0] = 'X'
	got[0].Metadata["k"] = "changed"
	got[1].Data[1] = 'Y' // already compact: the caller's own slice
	got[1].Metadata["new"] = "added"
	want := []string{`{"a":[1,2]}`, `"x"`, `null`}
	i := 0
	for e, err := range s.ReadStream(ctx, "s", 0) {
		if err != nil || string(e.Data) != want[i] || e.Metadata["k"] != map[int]string{0: "v"}[i] || e.Metadata["new"] != "" {
			t.Errorf("after changing the returned events the store holds %s %v (%v)", e.Data, e.Metadata, err)
		}
		i++
	}
	// A refused append returns no events.
	if _, evs, err := s.AppendEvents(ctx, "s", store.NoStream, in...); !errors.Is(err, store.ErrConflict) || evs != nil {
		t.Errorf("conflicting AppendEvents = %v, %v; want ErrConflict and no events", evs, err)
	}
}
