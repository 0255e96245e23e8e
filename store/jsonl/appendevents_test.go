package jsonl_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// AppendEvents returns exactly what ReadStream yields afterwards, also after reopening.
func TestStore_AppendEvents(t *testing.T) {
	clock := time.Date(2026, 11, 23, 12, 0, 0, 123456789, time.FixedZone("X", 3600))
	for _, durable := range []bool{true, false} {
		t.Run(map[bool]string{true: "durable", false: "no sync"}[durable], func(t *testing.T) {
			dir := t.TempDir()
			opts := []jsonl.Option{jsonl.WithClock(func() time.Time { return clock })}
			if !durable {
				opts = append(opts, jsonl.WithNoSync())
			}
			s := openStore(t, dir, opts...)
			ctx := context.Background()
			mustAppend(t, s, "other", store.NoStream, ev("T", 1))
			in := []store.EventData{
				{Type: "A\"é", Data: []byte(`{ "a" : [1, 2] }`), Metadata: map[string]string{"k": "v\n", "a": "b"}},
				{ID: "given\\", Type: "B", Data: []byte(`"x"`), Metadata: map[string]string{}},
				{Type: "C", Data: []byte(`null`)},
			}
			app, got, err := s.AppendEvents(ctx, "s\t", store.NoStream, in...)
			if err != nil {
				t.Fatalf("AppendEvents: %v", err)
			}
			if app != (store.Appended{Version: 3, Position: 4}) {
				t.Errorf("AppendEvents = %+v, want version 3 at position 4", app)
			}
			if read := collect(t, s.ReadStream(ctx, "s\t", 0)); !reflect.DeepEqual(got, read) {
				t.Errorf("AppendEvents returned\n%+v\nReadStream yields\n%+v", got, read)
			}
			if _, evs, err := s.AppendEvents(ctx, "s\t", store.NoStream, in...); !errors.Is(err, store.ErrConflict) || evs != nil {
				t.Errorf("conflicting AppendEvents = %v, %v; want ErrConflict and no events", evs, err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = openStore(t, dir)
			if read := collect(t, s.ReadStream(ctx, "s\t", 0)); !reflect.DeepEqual(got, read) {
				t.Errorf("after reopening, AppendEvents returned\n%+v\nReadStream yields\n%+v", got, read)
			}
		})
	}
}
