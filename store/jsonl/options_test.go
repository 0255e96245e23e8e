package jsonl_test

import (
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// TestOptions_nilKeepsTheDefault: a nil observer is ignored and a nil clock keeps time.Now,
// in a durable store (which tells an observer of its syncs) as in one WithNoSync.
func TestOptions_nilKeepsTheDefault(t *testing.T) {
	for name, sync := range map[string][]jsonl.Option{"durable": nil, "no sync": {jsonl.WithNoSync()}} {
		t.Run(name, func(t *testing.T) {
			before := time.Now()
			s := openStore(t, t.TempDir(), append(sync, jsonl.WithObserver(nil), jsonl.WithClock(nil))...)
			mustAppend(t, s, "s", store.NoStream, ev("T", 1))
			if _, _, err := s.AppendEvents(t.Context(), "s", 1, ev("T", 2)); err != nil {
				t.Fatal(err)
			}
			for _, e := range readAll(t, s) {
				if e.Time.Before(before.Add(-time.Second)) || e.Time.Location() != time.UTC {
					t.Errorf("event %d stamped %v, want the time now, in UTC", e.Position, e.Time)
				}
			}
		})
	}
}
