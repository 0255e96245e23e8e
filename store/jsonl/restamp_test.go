package jsonl_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/internal/clocktest"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// leads records what a WithRestampObserver function is told.
type leads struct {
	mu  sync.Mutex
	got []time.Duration
}

func (l *leads) record(lead time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, lead)
}

// take returns the leads recorded since the last take.
func (l *leads) take() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	got := l.got
	l.got = nil
	return got
}

// An append stamped with the log's last event's time because the clock reads earlier is
// reported with how much earlier the clock read, also after a restart; appends on a clock
// that moves on, and appends that fail, are not.
func TestStore_WithRestampObserver(t *testing.T) {
	const day = 24 * time.Hour
	var step atomic.Int64 // how far the system clock is stepped
	now := func() time.Time { return clocktest.Stepped(time.Now(), time.Duration(step.Load())) }
	var l leads
	dir := t.TempDir()
	opts := []jsonl.Option{jsonl.WithNoSync(), jsonl.WithClock(now), jsonl.WithRestampObserver(l.record)}
	s, err := jsonl.Open(dir, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	ctx := context.Background()

	// The clock moves on: nothing to report.
	for i := range 3 {
		mustAppend(t, s, "a", store.Version(i), ev("E", i))
	}
	if got := l.take(); len(got) != 0 {
		t.Fatalf("appends on a clock that moves on reported leads %v, want none", got)
	}
	// Stepped forward a day by mistake: the append is stamped by the clock, as it reads.
	step.Store(int64(day))
	mustAppend(t, s, "a", 3, ev("E", 3))
	if got := l.take(); len(got) != 0 {
		t.Fatalf("an append on a clock stepped forward reported leads %v, want none", got)
	}
	// Stepped back: each append is held at the day-ahead time, and says by how much.
	step.Store(0)
	mustAppend(t, s, "a", 4, ev("E", 4))
	mustAppend(t, s, "b", store.NoStream, ev("E", 5), ev("E", 6))
	checkLeads(t, l.take(), 2, day)
	// A refused append is stamped with nothing.
	if _, err := s.Append(ctx, "a", 1, ev("E", 7)); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Append with a stale version: %v, want a conflict", err)
	}
	if got := l.take(); len(got) != 0 {
		t.Fatalf("a refused append reported leads %v, want none", got)
	}
	// A restart does not forget the log's last time.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = jsonl.Open(dir, opts...); err != nil {
		t.Fatal(err)
	}
	mustAppend(t, s, "a", 5, ev("E", 8))
	checkLeads(t, l.take(), 1, day)
	for _, e := range readAll(t, s)[4:] {
		if want := readAll(t, s)[3].Time; !e.Time.Equal(want) {
			t.Errorf("event %d: time %v, want the time of the append on the clock a day ahead, %v", e.Position, e.Time, want)
		}
	}
}

// checkLeads fails unless got holds n leads, each of about want: the clock was stepped back
// by want after an append, less the time between the reads of it.
func checkLeads(tb testing.TB, got []time.Duration, n int, want time.Duration) {
	tb.Helper()
	if len(got) != n {
		tb.Fatalf("reported leads %v, want %d", got, n)
	}
	for _, lead := range got {
		if lead <= want-time.Hour || lead > want {
			tb.Errorf("reported lead %v, want a little under %v", lead, want)
		}
	}
}
