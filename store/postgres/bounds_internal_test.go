package postgres

import (
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// A page ends with the event that brings it to WithPageBytes or over: a page of events of
// 10 bytes each, bounded at exactly two of them, holds two, and says that there may be
// more.
func TestPage_endsAtTheEventThatReachesTheBound(t *testing.T) {
	s, _ := openFresh(t)
	ctx := t.Context()
	events := make([]store.EventData, 4)
	for i := range events {
		// 10 bytes a row as rowBytes counts them: stream id (1), id (2), type (1), data (4)
		// and metadata (2, "{}").
		events[i] = store.EventData{ID: "e" + string(rune('0'+i)), Type: "T", Data: []byte(`"ab"`)}
	}
	if _, err := s.Append(ctx, "s", store.NoStream, events...); err != nil {
		t.Fatal(err)
	}
	s.opts.pageBytes = 20
	page, more, err := s.page(ctx, "read all", s.sql.readAll, int64(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 2 || !more {
		t.Errorf("a page bounded at 20 bytes, of events of 10: %d events, more %v; want 2, true", len(page), more)
	}
}

// The cache takes only events that continue it: a read in flight when the cache was reset
// (or dropped) past its events must not put them in, nor one after a gap.
func TestTail_addSkipsWhatDoesNotContinueIt(t *testing.T) {
	tl := newTail(8, 1<<20, 10)
	tl.add(eventsAt(11))
	tl.add(eventsAt(13, 14)) // a gap: 12 is missing
	if got, cached, wait := tl.since(11, 10, 1<<20); len(got) != 0 || !cached || wait == nil {
		t.Errorf("after adding 13 and 14 to a cache ending at 11: since(11) = %v, cached %v, wait %v; want nothing yet", positions(got), cached, wait != nil)
	}
	tl.reset(20, "")
	tl.add(eventsAt(18, 19, 20)) // read before the reset
	if got, cached, wait := tl.since(20, 10, 1<<20); len(got) != 0 || !cached || wait == nil || tl.head() != 20 {
		t.Errorf("after adding 18..20 to a cache reset to 20: since(20) = %v, cached %v, wait %v, head %d; want nothing, head 20",
			positions(got), cached, wait != nil, tl.head())
	}
}
