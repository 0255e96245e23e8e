package storetest

import (
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
