package memory_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/internal/clocktest"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

// An append stamped with the log's last event's time because the clock reads earlier is
// reported with how much earlier the clock read; appends on a clock that moves on, and
// appends that fail, are not.
func TestStore_WithRestampObserver(t *testing.T) {
	const day = 24 * time.Hour
	var step atomic.Int64 // how far the system clock is stepped
	now := func() time.Time { return clocktest.Stepped(time.Now(), time.Duration(step.Load())) }
	var (
		mu  sync.Mutex
		got []time.Duration
	)
	take := func() []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		g := got
		got = nil
		return g
	}
	s := memory.New(memory.WithClock(now), memory.WithRestampObserver(func(lead time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, lead)
	}))
	defer s.Close()
	ctx := context.Background()
	e := store.EventData{Type: "E", Data: json.RawMessage(`{}`)}
	appendTo := func(stream string, expected store.Version) {
		t.Helper()
		if _, err := s.Append(ctx, stream, expected, e, e); err != nil {
			t.Fatalf("Append(%s, %d): %v", stream, expected, err)
		}
	}

	for i := range 3 { // the clock moves on: nothing to report
		appendTo("a", store.Version(2*i))
	}
	step.Store(int64(day)) // stepped forward a day by mistake: stamped as the clock reads
	appendTo("a", 6)
	if g := take(); len(g) != 0 {
		t.Fatalf("appends on a clock that moves on or was stepped forward reported leads %v, want none", g)
	}
	step.Store(0) // stepped back: each append is held at the day-ahead time
	appendTo("a", 8)
	appendTo("b", store.NoStream)
	g := take()
	if len(g) != 2 {
		t.Fatalf("reported leads %v, want 2", g)
	}
	for _, lead := range g {
		if lead <= day-time.Hour || lead > day {
			t.Errorf("reported lead %v, want a little under %v", lead, day)
		}
	}
	if _, err := s.Append(ctx, "a", 1, e); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Append with a stale version: %v, want a conflict", err)
	}
	if g := take(); len(g) != 0 {
		t.Fatalf("a refused append reported leads %v, want none", g)
	}
}
