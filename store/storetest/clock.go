package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// ClockSkew is how far checkTime lets an event's time be from the test's clock while it
// was appended: a store may stamp events with another clock than the process's (a database
// server's), or round the time (PostgreSQL keeps microseconds).
const ClockSkew = time.Minute

// checkTime: every event carries a UTC time, the same in every reader, that is when it was
// appended (within ClockSkew of the test's clock then: the store runs with its real clock).
func checkTime(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	start := time.Now()
	mustAppend(tb, ctx, s, "t", store.NoStream, numbered("T", 0, 3)...)
	mustAppend(tb, ctx, s, "u", store.NoStream, numbered("U", 0, 1)...)
	end := time.Now()
	all := readAll(tb, ctx, s, 0)
	for i, e := range all {
		if e.Time.IsZero() {
			tb.Errorf("event %d has a zero time", i)
		} else if e.Time.Before(start.Add(-ClockSkew)) || e.Time.After(end.Add(ClockSkew)) {
			tb.Errorf("event %d has time %v, appended between %v and %v", i, e.Time, start.UTC(), end.UTC())
		}
		if e.Time.Location() != time.UTC {
			tb.Errorf("event %d has time %v in %v, want UTC", i, e.Time, e.Time.Location())
		}
	}
	sameEvents(tb, "ReadStream(t)", all[:min(3, len(all))], readStream(tb, ctx, s, "t", 0))
}

// checkTimeOrder: an event's time is never before the time of the event before it in the
// log. An append whose clock reads earlier than the log's last event (the system clock
// was stepped back, or another server's clock is behind) is stamped with that event's time;
// one whose clock reads later, with the clock's reading. Also across a restart and from
// another store on the same log, when the harness makes them (with their real clocks,
// which read a day behind the log here).
func checkTimeOrder(tb testing.TB, h Harness) {
	base := time.Now().UTC().Truncate(time.Second).Add(24 * time.Hour)
	var mu sync.Mutex
	reading := base
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return reading
	}
	s := h.NewClocked(tb, clock)
	if s == nil {
		tb.Fatal("Harness.NewClocked returned nil")
	}
	tb.Cleanup(func() { _ = s.Close() })
	ctx, cancel := context.WithTimeout(tb.Context(), 10*h.timeout())
	defer cancel()

	type step struct {
		what         string
		stream       string
		n            int
		clock, stamp time.Time
		via          func() store.Store // the store that appends, when not s with the clock
	}
	last := base.Add(time.Second)
	steps := []step{
		{"a first append", "a", 2, base, base, nil},
		{"the clock stepped back an hour", "b", 1, base.Add(-time.Hour), base, nil},
		{"the clock half an hour back", "a", 1, base.Add(-30 * time.Minute), base, nil},
		{"the clock a second ahead", "b", 1, last, last, nil},
		{"the clock a microsecond back", "a", 2, last.Add(-time.Microsecond), last, nil},
	}
	if h.Another != nil {
		steps = append(steps, step{"another store on the log, its clock a day behind", "b", 1, time.Time{}, last, func() store.Store {
			s2 := h.Another(tb, s)
			tb.Cleanup(func() { _ = s2.Close() })
			return s2
		}})
	}
	if h.Reopen != nil {
		steps = append(steps, step{"the store restarted, its clock a day behind", "a", 1, time.Time{}, last, func() store.Store {
			s = reopen(tb, h, s)
			return s
		}})
	}
	var want []time.Time
	var what []string
	for i, st := range steps {
		to := s
		if st.via != nil {
			to = st.via()
		} else {
			mu.Lock()
			reading = st.clock
			mu.Unlock()
		}
		mustAppend(tb, ctx, to, st.stream, store.Any, numbered("T", i, st.n)...)
		for range st.n {
			want, what = append(want, st.stamp), append(what, st.what)
		}
	}

	all := readAll(tb, ctx, s, 0)
	if len(all) != len(want) {
		tb.Fatalf("ReadAll yielded %d events, want %d", len(all), len(want))
	}
	for i, e := range all {
		if !e.Time.Equal(want[i]) {
			before := "the log was empty"
			if i > 0 {
				before = "the event before at " + all[i-1].Time.Format(time.RFC3339Nano)
			}
			tb.Errorf("event %d, appended with %s (%s), has time %v, want %v",
				i, what[i], before, e.Time.Format(time.RFC3339Nano), want[i].Format(time.RFC3339Nano))
		}
	}
	for _, stream := range []string{"a", "b"} {
		var of []store.Event
		for _, e := range all {
			if e.StreamID == stream {
				of = append(of, e)
			}
		}
		sameEvents(tb, fmt.Sprintf("ReadStream(%q)", stream), of, readStream(tb, ctx, s, stream, 0))
	}

	// Concurrent appends: each reading of this clock is a microsecond before the one
	// before it, as when appends read the clock in one order and commit in another.
	mu.Lock()
	reading = base
	mu.Unlock()
	back := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		reading = reading.Add(-time.Microsecond)
		return reading
	}
	c := h.NewClocked(tb, back)
	if c == nil {
		tb.Fatal("Harness.NewClocked returned nil")
	}
	tb.Cleanup(func() { _ = c.Close() })
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 8 {
				if _, err := c.Append(ctx, fmt.Sprintf("c%d", g), store.Any, numbered("C", i, 1+i%2)...); err != nil {
					tb.Errorf("concurrent Append: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	all = readAll(tb, ctx, c, 0)
	for i := 1; i < len(all); i++ {
		if all[i].Time.Before(all[i-1].Time) {
			tb.Errorf("concurrent appends: event at position %d has time %v, before the time %v of the event before it",
				all[i].Position, all[i].Time.Format(time.RFC3339Nano), all[i-1].Time.Format(time.RFC3339Nano))
		}
	}
}
