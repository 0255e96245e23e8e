package postgres_test

import (
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/internal/clocktest"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres"
)

// An append that the database stamps with the log's last event's time because the store's
// clock reads earlier is reported, with how much earlier, also by a store opened after the
// step; appends on a clock that moves on, or stepped forward, are not.
func TestStore_WithRestampObserver(t *testing.T) {
	const day = 24 * time.Hour
	var step atomic.Int64 // how far the system clock is stepped
	now := func() time.Time { return clocktest.Stepped(time.Now(), time.Duration(step.Load())) }
	var (
		mu  sync.Mutex
		got []time.Duration
	)
	record := func(lead time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, lead)
	}
	take := func() []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		g := got
		got = nil
		return g
	}
	checkLeads := func(n int) {
		t.Helper()
		g := take()
		if len(g) != n {
			t.Fatalf("reported leads %v, want %d", g, n)
		}
		for _, lead := range g {
			if lead <= day-time.Hour || lead > day {
				t.Errorf("reported lead %v, want a little under %v", lead, day)
			}
		}
	}
	s, url := open(t, postgres.WithClock(now), postgres.WithRestampObserver(record))
	e := store.EventData{Type: "E", Data: json.RawMessage(`{}`)}
	appendTo := func(s store.Store, stream string, expected store.Version) {
		t.Helper()
		if _, err := s.Append(t.Context(), stream, expected, e, e); err != nil {
			t.Fatalf("Append(%s, %d): %v", stream, expected, err)
		}
	}

	for i := range 3 { // the clock moves on: nothing to report
		appendTo(s, "a", store.Version(2*i))
	}
	step.Store(int64(day)) // stepped forward a day by mistake: stamped as the clock reads
	appendTo(s, "a", 6)
	checkLeads(0)
	step.Store(0) // stepped back: each append is held at the day-ahead time
	appendTo(s, "a", 8)
	appendTo(s, "b", store.NoStream)
	checkLeads(2)
	events := readAllEvents(t, s)
	for _, ev := range events[8:] {
		if !ev.Time.Equal(events[7].Time) {
			t.Errorf("event %d: time %v, want the day-ahead time %v", ev.Position, ev.Time, events[7].Time)
		}
	}

	// A store opened after the step (a restart) knows the log's last time.
	s2, err := postgres.Open(t.Context(), url, postgres.WithSchema(s.Schema()), postgres.WithClock(now), postgres.WithRestampObserver(record))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	appendTo(s2, "c", store.NoStream)
	checkLeads(1)
}
